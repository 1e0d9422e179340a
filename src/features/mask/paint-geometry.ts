/** Where a pointer is on a patch grid, and which patches a stroke between two of them crosses. */

/**
 * The patch under a point given as fractions of the panel (0 ≤ x, y < 1) on a grid of `side`
 * columns and `rows` rows (default: square), or null outside the panel (or with no grid).
 */
export function patchAtFraction(x: number, y: number, side: number, rows = side): number | null {
  if (side <= 0 || rows <= 0 || !(x >= 0 && x < 1 && y >= 0 && y < 1)) return null;
  return Math.floor(y * rows) * side + Math.floor(x * side);
}

/** Patches on the straight line between two patches of a grid `side` patches wide (any number of rows), both ends included. */
export function patchesBetween(from: number, to: number, side: number): number[] {
  const r0 = Math.floor(from / side);
  const c0 = from % side;
  const r1 = Math.floor(to / side);
  const c1 = to % side;
  const steps = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0));
  const out: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = steps === 0 ? 0 : i / steps;
    out.push(Math.round(r0 + (r1 - r0) * t) * side + Math.round(c0 + (c1 - c0) * t));
  }
  return out;
}

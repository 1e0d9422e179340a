/**
 * One mask for models with different patch grids. The compare view hides the same PIXELS in every
 * model: the mask is drawn on the coarsest grid, and a model with a finer grid (e.g. patch 8 where the
 * coarsest is patch 16) hides every fine patch inside a hidden coarse one. So the ratio is the same for
 * all models and no model sees a pixel another one does not.
 */
import { gridSide } from './grid.ts';
import { imageSeed, randomMasking } from './masking.ts';

export { gridSide };

/** Coarse per-patch hidden mask (1 = hidden) expanded to a finer grid whose side is a multiple. */
export function expandMask(coarse: Uint8Array, fineSide: number): Uint8Array {
  const side = gridSide(coarse.length);
  if (fineSide % side !== 0) throw new RangeError(`a ${fineSide}x${fineSide} grid does not refine ${side}x${side}`);
  const k = fineSide / side;
  const fine = new Uint8Array(fineSide * fineSide);
  for (let y = 0; y < fineSide; y++) {
    for (let x = 0; x < fineSide; x++) fine[y * fineSide + x] = coarse[Math.floor(y / k) * side + Math.floor(x / k)];
  }
  return fine;
}

/**
 * The shared mask for a set of grids: random masking (the playground's seeded generator) at `ratio` on
 * the coarsest grid, then expanded to each grid. Returns one hidden mask per input, in input order.
 */
export function sharedMasks(gridSides: readonly number[], ratio: number, seed: number): Uint8Array[] {
  if (gridSides.length === 0) return [];
  const coarsest = Math.min(...gridSides);
  for (const s of gridSides) {
    if (s % coarsest !== 0) throw new RangeError(`grids ${gridSides.join(', ')} do not share a coarsest grid`);
  }
  const coarse = randomMasking(imageSeed(seed, 0, true), coarsest * coarsest, ratio).mask;
  return gridSides.map((s) => expandMask(coarse, s));
}

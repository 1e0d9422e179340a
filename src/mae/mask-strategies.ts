/**
 * Mask strategies. Every one returns the same MaskIds shape as randomMasking and, at a given
 * ratio, keeps exactly lenKeep(numPatches, ratio) patches, so rows at one ratio can still share
 * one encoder call (a batch needs equal keep counts).
 *
 * - random: the official MAE sampling (randomMasking, unchanged: the reference vectors use it);
 * - block: BEiT-style block-wise masking, rectangles of several patches hidden until the count
 *   is reached;
 * - grid: evenly spread kept patches; at 75% on an even grid exactly one kept patch per 2×2 cell
 *   (the MAE paper's grid-wise sampling);
 * - paint: a hand-made mask (see maskFromHidden); its ratio is whatever was painted.
 */
import { base64UrlToBytes, bytesToBase64Url } from './base64.ts';
import { gridSide } from './grid.ts';
import { lenKeep, maskFromHidden, mulberry32, randomMasking, type MaskIds } from './masking.ts';

export const MASK_STRATEGIES = ['random', 'block', 'grid', 'paint'] as const;
export type MaskStrategy = (typeof MASK_STRATEGIES)[number];
/** Strategies computed from (seed, ratio); paint is given by hand. */
export type SeededMaskStrategy = Exclude<MaskStrategy, 'paint'>;

/** What a reconstruction request says about its mask; absent means random. */
export type MaskSpec = { strategy: SeededMaskStrategy } | { strategy: 'paint'; hidden: Uint8Array };

export function isMaskStrategy(s: unknown): s is MaskStrategy {
  return typeof s === 'string' && (MASK_STRATEGIES as readonly string[]).includes(s);
}

/** Uniform integer in [lo, hi] (inclusive) from a [0, 1) generator. */
function randInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/**
 * Patches per row of the grid: `gridW` for a non-square (whole-photo) grid of numPatches / gridW
 * rows, else the side of the square grid. A width that does not divide the count says so.
 */
function gridWidth(numPatches: number, gridW: number | undefined): { rows: number; cols: number } {
  if (gridW === undefined) {
    const side = gridSide(numPatches);
    return { rows: side, cols: side };
  }
  if (!Number.isInteger(gridW) || gridW <= 0 || numPatches % gridW !== 0) {
    throw new RangeError(`${numPatches} patches do not make rows of ${gridW}`);
  }
  return { rows: numPatches / gridW, cols: gridW };
}

/** Hides patches bordering the hidden ones, one ring per sweep, so a top-up keeps the blocks together. */
function topUpNextToHidden(hidden: Uint8Array, rowsN: number, side: number, count: number): void {
  let added = 0;
  // With nothing hidden yet there is no block to grow: start one at the first patch.
  if (count > 0 && !hidden.includes(1)) {
    hidden[0] = 1;
    added = 1;
  }
  while (added < count) {
    let grew = false;
    for (let p = 0; p < hidden.length && added < count; p++) {
      if (hidden[p]) continue;
      const r = Math.floor(p / side);
      const c = p % side;
      const touches =
        (r > 0 && hidden[p - side] === 1) ||
        (r < rowsN - 1 && hidden[p + side] === 1) ||
        (c > 0 && hidden[p - 1] === 1) ||
        (c < side - 1 && hidden[p + 1] === 1);
      if (touches) {
        hidden[p] = 2; // 2 = hidden in this sweep, so a sweep grows by one ring, not a whole row
        added++;
        grew = true;
      }
    }
    for (let p = 0; p < hidden.length; p++) if (hidden[p] === 2) hidden[p] = 1;
    if (!grew) break;
  }
}

/**
 * BEiT-style block-wise masking: hide random rectangles (area between a small minimum and a
 * quarter of the grid, aspect ratio log-uniform in [0.3, 1/0.3]) as long as a rectangle adds at
 * most the patches still to hide; after too many misses, hide the patches bordering the blocks
 * until the exact count is reached. Seeded with mulberry32. `gridW`: patches per row of a
 * non-square grid (default: the square grid's side).
 */
export function blockMasking(seed: number, numPatches: number, maskRatio: number, gridW?: number): MaskIds {
  const { rows: rowsN, cols: side } = gridWidth(numPatches, gridW);
  const target = numPatches - lenKeep(numPatches, maskRatio);
  const hidden = new Uint8Array(numPatches);
  const next = mulberry32(seed);
  const minArea = Math.max(2, Math.round(numPatches / 12));
  const maxArea = Math.max(minArea, Math.floor(numPatches / 4));
  const logAspect = Math.log(0.3);
  let count = 0;
  let misses = 0;
  while (count < target && misses < 64) {
    const remaining = target - count;
    const area = randInt(next, Math.min(minArea, remaining), Math.max(1, Math.min(maxArea, remaining)));
    const aspect = Math.exp(logAspect + next() * -2 * logAspect);
    const h = Math.max(1, Math.min(rowsN, Math.round(Math.sqrt(area * aspect))));
    const w = Math.max(1, Math.min(side, Math.round(Math.sqrt(area / aspect))));
    const top = randInt(next, 0, rowsN - h);
    const left = randInt(next, 0, side - w);
    let added = 0;
    for (let r = top; r < top + h; r++) for (let c = left; c < left + w; c++) if (!hidden[r * side + c]) added++;
    if (added === 0 || added > remaining) {
      misses++;
      continue;
    }
    for (let r = top; r < top + h; r++) for (let c = left; c < left + w; c++) hidden[r * side + c] = 1;
    count += added;
    misses = 0;
  }
  if (count < target) topUpNextToHidden(hidden, rowsN, side, target - count);
  return maskFromHidden(hidden);
}

/** Bayer ordered-dither matrix of size n (a power of two): a rank for every cell, evenly spread. */
function bayerMatrix(n: number): Int32Array {
  let m = Int32Array.of(0);
  for (let size = 1; size < n; size *= 2) {
    const grown = new Int32Array(4 * size * size);
    const big = 2 * size;
    // quadrants get 4·m + 0, 2 / 3, 1: the low bits of a rank say the coarse place, so the lowest
    // quarter of the ranks lands on one cell per 2×2, the lowest half on a checkerboard
    const offset = [0, 2, 3, 1];
    for (let q = 0; q < 4; q++) {
      const qr = q >> 1;
      const qc = q & 1;
      for (let r = 0; r < size; r++)
        for (let c = 0; c < size; c++) grown[(qr * size + r) * big + (qc * size + c)] = 4 * m[r * size + c] + offset[q];
    }
    m = grown;
  }
  return m;
}

/**
 * Grid-wise sampling: keep the lenKeep patches with the lowest rank in a Bayer matrix laid over
 * the grid. At 75% on an even grid that is exactly one kept patch per 2×2 cell; at other ratios
 * an evenly spread pattern with the exact count. The seed shifts the pattern's phase. `gridW`:
 * patches per row of a non-square grid (default: the square grid's side).
 */
export function gridMasking(seed: number, numPatches: number, maskRatio: number, gridW?: number): MaskIds {
  const { rows: rowsN, cols: side } = gridWidth(numPatches, gridW);
  const keep = lenKeep(numPatches, maskRatio);
  let n = 2;
  while (n < Math.max(rowsN, side)) n *= 2;
  const bayer = bayerMatrix(n);
  const s = seed >>> 0;
  const dy = s % n;
  const dx = Math.floor(s / n) % n;
  const rank = new Int32Array(numPatches);
  for (let r = 0; r < rowsN; r++) for (let c = 0; c < side; c++) rank[r * side + c] = bayer[((r + dy) % n) * n + ((c + dx) % n)];
  // ranks are distinct (a shifted window of a permutation), so the order is total
  const order = Array.from({ length: numPatches }, (_, i) => i).sort((a, b) => rank[a] - rank[b]);
  const hidden = new Uint8Array(numPatches).fill(1);
  for (let i = 0; i < keep; i++) hidden[order[i]] = 0;
  return maskFromHidden(hidden);
}

/**
 * The mask a request asks for; `spec` absent = random (the official sampling). `gridW`: patches per
 * row of a non-square (whole-photo) grid; the shaped strategies need it, random does not.
 */
export function masksFor(spec: MaskSpec | undefined, seed: number, numPatches: number, maskRatio: number, gridW?: number): MaskIds {
  if (!spec) return randomMasking(seed, numPatches, maskRatio);
  switch (spec.strategy) {
    case 'random':
      return randomMasking(seed, numPatches, maskRatio);
    case 'block':
      return blockMasking(seed, numPatches, maskRatio, gridW);
    case 'grid':
      return gridMasking(seed, numPatches, maskRatio, gridW);
    case 'paint': {
      const hidden = spec.hidden;
      if (hidden.length !== numPatches) throw new RangeError(`the painted mask has ${hidden.length} patches, the model ${numPatches}`);
      return maskFromHidden(hidden);
    }
  }
}

/** Hidden count / numPatches of a painted mask: the ratio it stands for. */
export function paintedRatio(hidden: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < hidden.length; i++) if (hidden[i]) h++;
  return hidden.length > 0 ? h / hidden.length : 0;
}

/** Painted mask → compact URL text: a bitset (bit i = patch i hidden, LSB first), base64url. */
export function encodeHiddenBits(hidden: ArrayLike<number>): string {
  const bytes = new Uint8Array(Math.ceil(hidden.length / 8));
  for (let i = 0; i < hidden.length; i++) if (hidden[i]) bytes[i >> 3] |= 1 << (i & 7);
  return bytesToBase64Url(bytes);
}

/**
 * URL text → painted mask of `numPatches`, or null when it does not fit: not base64url, the wrong
 * length for this grid, bits past the last patch, or nothing left visible.
 */
export function decodeHiddenBits(text: string, numPatches: number): Uint8Array | null {
  const raw = base64UrlToBytes(text);
  if (!raw || raw.length !== Math.ceil(numPatches / 8)) return null;
  const hidden = new Uint8Array(numPatches);
  for (let i = 0; i < raw.length * 8; i++) {
    const bit = (raw[i >> 3] >> (i & 7)) & 1;
    if (i >= numPatches) {
      if (bit) return null;
    } else hidden[i] = bit;
  }
  return hidden.includes(0) ? hidden : null;
}

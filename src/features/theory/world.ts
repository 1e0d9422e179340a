/**
 * The theory experiment's synthetic world: 32×32 RGB images drawn from a three-level hierarchy of
 * independent latents. The same generator as python/mae_playground/theory/world.py, pixel for pixel
 * (tests/unit/theory-world.test.ts replays samples written there and compares float32 values exactly).
 *
 * Why the two agree bit for bit: the PRNG is mulberry32 (integer ops, one float per call as
 * uint32 / 2^32, the same function the masks use), and drawing uses only +, −, ×, comparisons and
 * literal constants, in the same order as the numpy code: IEEE float64 gives the same result for
 * those everywhere. No sin/cos/exp (the eight directions' cosines are literals); the final float32
 * rounding is Math.fround here and astype(float32) there, both round-to-nearest-even.
 *
 * The hierarchy, in the terms of Kong et al. (CVPR 2023), where higher latents influence larger parts
 * of the image:
 * - global: `shape` (square, disk, diamond, ring) and `palette` (background and object colours);
 * - middle: `cx`, `cy` (object centre, 10–22 px), `size` (half-size 3–6 px), `orient` (the direction of
 *   a satellite dot attached to the body: the arrangement of the object's parts, 8 directions);
 * - local: per 8×8 region (16 of them), `texture` (flat, horizontal, vertical or diagonal stripes of
 *   period 4 px on the background) and `phase` (the stripes' offset, 0–3 px), plus per-pixel noise.
 */
import { mulberry32 } from '../../mae/masking.ts';

export const WORLD_SIZE = 32;
export const REGION_SIZE = 8;
export const REGIONS_PER_SIDE = WORLD_SIZE / REGION_SIZE;
export const NUM_REGIONS = REGIONS_PER_SIDE * REGIONS_PER_SIDE;
export const SHAPE_NAMES = ['square', 'disk', 'diamond', 'ring'] as const;
export const TEXTURE_NAMES = ['flat', 'horizontal', 'vertical', 'diagonal'] as const;
export const NUM_ORIENTS = 8;
export const NUM_PHASES = 4;

type Rgb = readonly [number, number, number];
/** Background and object colour per palette; stripes add ±0.12 and noise ±0.04, so values stay in [0, 1]. */
export const PALETTES: readonly { background: Rgb; object: Rgb }[] = [
  { background: [0.2, 0.3, 0.6], object: [0.95, 0.8, 0.2] },
  { background: [0.2, 0.5, 0.25], object: [0.9, 0.3, 0.5] },
  { background: [0.55, 0.2, 0.2], object: [0.3, 0.85, 0.9] },
  { background: [0.4, 0.4, 0.4], object: [0.95, 0.95, 0.95] },
];
const R2 = 0.7071067811865476; // cos 45° as a literal: the same double in both languages
const COS = [1, R2, 0, -R2, -1, -R2, 0, R2] as const;
const SIN = [0, R2, 1, R2, 0, -R2, -1, -R2] as const;
const STRIPE_AMP = 0.12;
const NOISE_AMP = 0.08;
const GOLDEN = 0x9e3779b9;

export interface WorldLatents {
  /** global */
  shape: number;
  palette: number;
  /** middle */
  cx: number;
  cy: number;
  size: number;
  orient: number;
  /** local: one per 8×8 region, row-major */
  texture: number[];
  phase: number[];
}

export interface WorldSample {
  seed: number;
  /** float32 [3, 32, 32] in [0, 1] (not normalised) */
  pixels: Float32Array;
  latents: WorldLatents;
}

/** Seed of sample `index` of a set: base + index × golden ratio, mod 2^32 (as imageSeed and world.sample_seed). */
export function sampleSeed(baseSeed: number, index: number): number {
  return (baseSeed + (Math.imul(index, GOLDEN) >>> 0)) >>> 0;
}

/** Draws one sample; the draw order (shape, palette, cx, cy, size, orient, 16 × (texture, phase), noise) is the Python one. */
export function generateSample(seed: number): WorldSample {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32) (got ${seed})`);
  const next = mulberry32(seed);
  const shape = Math.floor(next() * SHAPE_NAMES.length);
  const palette = Math.floor(next() * PALETTES.length);
  const cx = 10 + 12 * next();
  const cy = 10 + 12 * next();
  const size = 3 + 3 * next();
  const orient = Math.floor(next() * NUM_ORIENTS);
  const texture: number[] = [];
  const phase: number[] = [];
  for (let r = 0; r < NUM_REGIONS; r++) {
    texture.push(Math.floor(next() * TEXTURE_NAMES.length));
    phase.push(Math.floor(next() * NUM_PHASES));
  }
  const n = WORLD_SIZE * WORLD_SIZE;
  const noise = new Float64Array(n * 3); // (y, x, channel) order, as drawn
  for (let k = 0; k < noise.length; k++) noise[k] = next();

  const s = size;
  const ss = s * s;
  const sx = cx + 1.7 * size * COS[orient];
  const sy = cy + 1.7 * size * SIN[orient];
  const { background, object } = PALETTES[palette];
  const pixels = new Float32Array(3 * n);
  for (let y = 0; y < WORLD_SIZE; y++) {
    for (let x = 0; x < WORLD_SIZE; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const d2 = dx * dx + dy * dy;
      let body: boolean;
      if (shape === 0) body = Math.abs(dx) <= s && Math.abs(dy) <= s;
      else if (shape === 1) body = d2 <= ss;
      else if (shape === 2) body = Math.abs(dx) + Math.abs(dy) <= 1.4 * s;
      else body = d2 <= ss && d2 >= 0.3 * s * s;
      const ex = x + 0.5 - sx;
      const ey = y + 0.5 - sy;
      const onObject = body || ex * ex + ey * ey <= 0.3 * s * s;
      const region = Math.floor(y / REGION_SIZE) * REGIONS_PER_SIDE + Math.floor(x / REGION_SIZE);
      const tex = texture[region];
      const ph = phase[region];
      let stripe = 0;
      if (!onObject && tex !== 0) {
        const bit = tex === 1 ? ((y + ph) >> 1) & 1 : tex === 2 ? ((x + ph) >> 1) & 1 : ((x + y + ph) >> 1) & 1;
        stripe = bit === 1 ? 1 : -1;
      }
      const base = onObject ? object : background;
      for (let c = 0; c < 3; c++) {
        const value = base[c] + STRIPE_AMP * stripe + NOISE_AMP * (noise[(y * WORLD_SIZE + x) * 3 + c] - 0.5);
        pixels[c * n + y * WORLD_SIZE + x] = Math.fround(value);
      }
    }
  }
  return { seed, pixels, latents: { shape, palette, cx, cy, size, orient, texture, phase } };
}

/** [0, 1] CHW pixels → the model's input, (v − mean) / std per channel in float32 (the manifest's statistics). */
export function normalizeChw(pixels: Float32Array, mean: readonly number[], std: readonly number[]): Float32Array {
  const hw = pixels.length / 3;
  const out = new Float32Array(pixels.length);
  for (let c = 0; c < 3; c++) for (let i = 0; i < hw; i++) out[c * hw + i] = (pixels[c * hw + i] - mean[c]) / std[c];
  return out;
}

/**
 * The hierarchical world of the issue-26 experiment: 32×32 RGB images drawn from a tree of latents with four
 * levels between the object and the pixel (object → 4 layouts → 16 parts → 64 textures → pixels). The same
 * generator as python/mae_playground/theory/hworld.py, float32 pixel for pixel
 * (tests/unit/theory-hworld.test.ts replays samples written there).
 *
 * Every latent takes one of 4 values; a child copies its parent's template (a Latin square over the child's
 * position in the parent's square) with probability KEEP and is uniform otherwise. Exactness as in world.ts:
 * mulberry32 draws, and only +, ×, floor and literals in float64, in the numpy code's order.
 */
import { mulberry32 } from '../../mae/masking.ts';

export const HWORLD_SIZE = 32;
export const HLEVELS = ['object', 'layout', 'part', 'texture'] as const;
export type HLevel = (typeof HLEVELS)[number];
/** Side of each level's square in pixels, and nodes per level (row-major). */
export const HSIDE: Record<HLevel, number> = { object: 32, layout: 16, part: 8, texture: 4 };
export const HCOUNT: Record<HLevel, number> = { object: 1, layout: 4, part: 16, texture: 64 };
export const K = 4;
export const KEEP = 0.6;
export const HTEXTURE_NAMES = ['flat', 'horizontal', 'vertical', 'checker'] as const;
type Rgb = readonly [number, number, number];
export const HCOLORS: readonly Rgb[] = [
  [0.25, 0.35, 0.65],
  [0.8, 0.55, 0.2],
  [0.3, 0.65, 0.35],
  [0.7, 0.3, 0.55],
];
const STRIPE = 0.15;
const NOISE = 0.1;

/** TEMPLATE[v][pos] = (a v + b pos + c) mod 4: with b odd each parent value arranges the four child values differently; b = 0 copies the parent. */
function latin(a: number, b: number, c: number): number[][] {
  return Array.from({ length: K }, (_, v) => Array.from({ length: 4 }, (_, pos) => (a * v + b * pos + c) % K));
}
export const TEMPLATE: Record<Exclude<HLevel, 'object'>, number[][]> = {
  layout: latin(1, 1, 0),
  part: latin(3, 1, 1),
  // the bottom level copies its part's value: neighbouring cells look alike (see hworld.py)
  texture: latin(1, 0, 0),
};

/** The parent node one level up, and this node's position 0..3 in the parent's square. */
export function parentIndex(level: HLevel, node: number): { parent: number; pos: number } {
  const side = HWORLD_SIZE / HSIDE[level];
  const row = Math.floor(node / side);
  const col = node % side;
  return { parent: Math.floor(row / 2) * (side / 2) + Math.floor(col / 2), pos: (row % 2) * 2 + (col % 2) };
}

/** +1 / −1 per pixel of a 4×4 cell for a texture (0 for flat), 1-px stripes. */
function patternSign(texture: number, y: number, x: number): number {
  if (texture === 0) return 0;
  const bit = texture === 1 ? y & 1 : texture === 2 ? x & 1 : (x + y) & 1;
  return bit === 1 ? 1 : -1;
}

export interface HWorldSample {
  seed: number;
  /** float32 [3, 32, 32] in [0, 1] */
  pixels: Float32Array;
  latents: Record<HLevel, number[]>;
}

/** One sample; draw order: object; per node of each level below, row-major, (keep, value); then the noise. */
export function generateHSample(seed: number): HWorldSample {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32) (got ${seed})`);
  const next = mulberry32(seed);
  const latents: Record<HLevel, number[]> = { object: [Math.floor(next() * K)], layout: [], part: [], texture: [] };
  for (let i = 1; i < HLEVELS.length; i++) {
    const level = HLEVELS[i] as Exclude<HLevel, 'object'>;
    const up = HLEVELS[i - 1];
    for (let node = 0; node < HCOUNT[level]; node++) {
      const { parent, pos } = parentIndex(level, node);
      const keep = next() < KEEP;
      const uniform = Math.floor(next() * K);
      latents[level].push(keep ? TEMPLATE[level][latents[up][parent]][pos] : uniform);
    }
  }
  const n = HWORLD_SIZE * HWORLD_SIZE;
  const noise = new Float64Array(n * 3);
  for (let k = 0; k < noise.length; k++) noise[k] = next();
  const pixels = new Float32Array(3 * n);
  for (let y = 0; y < HWORLD_SIZE; y++) {
    for (let x = 0; x < HWORLD_SIZE; x++) {
      const tex = latents.texture[Math.floor(y / 4) * (HWORLD_SIZE / 4) + Math.floor(x / 4)];
      const sign = patternSign(tex, y % 4, x % 4);
      for (let c = 0; c < 3; c++) {
        const value = HCOLORS[tex][c] + STRIPE * sign + NOISE * (noise[(y * HWORLD_SIZE + x) * 3 + c] - 0.5);
        pixels[c * n + y * HWORLD_SIZE + x] = Math.fround(value);
      }
    }
  }
  return { seed, pixels, latents };
}

import { describe, expect, it } from 'vitest';
import { expandMask, gridSide, lenKeep, sharedMasks } from '../../src/mae/index.ts';

/** Pixel-level hidden map at `size` px from a patch mask. */
function pixels(mask: Uint8Array, size: number): Uint8Array {
  const side = gridSide(mask.length);
  const p = size / side;
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[y * size + x] = mask[Math.floor(y / p) * side + Math.floor(x / p)];
  return out;
}

describe('compare masks', () => {
  it('gridSide needs a square', () => {
    expect(gridSide(49)).toBe(7);
    expect(gridSide(196)).toBe(14);
    expect(() => gridSide(50)).toThrow(/square/);
  });

  it('expandMask hides the same pixels on the finer grid', () => {
    const coarse = new Uint8Array(49);
    coarse[0] = 1;
    coarse[48] = 1;
    const fine = expandMask(coarse, 14);
    expect(fine.reduce((s, v) => s + v, 0)).toBe(8);
    expect(Array.from(pixels(fine, 112))).toEqual(Array.from(pixels(coarse, 112)));
    expect(() => expandMask(coarse, 10)).toThrow(/refine/);
  });

  it('sharedMasks: one hidden pixel set for patch 16 and patch 8 models at 112 px, at every ratio', () => {
    for (const ratio of [0.05, 0.25, 0.5, 0.75, 0.9, 0.95]) {
      const [m16, m8, m16b] = sharedMasks([7, 14, 7], ratio, 3);
      expect(Array.from(pixels(m16, 112))).toEqual(Array.from(pixels(m8, 112)));
      expect(Array.from(m16b)).toEqual(Array.from(m16));
      const visible16 = m16.length - m16.reduce((s, v) => s + v, 0);
      expect(visible16).toBe(lenKeep(49, ratio));
      expect(m8.length - m8.reduce((s, v) => s + v, 0)).toBe(4 * visible16);
    }
  });

  it('different seeds give different masks', () => {
    const [a] = sharedMasks([7], 0.75, 1);
    const [b] = sharedMasks([7], 0.75, 2);
    expect(Array.from(a)).not.toEqual(Array.from(b));
  });
});

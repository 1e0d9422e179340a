import { describe, expect, it } from 'vitest';
import { gridSide } from '../../src/mae/grid.ts';
import { randomMasking } from '../../src/mae/masking.ts';
import { resampleHiddenMask } from '../../src/features/mask/mask-resample.ts';

/** Pixel-level hidden map at `size` px of a patch mask. */
function pixels(mask: ArrayLike<number>, size: number): number[] {
  const side = gridSide(mask.length);
  const p = size / side;
  const out: number[] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out.push(mask[Math.floor(y / p) * side + Math.floor(x / p)]);
  return out;
}

describe('resampleHiddenMask', () => {
  it('onto a finer grid hides exactly the same pixels (7×7 → 14×14)', () => {
    const coarse = randomMasking(3, 49, 0.6).mask;
    const fine = resampleHiddenMask(coarse, 196);
    expect(fine).not.toBeNull();
    expect(fine?.length).toBe(196);
    expect(pixels(fine as Uint8Array, 112)).toEqual(pixels(coarse, 112));
    expect((fine as Uint8Array).reduce((s, v) => s + v, 0)).toBe(4 * coarse.reduce((s, v) => s + v, 0));
  });

  it('onto a coarser grid hides a patch only when all its fine patches are hidden (14×14 → 7×7)', () => {
    const fine = new Uint8Array(196);
    // coarse (0,0): all four fine patches hidden → hidden
    for (const p of [0, 1, 14, 15]) fine[p] = 1;
    // coarse (0,1): three of four hidden → visible (nothing that was visible gets hidden)
    for (const p of [2, 3, 16]) fine[p] = 1;
    const coarse = resampleHiddenMask(fine, 49);
    expect(coarse?.length).toBe(49);
    expect(coarse?.[0]).toBe(1);
    expect(coarse?.[1]).toBe(0);
    expect(coarse?.reduce((s, v) => s + v, 0)).toBe(1);
    // and back: a coarse mask survives the round trip through the finer grid
    const back = randomMasking(9, 49, 0.75).mask;
    expect(Array.from(resampleHiddenMask(resampleHiddenMask(back, 196) as Uint8Array, 49) ?? [])).toEqual(Array.from(back));
  });

  it('keeps a visible patch, copies an equal grid, and gives null for grids that do not nest', () => {
    const almostAll = new Uint8Array(196).fill(1);
    almostAll[100] = 0;
    const coarse = resampleHiddenMask(almostAll, 49) as Uint8Array;
    expect(coarse.includes(0)).toBe(true); // the coarse patch holding fine patch 100 stays visible
    expect(coarse[7 * 3 + 1]).toBe(0); // fine (7, 2) lies in coarse (3, 1)
    expect(resampleHiddenMask(new Uint8Array(196).fill(1), 49)?.includes(0)).toBe(true);
    const same = randomMasking(1, 196, 0.5).mask;
    const copy = resampleHiddenMask(same, 196);
    expect(copy).not.toBe(same);
    expect(Array.from(copy ?? [])).toEqual(Array.from(same));
    expect(resampleHiddenMask(new Uint8Array(196), 100)).toBeNull(); // 14 vs 10
    expect(resampleHiddenMask(new Uint8Array(49), 36)).toBeNull(); // 7 vs 6
    expect(() => resampleHiddenMask(new Uint8Array(50), 49)).toThrow(/square/);
  });
});

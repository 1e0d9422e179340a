/** Whole photos in the page's pure parts: a painted mask carried between grids, paint geometry on h×w grids, and the address. */
import { describe, expect, it } from 'vitest';
import { resampleToGrid } from '../../src/features/mask/mask-resample.ts';
import { patchAtFraction, patchesBetween } from '../../src/features/mask/paint-geometry.ts';
import { maskParamsFromUrl } from '../../src/features/mask/mask-url.ts';
import { wholeUnavailableReason } from '../../src/features/grid/whole-photo.ts';

describe('resampleToGrid', () => {
  it('keeps the same parts of the picture hidden (hand-worked 2×3 → 4×6 and back)', () => {
    // 2×3 grid, the middle column hidden
    const small = Uint8Array.from([0, 1, 0, 0, 1, 0]);
    const big = resampleToGrid(small, { gridH: 2, gridW: 3 }, { gridH: 4, gridW: 6 });
    // each small patch becomes 2×2: columns 2 and 3 hidden in every row
    for (let r = 0; r < 4; r++) expect(Array.from(big.subarray(r * 6, r * 6 + 6))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(Array.from(resampleToGrid(big, { gridH: 4, gridW: 6 }, { gridH: 2, gridW: 3 }))).toEqual(Array.from(small));
  });
  it('onto a square grid by patch centres, and never hides everything', () => {
    // 1×4 strip, left half hidden → 2×2: the left column hidden
    expect(Array.from(resampleToGrid(Uint8Array.from([1, 1, 0, 0]), { gridH: 1, gridW: 4 }, { gridH: 2, gridW: 2 }))).toEqual([1, 0, 1, 0]);
    expect(Array.from(resampleToGrid(Uint8Array.from([1, 1, 1, 1]), { gridH: 2, gridW: 2 }, { gridH: 1, gridW: 2 }))).toEqual([0, 1]);
    expect(() => resampleToGrid(new Uint8Array(5), { gridH: 2, gridW: 3 }, { gridH: 1, gridW: 1 })).toThrow(
      /2×3 mask has 6 patches, got 5/,
    );
  });
});

describe('paint geometry on a 14×20 grid', () => {
  it('finds the patch under a point and the patches a stroke crosses', () => {
    // x = 0.51 of 20 columns → column 10; y = 0.99 of 14 rows → row 13
    expect(patchAtFraction(0.51, 0.99, 20, 14)).toBe(13 * 20 + 10);
    expect(patchAtFraction(1, 0.5, 20, 14)).toBeNull();
    // a horizontal stroke along row 2 from column 1 to 4
    expect(patchesBetween(2 * 20 + 1, 2 * 20 + 4, 20)).toEqual([41, 42, 43, 44]);
  });
});

describe('the address: photo=whole and pgrid=', () => {
  it('reads whole photos and a painted mask’s grid', () => {
    const p = maskParamsFromUrl('?photo=whole&mask=paint&hide=AAAA&pgrid=14x20');
    expect(p).toMatchObject({ whole: true, strategy: 'paint', hide: 'AAAA', paintGrid: { gridH: 14, gridW: 20 }, problem: null });
    expect(maskParamsFromUrl('?mask=grid').whole).toBe(false);
  });
  it('says what is wrong with a grid that is not rows×columns', () => {
    const p = maskParamsFromUrl('?mask=paint&hide=AAAA&pgrid=14by20');
    expect(p.strategy).toBe('random');
    expect(p.problem).toBe('The painted mask’s grid in the address (pgrid=14by20) is not rows×columns like 14x20: showing random masks.');
  });
});

describe('wholeUnavailableReason', () => {
  it('allows format-2 models with a dynamic grid and explains the rest', () => {
    expect(wholeUnavailableReason({ format: 'mae-playground/2', grid: { dynamic: true } })).toBeNull();
    expect(wholeUnavailableReason({ format: 'mae-playground/1' })).toMatch(/only its square training grid \(model format 1\)/);
  });
});

describe('a painted mask on whole-photo rows (mask-mode)', () => {
  it('is carried to each row’s grid, and painting on another grid re-bases it there', async () => {
    const { useStore } = await import('../../src/state/store.ts');
    const { maskRequest, paintPatches, rowWhole } = await import('../../src/features/mask/mask-mode.ts');
    const s0 = useStore.getState();
    // painted on a 2×4 whole photo: the left half hidden
    s0.setPaintedMask(Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0]), { gridH: 2, gridW: 4 });
    s0.setMaskStrategy('paint');
    s0.setWholePhotos(true);
    const s = useStore.getState();
    const whole = { width: 64, height: 64, gridH: 4, gridW: 4 };
    const req = maskRequest(s, 196, whole);
    // the same half of the picture on a 4×4 grid: columns 0-1 hidden
    expect(req.mask && 'hidden' in req.mask ? Array.from(req.mask.hidden) : null).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    expect(req.maskRatio).toBe(0.5);
    const row = { decodeInfo: { whole } } as unknown as Parameters<typeof rowWhole>[1];
    expect(rowWhole(s, row)).toEqual(whole);
    // a click on patch 3 (row 0, column 3) of the 4×4 row: the mask now lives on that grid
    expect(paintPatches([3], true, { gridH: 4, gridW: 4 })).toBe(true);
    const after = useStore.getState();
    expect(after.paintedGrid).toEqual({ gridH: 4, gridW: 4 });
    expect(Array.from(after.paintedMask ?? [])).toEqual([1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
    // crop mode: a row without a whole photo gets it on the model's square grid (14×14 here)
    useStore.getState().setWholePhotos(false);
    const crop = maskRequest(useStore.getState(), 196, null);
    expect(crop.mask && 'hidden' in crop.mask ? crop.mask.hidden.length : 0).toBe(196);
  });
});

import { describe, expect, it } from 'vitest';
import { parseReference } from '../../src/testing/reference.ts';
import { loadReference } from './support.ts';

describe('parseReference', () => {
  it('reads the default reference set consistently', () => {
    const ref = loadReference();
    const { imgSize, numPatches } = ref.meta;
    expect(ref.meta.images.length).toBeGreaterThan(0);
    expect(ref.meta.cases.length).toBeGreaterThan(0);
    for (const im of ref.meta.images) expect(ref.shape(im.tensor)).toEqual([1, 3, imgSize, imgSize]);
    for (const c of ref.meta.cases) {
      const keep = ref.int64(`${c.key}/ids_keep`);
      expect(ref.shape(`${c.key}/ids_restore`)).toEqual([1, numPatches]);
      expect(ref.shape(`${c.key}/latent`)[1]).toBe(1 + keep.length);
      expect(ref.shape(`${c.key}/pred`).slice(0, 2)).toEqual([1, numPatches]);
      expect(ref.float32(`${c.key}/pred`).every(Number.isFinite)).toBe(true);
    }
  });

  it('reads little-endian values at any offset and checks the index', () => {
    const bin = new ArrayBuffer(1 + 4 + 8);
    const v = new DataView(bin);
    v.setFloat32(1, 1.5, true);
    v.setBigInt64(5, -7n, true);
    const json = {
      imgSize: 1,
      numPatches: 1,
      images: [],
      cases: [],
      maskCases: [],
      arrays: [
        { name: 'f', dtype: 'float32', shape: [1], offset: 1, bytes: 4 },
        { name: 'i', dtype: 'int64', shape: [1, 1], offset: 5, bytes: 8 },
      ],
    };
    const ref = parseReference(json, bin);
    expect(Array.from(ref.float32('f'))).toEqual([1.5]);
    expect(ref.int64('i')).toEqual([-7]);
    expect(() => ref.float32('i')).toThrow(/int64/);
    expect(() => ref.float32('nope')).toThrow(/no array/);
    expect(() => parseReference({ ...json, arrays: [{ name: 'x', dtype: 'float32', shape: [9], offset: 0, bytes: 36 }] }, bin)).toThrow(
      /beyond/,
    );
    expect(() => parseReference({ ...json, arrays: [{ name: 'x', dtype: 'float32', shape: [2], offset: 0, bytes: 4 }] }, bin)).toThrow(
      /do not match/,
    );
  });
});

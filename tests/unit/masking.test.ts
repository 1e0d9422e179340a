import { describe, expect, it } from 'vitest';
import { imageSeed, lenKeep, maskFromHidden, maskFromIdsKeep, mulberry32, randomMasking, type MaskIds } from '../../src/mae/index.ts';
import { loadReference } from './support.ts';

function expectConsistent(m: MaskIds, L: number): void {
  const K = m.idsKeep.length;
  expect(m.idsRestore.length).toBe(L);
  expect(m.mask.length).toBe(L);
  // idsRestore is a permutation of 0..L-1
  expect(Array.from(m.idsRestore).sort((a, b) => a - b)).toEqual(Array.from({ length: L }, (_, i) => i));
  // kept ids sit at the first K positions of the shuffle, i.e. idsRestore[idsKeep[i]] === i
  m.idsKeep.forEach((id, i) => expect(m.idsRestore[id]).toBe(i));
  // mask: 0 exactly for kept patches
  const kept = new Set(m.idsKeep);
  for (let j = 0; j < L; j++) expect(m.mask[j]).toBe(kept.has(j) ? 0 : 1);
  expect(m.mask.reduce((s, v) => s + v, 0)).toBe(L - K);
}

describe('mulberry32 (spec values from python/mae_playground/mask_prng.py)', () => {
  // Literals printed by: /usr/bin/python3 -c "from mask_prng import mulberry32; g=mulberry32(S); ..."
  const spec: Record<number, number[]> = {
    0: [0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111],
    1: [0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741],
    42: [0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693],
    2147483647: [0.4290980885270983, 0.12713524978607893, 0.3852774982806295, 0.39639189024455845],
    4294967295: [0.8964226141106337, 0.189478256739676, 0.7156526781618595, 0.9440599093213677],
  };
  for (const [seed, values] of Object.entries(spec)) {
    it(`seed ${seed}`, () => {
      const g = mulberry32(Number(seed));
      expect(values.map(() => g())).toEqual(values);
    });
  }
  it('stays in [0,1) and treats seeds mod 2^32', () => {
    const g = mulberry32(7);
    let outside = 0;
    for (let i = 0; i < 10000; i++) {
      const v = g();
      if (!(v >= 0 && v < 1)) outside++;
    }
    expect(outside).toBe(0);
    const a = mulberry32(-1);
    const b = mulberry32(4294967295);
    expect(a()).toBe(b());
  });
});

describe('imageSeed', () => {
  it('matches python image_seed', () => {
    expect(imageSeed(0, 3, false)).toBe(3668340011);
    expect(imageSeed(4294967295, 3, false)).toBe(3668340010);
    expect(imageSeed(123, 1000, false)).toBe(145980195);
    expect(imageSeed(5, 1_000_000, false)).toBe(4246151237); // product far past 2^32: low bits exact
    expect(imageSeed(123, 1000, true)).toBe(123);
    expect(imageSeed(0, 0, false)).toBe(0);
  });
});

describe('lenKeep', () => {
  it('is max(1, int(L*(1-r))) in float64', () => {
    expect(lenKeep(196, 0)).toBe(196);
    expect(lenKeep(196, 0.75)).toBe(49);
    expect(lenKeep(196, 0.5)).toBe(98);
    expect(lenKeep(196, 0.9)).toBe(19); // 196*0.09999999999999998 = 19.599...
    expect(lenKeep(196, 0.95)).toBe(9); // 9.799...
    expect(lenKeep(196, 0.999)).toBe(1); // 0.196 → 0 → at least one
    expect(lenKeep(196, 1)).toBe(1);
    expect(lenKeep(16, 0.999)).toBe(1);
    // float64 rounding decides, as in Python: 100*(1-0.34) = 65.99999999999999 → 65, 10*(1-0.7) = 3.0000000000000004 → 3
    expect(lenKeep(100, 0.34)).toBe(65);
    expect(lenKeep(100, 0.55)).toBe(44);
    expect(lenKeep(10, 0.8)).toBe(1);
    expect(lenKeep(10, 0.7)).toBe(3);
  });
  it('rejects nonsense', () => {
    expect(() => lenKeep(196, -0.1)).toThrow(RangeError);
    expect(() => lenKeep(196, 1.5)).toThrow(RangeError);
    expect(() => lenKeep(196, Number.NaN)).toThrow(RangeError);
    expect(() => lenKeep(0, 0.5)).toThrow(RangeError);
  });
});

describe('randomMasking', () => {
  const ref = loadReference();

  it(`equals every recorded maskCases entry (${ref.meta.maskCases.length} cases)`, () => {
    expect(ref.meta.maskCases.length).toBeGreaterThan(0);
    for (const c of ref.meta.maskCases) {
      const m = randomMasking(imageSeed(c.seed, c.imageIndex, c.sameMaskForAll), c.numPatches, c.maskRatio);
      const label = JSON.stringify({ ...c, idsKeep: undefined, idsRestore: undefined });
      expect(Array.from(m.idsKeep), label).toEqual(c.idsKeep);
      expect(Array.from(m.idsRestore), label).toEqual(c.idsRestore);
    }
  });

  it('equals the ids and mask of every reference inference case', () => {
    for (const c of ref.meta.cases) {
      const m = randomMasking(imageSeed(c.seed, 0, true), ref.meta.numPatches, c.maskRatio);
      expect(Array.from(m.idsKeep)).toEqual(ref.int64(`${c.key}/ids_keep`));
      expect(Array.from(m.idsRestore)).toEqual(ref.int64(`${c.key}/ids_restore`));
      expect(Array.from(m.mask)).toEqual(Array.from(ref.float32(`${c.key}/mask`)));
    }
  });

  it('is a consistent permutation for many seeds, sizes and ratios', () => {
    for (const L of [1, 4, 49, 196, 256]) {
      for (const r of [0, 0.25, 0.75, 0.95, 0.999, 1]) {
        for (const seed of [0, 1, 99, 0xffffffff]) {
          const m = randomMasking(seed, L, r);
          expect(m.idsKeep.length).toBe(lenKeep(L, r));
          expectConsistent(m, L);
        }
      }
    }
  });

  it('ratio 0 hides nothing; ratio near 1 keeps one patch', () => {
    expect(randomMasking(3, 196, 0).mask.every((v) => v === 0)).toBe(true);
    const m = randomMasking(3, 196, 0.999);
    expect(m.idsKeep.length).toBe(1);
    expect(m.mask.reduce((s, v) => s + v, 0)).toBe(195);
  });

  it('is deterministic and depends on the seed', () => {
    expect(randomMasking(5, 196, 0.75)).toEqual(randomMasking(5, 196, 0.75));
    expect(Array.from(randomMasking(5, 196, 0.75).idsKeep)).not.toEqual(Array.from(randomMasking(6, 196, 0.75).idsKeep));
  });

  it('a lower ratio keeps a superset (same noise, longer prefix)', () => {
    const hi = new Set(randomMasking(11, 196, 0.9).idsKeep);
    const lo = new Set(randomMasking(11, 196, 0.5).idsKeep);
    for (const id of hi) expect(lo.has(id)).toBe(true);
  });
});

describe('maskFromIdsKeep', () => {
  it('keeps the given order, then removed ids ascending', () => {
    const m = maskFromIdsKeep([5, 2, 7], 9);
    expect(Array.from(m.idsKeep)).toEqual([5, 2, 7]);
    // shuffle = [5,2,7,0,1,3,4,6,8] → restore = inverse
    expect(Array.from(m.idsRestore)).toEqual([3, 4, 1, 5, 6, 0, 7, 2, 8]);
    expect(Array.from(m.mask)).toEqual([1, 1, 0, 1, 1, 0, 1, 0, 1]);
    expectConsistent(m, 9);
  });
  it('reproduces randomMasking from its own idsKeep when kept ids come first in the shuffle', () => {
    const r = randomMasking(1, 196, 0.75);
    const h = maskFromIdsKeep(r.idsKeep, 196);
    expect(h.mask).toEqual(r.mask);
    expect(h.idsKeep).toEqual(r.idsKeep);
  });
  it('maskFromHidden keeps unmasked ids ascending', () => {
    const m = maskFromHidden([1, 0, 1, 0]);
    expect(Array.from(m.idsKeep)).toEqual([1, 3]);
    expect(Array.from(m.mask)).toEqual([1, 0, 1, 0]);
  });
  it('rejects duplicates, out-of-range ids and empty keeps', () => {
    expect(() => maskFromIdsKeep([1, 1], 4)).toThrow(/twice/);
    expect(() => maskFromIdsKeep([4], 4)).toThrow(/out of range/);
    expect(() => maskFromIdsKeep([-1], 4)).toThrow(/out of range/);
    expect(() => maskFromIdsKeep([0.5], 4)).toThrow(/out of range/);
    expect(() => maskFromIdsKeep([], 4)).toThrow(/at least one/);
  });
});

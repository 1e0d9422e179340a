import { describe, expect, it } from 'vitest';
import {
  blockMasking,
  decodeHiddenBits,
  encodeHiddenBits,
  gridMasking,
  isMaskStrategy,
  lenKeep,
  masksFor,
  paintedRatio,
  randomMasking,
  type MaskIds,
} from '../../src/mae/index.ts';

const RATIOS = [0, 0.05, 0.1, 0.25, 0.4, 0.5, 0.6, 0.66, 0.75, 0.8, 0.9, 0.95, 0.99, 1];
const GRIDS = [4, 7, 8, 14, 16];

/** A valid mask: idsRestore a permutation, idsKeep at the front of the shuffle, mask = not kept. */
function expectValid(m: MaskIds, L: number): void {
  const K = m.idsKeep.length;
  expect(Array.from(m.idsRestore).sort((a, b) => a - b)).toEqual(Array.from({ length: L }, (_, i) => i));
  m.idsKeep.forEach((id, i) => expect(m.idsRestore[id]).toBe(i));
  const kept = new Set(m.idsKeep);
  expect(kept.size).toBe(K);
  for (let j = 0; j < L; j++) expect(m.mask[j]).toBe(kept.has(j) ? 0 : 1);
}

/** 4-neighbour pairs of hidden patches: high when the hidden patches form blocks. */
function hiddenPairs(mask: Uint8Array, side: number): number {
  let pairs = 0;
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const p = r * side + c;
      if (!mask[p]) continue;
      if (c + 1 < side && mask[p + 1]) pairs++;
      if (r + 1 < side && mask[p + side]) pairs++;
    }
  }
  return pairs;
}

describe('every seeded strategy keeps exactly lenKeep patches', () => {
  for (const strategy of ['random', 'block', 'grid'] as const) {
    it(strategy, () => {
      for (const side of GRIDS) {
        const L = side * side;
        for (const ratio of RATIOS) {
          for (const seed of [0, 1, 5, 123456, 4294967295]) {
            const m = masksFor({ strategy }, seed, L, ratio);
            expect(m.idsKeep.length, `${strategy} ${side}x${side} ratio ${ratio} seed ${seed}`).toBe(lenKeep(L, ratio));
            expectValid(m, L);
          }
        }
      }
    });
  }
});

describe('random', () => {
  it('is randomMasking, bit for bit (the reference vectors depend on it)', () => {
    for (const seed of [0, 7, 99]) {
      const a = masksFor(undefined, seed, 196, 0.75);
      const b = masksFor({ strategy: 'random' }, seed, 196, 0.75);
      const c = randomMasking(seed, 196, 0.75);
      expect(Array.from(a.idsKeep)).toEqual(Array.from(c.idsKeep));
      expect(Array.from(b.idsRestore)).toEqual(Array.from(c.idsRestore));
    }
  });
});

describe('block', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(Array.from(blockMasking(5, 196, 0.6).mask)).toEqual(Array.from(blockMasking(5, 196, 0.6).mask));
    const masks = new Set([1, 2, 3, 4, 5].map((s) => Array.from(blockMasking(s, 196, 0.6).mask).join('')));
    expect(masks.size).toBe(5);
  });

  it('hides patches in clusters: far more hidden-hidden neighbours than random masks', () => {
    for (const ratio of [0.4, 0.6, 0.75]) {
      let block = 0;
      let random = 0;
      for (let seed = 0; seed < 20; seed++) {
        block += hiddenPairs(blockMasking(seed, 196, ratio).mask, 14);
        random += hiddenPairs(randomMasking(seed, 196, ratio).mask, 14);
      }
      expect(block, `ratio ${ratio}`).toBeGreaterThan(random * 1.2);
    }
    // At 40%, random masks leave ~0.16 hidden pairs per edge; blocks should be far above it.
    const edges = 2 * 14 * 13;
    let pairs = 0;
    for (let seed = 0; seed < 20; seed++) pairs += hiddenPairs(blockMasking(seed, 196, 0.4).mask, 14);
    expect(pairs / 20 / edges).toBeGreaterThan(0.25);
  });
});

describe('grid', () => {
  it('at 75% keeps exactly one patch per 2x2 cell, for every seed and even grid', () => {
    for (const side of [4, 8, 14, 16]) {
      for (const seed of [0, 1, 2, 3, 17, 255, 1000]) {
        const m = gridMasking(seed, side * side, 0.75);
        for (let r = 0; r < side; r += 2) {
          for (let c = 0; c < side; c += 2) {
            const visible = [0, 1, side, side + 1].filter((d) => m.mask[r * side + c + d] === 0).length;
            expect(visible, `side ${side} seed ${seed} cell ${r},${c}`).toBe(1);
          }
        }
      }
    }
  });

  it('at 50% is a checkerboard: no two kept patches touch', () => {
    const m = gridMasking(0, 196, 0.5);
    let touching = 0;
    for (let p = 0; p < 196; p++) {
      if (m.mask[p]) continue;
      if (p % 14 < 13 && !m.mask[p + 1]) touching++;
      if (p + 14 < 196 && !m.mask[p + 14]) touching++;
    }
    expect(touching).toBe(0);
  });

  it('spreads kept patches evenly at other ratios: every 4x4 block of a 16x16 grid gets its share', () => {
    const m = gridMasking(3, 256, 0.9); // keep 25 of 256
    const perBlock: number[] = [];
    for (let br = 0; br < 4; br++) {
      for (let bc = 0; bc < 4; bc++) {
        let v = 0;
        for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) if (!m.mask[(br * 4 + r) * 16 + bc * 4 + c]) v++;
        perBlock.push(v);
      }
    }
    expect(Math.max(...perBlock) - Math.min(...perBlock)).toBeLessThanOrEqual(1);
  });

  it('the seed shifts the phase', () => {
    expect(Array.from(gridMasking(0, 196, 0.75).mask)).not.toEqual(Array.from(gridMasking(1, 196, 0.75).mask));
    expect(Array.from(gridMasking(4, 196, 0.75).mask)).toEqual(Array.from(gridMasking(4, 196, 0.75).mask));
  });
});

describe('paint', () => {
  it('uses the hidden set as given; the ratio is what was painted', () => {
    const hidden = new Uint8Array(196);
    for (const p of [0, 1, 2, 15, 100]) hidden[p] = 1;
    const m = masksFor({ strategy: 'paint', hidden }, 0, 196, 0.75);
    expect(Array.from(m.mask)).toEqual(Array.from(hidden));
    expect(m.idsKeep.length).toBe(191);
    expectValid(m, 196);
    expect(paintedRatio(hidden)).toBeCloseTo(5 / 196, 12);
  });

  it('refuses a mask of the wrong size and one that hides everything', () => {
    expect(() => masksFor({ strategy: 'paint', hidden: new Uint8Array(49) }, 0, 196, 0.75)).toThrow(/49 patches, the model 196/);
    expect(() => masksFor({ strategy: 'paint', hidden: new Uint8Array(196).fill(1) }, 0, 196, 0.75)).toThrow(/at least one patch/);
  });

  it('round-trips through the URL bitset and rejects text that does not fit', () => {
    for (const L of [49, 196, 256]) {
      const hidden = Uint8Array.from({ length: L }, (_, i) => (i % 3 === 0 || i === L - 1 ? 1 : 0));
      const text = encodeHiddenBits(hidden);
      expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(text.length).toBeLessThanOrEqual(Math.ceil(Math.ceil(L / 8) / 3) * 4);
      expect(Array.from(decodeHiddenBits(text, L) ?? [])).toEqual(Array.from(hidden));
    }
    const ok = encodeHiddenBits(new Uint8Array(196));
    expect(decodeHiddenBits(ok, 49)).toBeNull(); // another grid
    expect(decodeHiddenBits('not base64!', 196)).toBeNull();
    expect(decodeHiddenBits(encodeHiddenBits(new Uint8Array(196).fill(1)), 196)).toBeNull(); // nothing visible
    // 49 patches = 7 bytes = 56 bits: a bit past patch 48 does not belong to this grid
    const extra = new Uint8Array(56);
    extra[55] = 1;
    expect(decodeHiddenBits(encodeHiddenBits(extra), 49)).toBeNull();
  });

  it('knows its strategy names', () => {
    for (const s of ['random', 'block', 'grid', 'paint']) expect(isMaskStrategy(s)).toBe(true);
    for (const s of ['', 'Random', 'blocks', null, 3]) expect(isMaskStrategy(s)).toBe(false);
  });
});

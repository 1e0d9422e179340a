import { describe, expect, it } from 'vitest';
import { patchAtFraction, patchesBetween } from '../../src/features/mask/paint-geometry.ts';

describe('paint geometry', () => {
  it('finds the patch under a point of the panel', () => {
    expect(patchAtFraction(0, 0, 14)).toBe(0);
    expect(patchAtFraction(0.999, 0.999, 14)).toBe(195);
    expect(patchAtFraction(0.5, 0.25, 14)).toBe(3 * 14 + 7);
    expect(patchAtFraction(0.5, 0.5, 7)).toBe(24);
    for (const [x, y] of [
      [1, 0.5],
      [-0.01, 0.5],
      [0.5, 1],
      [Number.NaN, 0.2],
    ])
      expect(patchAtFraction(x, y, 14)).toBeNull();
    expect(patchAtFraction(0.5, 0.5, 0)).toBeNull(); // no result yet: no grid
  });

  it('lists every patch a stroke crosses, both ends included, without gaps', () => {
    expect(patchesBetween(5, 5, 14)).toEqual([5]);
    expect(patchesBetween(14, 17, 14)).toEqual([14, 15, 16, 17]); // along a row
    expect(patchesBetween(3, 3 + 3 * 14, 14)).toEqual([3, 17, 31, 45]); // down a column
    expect(patchesBetween(0, 4 * 7 + 4, 7)).toEqual([0, 8, 16, 24, 32]); // the diagonal
    const path = patchesBetween(2 * 14 + 1, 5 * 14 + 12, 14); // steep-ish slope
    expect(path[0]).toBe(2 * 14 + 1);
    expect(path[path.length - 1]).toBe(5 * 14 + 12);
    for (let i = 1; i < path.length; i++) {
      const dr = Math.abs(Math.floor(path[i] / 14) - Math.floor(path[i - 1] / 14));
      const dc = Math.abs((path[i] % 14) - (path[i - 1] % 14));
      expect(Math.max(dr, dc)).toBe(1); // neighbours: no patch skipped
    }
  });
});

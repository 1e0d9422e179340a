import { describe, expect, it } from 'vitest';
import { patchOrigin, patchify, unpatchify } from '../../src/mae/index.ts';

/** value that encodes its own (c, y, x) so a misplaced value is easy to spot */
const code = (c: number, y: number, x: number): number => c * 10000 + y * 100 + x;

function handBuilt(C: number, S: number): Float32Array {
  const chw = new Float32Array(C * S * S);
  for (let c = 0; c < C; c++) for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) chw[(c * S + y) * S + x] = code(c, y, x);
  return chw;
}

describe('patchify (official nchpwq->nhwpqc layout)', () => {
  it('places (c,y,x) at patch (y//p)*(W/p)+(x//p), index ((y%p)*p + x%p)*C + c', () => {
    for (const [S, p, C] of [
      [6, 2, 3],
      [8, 4, 3],
      [6, 3, 1],
      [4, 4, 3],
      [4, 1, 3],
    ]) {
      const patches = patchify(handBuilt(C, S), S, p, C);
      const g = S / p;
      const dim = p * p * C;
      expect(patches.length).toBe(g * g * dim);
      for (let c = 0; c < C; c++) {
        for (let y = 0; y < S; y++) {
          for (let x = 0; x < S; x++) {
            const n = Math.floor(y / p) * g + Math.floor(x / p);
            const i = ((y % p) * p + (x % p)) * C + c;
            if (patches[n * dim + i] !== code(c, y, x)) expect.fail(`S=${S} p=${p} C=${C}: (c=${c},y=${y},x=${x}) misplaced`);
          }
        }
      }
    }
  });

  it('spells out a tiny case: 4x4, p=2, C=3', () => {
    const patches = patchify(handBuilt(3, 4), 4, 2);
    // patch 1 = top-right block (rows 0-1, cols 2-3); its first pixel (0,2) with channels last
    // One line per pixel, its three channels side by side:
    // prettier-ignore
    expect(Array.from(patches.subarray(12, 24))).toEqual([
      code(0, 0, 2), code(1, 0, 2), code(2, 0, 2),
      code(0, 0, 3), code(1, 0, 3), code(2, 0, 3),
      code(0, 1, 2), code(1, 1, 2), code(2, 1, 2),
      code(0, 1, 3), code(1, 1, 3), code(2, 1, 3),
    ]);
  });

  it('round trips with unpatchify', () => {
    const chw = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i));
    const back = unpatchify(patchify(chw, 224, 16), 224, 16);
    let diff = 0;
    for (let i = 0; i < chw.length; i++) if (back[i] !== chw[i]) diff++;
    expect(diff).toBe(0);
    const small = handBuilt(3, 12);
    expect(unpatchify(patchify(small, 12, 3), 12, 3)).toEqual(small);
  });

  it('patchOrigin follows the same row-major grid', () => {
    expect(patchOrigin(0, 224, 16)).toEqual({ x: 0, y: 0 });
    expect(patchOrigin(13, 224, 16)).toEqual({ x: 208, y: 0 });
    expect(patchOrigin(14, 224, 16)).toEqual({ x: 0, y: 16 });
    expect(patchOrigin(195, 224, 16)).toEqual({ x: 208, y: 208 });
  });

  it('rejects sizes that do not tile', () => {
    expect(() => patchify(new Float32Array(3 * 25), 5, 2)).toThrow(RangeError);
    expect(() => patchify(new Float32Array(10), 4, 2)).toThrow(RangeError);
    expect(() => unpatchify(new Float32Array(10), 4, 2)).toThrow(RangeError);
  });
});

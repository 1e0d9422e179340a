/**
 * src/mae/pos-embed.ts against vectors made outside this code (tests/unit/fixtures/make_pos_embed_fixtures.py):
 * the bundled default's stored tables, numpy's get_2d_sincos_pos_embed and torch's bicubic interpolate.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpolatePosTable, isSincosTable, sincos2d } from '../../src/mae/pos-embed.ts';

interface Entry {
  offset: number;
  shape: number[];
  dim: number;
  grid: [number, number];
}
const dir = new URL('./fixtures/', import.meta.url);
const meta = JSON.parse(readFileSync(new URL('pos-embed.json', dir), 'utf8')) as { entries: Record<string, Entry> };
const bin = readFileSync(new URL('pos-embed.bin', dir));

function vec(name: string): Float32Array {
  const e = meta.entries[name];
  if (!e) throw new Error(`no fixture ${name}`);
  const n = e.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + n * 4));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** values that differ at all (float32 bits) */
function countUnequal(a: Float32Array, b: Float32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('sincos2d', () => {
  it.each([
    [192, 'sincos-192-14x14'],
    [128, 'sincos-128-14x14'],
  ])('reproduces numpy’s official square table (width %i, 14×14), cls row zeros', (D, name) => {
    const got = sincos2d(D, 14, 14);
    const ref = vec(name);
    expect(maxAbsDiff(got, ref)).toBeLessThan(1e-7);
    // float64 math then one rounding: at most a rare last-bit difference from numpy's libm
    expect(countUnequal(got, ref)).toBeLessThanOrEqual(got.length / 1000);
    expect(Array.from(got.subarray(0, D)).every((v) => v === 0)).toBe(true);
  });

  it.each([
    ['sincos-192-14x20', 192, 14, 20],
    ['sincos-128-20x14', 128, 20, 14],
    ['sincos-16-3x5', 16, 3, 5],
    ['sincos-768-2x20', 768, 2, 20],
  ])('matches numpy get_2d_sincos_pos_embed for %s (non-square, official channel order)', (name, D, h, w) => {
    const ref = vec(name);
    const got = sincos2d(D, h, w);
    expect(got.length).toBe((1 + h * w) * D);
    expect(maxAbsDiff(got, ref)).toBeLessThan(1e-7);
  });

  it('puts the column in the first half of the channels and the row in the second (hand-computed)', () => {
    // D = 8: quarter 2, omega = [1, 1/100]; patch (row 1, col 2) of a 2×3 grid is row 1 + 1*3 + 2 = 6
    const t = sincos2d(8, 2, 3);
    const row = Array.from(t.subarray(6 * 8, 7 * 8));
    const expected = [Math.sin(2), Math.sin(0.02), Math.cos(2), Math.cos(0.02), Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01)];
    row.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('refuses widths and grids it cannot embed', () => {
    expect(() => sincos2d(10, 2, 2)).toThrow(/divisible by 4/);
    expect(() => sincos2d(8, 0, 2)).toThrow(/whole positive/);
    expect(() => sincos2d(8, 2.5, 2)).toThrow(/whole positive/);
  });
});

describe('interpolatePosTable', () => {
  const learned = vec('learned-8-14x14');
  it.each([
    [14, 20],
    [20, 14],
    [7, 9],
    [28, 28],
    [14, 14],
  ])('matches torch bicubic (align_corners=False) from 14×14 to %i×%i, cls row kept', (h, w) => {
    const ref = vec(`bicubic-8-14x14-to-${h}x${w}`);
    const got = interpolatePosTable(learned, 8, 14, 14, h, w);
    expect(Array.from(got.subarray(0, 8))).toEqual(Array.from(learned.subarray(0, 8)));
    // torch computes in float32, here in float64: the weights agree to a few float32 ulps
    expect(maxAbsDiff(got, ref)).toBeLessThan(2e-8 * 10);
  });

  it('matches torch on a sin-cos table resized to 10×17', () => {
    const sc = sincos2d(16, 14, 14);
    expect(maxAbsDiff(interpolatePosTable(sc, 16, 14, 14, 10, 17), vec('bicubic-sincos16-14x14-to-10x17'))).toBeLessThan(2e-6);
  });

  it('says what is wrong with a table of the wrong size', () => {
    expect(() => interpolatePosTable(new Float32Array(10), 8, 14, 14, 2, 2)).toThrow(
      /14×14 position table of width 8 holds 1576 values, got 10/,
    );
  });
});

describe('isSincosTable', () => {
  it('measures how far the bundled default’s trained decoder table drifted from sin-cos, and rejects a learned one', () => {
    const stored = vec('default-decoder-table-14x14');
    // numpy says the drift is 2.433e-4 (make_pos_embed_fixtures.py); the default tolerance 1e-5 calls it a table
    const strict = isSincosTable(stored, 128, 14, 14);
    expect(strict.match).toBe(false);
    expect(strict.maxAbsDiff).toBeCloseTo(2.433e-4, 6);
    expect(isSincosTable(stored, 128, 14, 14, 1e-3).match).toBe(true);
    expect(isSincosTable(vec('sincos-128-14x14'), 128, 14, 14)).toEqual({ match: true, maxAbsDiff: expect.any(Number) as number });
    const learned = isSincosTable(vec('learned-8-14x14'), 8, 14, 14);
    expect(learned.match).toBe(false);
    expect(learned.maxAbsDiff).toBeGreaterThan(0.5);
  });

  it('rejects a sin-cos table interpolated from another grid, a NaN and a wrong length', () => {
    const resized = isSincosTable(vec('bicubic-sincos16-14x14-to-10x17'), 16, 10, 17);
    expect(resized.match).toBe(false);
    const withNaN = sincos2d(8, 2, 2);
    withNaN[9] = Number.NaN;
    expect(isSincosTable(withNaN, 8, 2, 2)).toEqual({ match: false, maxAbsDiff: Infinity });
    expect(isSincosTable(new Float32Array(3), 8, 2, 2).match).toBe(false);
  });
});

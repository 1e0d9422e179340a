import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/mae/index.ts';
import { pcaColours, principalComponents } from '../../src/features/compare/pca.ts';

/** n points along known orthogonal directions with variances 9, 4, 1 (plus small noise) in `dim` dims. */
function synthetic(n: number, dim: number): { rows: Float32Array; dirs: number[][] } {
  const rand = mulberry32(7);
  const dirs = [0, 1, 2].map((c) => {
    const v = new Array<number>(dim).fill(0);
    v[c * 2] = Math.SQRT1_2;
    v[c * 2 + 1] = c === 1 ? -Math.SQRT1_2 : Math.SQRT1_2;
    return v;
  });
  const scales = [3, 2, 1];
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const g = (rand() + rand() + rand() - 1.5) * 2; // roughly unit-variance
      for (let j = 0; j < dim; j++) rows[i * dim + j] += scales[c] * g * dirs[c][j];
    }
    for (let j = 0; j < dim; j++) rows[i * dim + j] += 5 + (rand() - 0.5) * 0.01; // offset: PCA must centre
  }
  return { rows, dirs };
}

describe('principalComponents', () => {
  it('recovers known directions in order of variance, unit length, orthogonal', () => {
    const { rows, dirs } = synthetic(400, 12);
    const pcs = principalComponents(rows, 400, 12, 3);
    expect(pcs.variances[0]).toBeGreaterThan(pcs.variances[1]);
    expect(pcs.variances[1]).toBeGreaterThan(pcs.variances[2]);
    pcs.components.forEach((v, c) => {
      const dot = v.reduce((s, x, j) => s + x * dirs[c][j], 0);
      expect(Math.abs(dot)).toBeGreaterThan(0.99);
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    });
    const d01 = pcs.components[0].reduce((s, x, j) => s + x * pcs.components[1][j], 0);
    expect(Math.abs(d01)).toBeLessThan(1e-6);
  });

  it('is deterministic, with the largest entry of each component positive', () => {
    const { rows } = synthetic(100, 8);
    const a = principalComponents(rows, 100, 8);
    const b = principalComponents(rows, 100, 8);
    expect(Array.from(a.components[0])).toEqual(Array.from(b.components[0]));
    for (const v of a.components) {
      const big = v.reduce((bi, x, j) => (Math.abs(x) > Math.abs(v[bi]) ? j : bi), 0);
      expect(v[big]).toBeGreaterThan(0);
    }
  });

  it('refuses a size mismatch and a single row', () => {
    expect(() => principalComponents(new Float32Array(10), 3, 4)).toThrow(/3x4/);
    expect(() => principalComponents(new Float32Array(4), 1, 4)).toThrow(/two rows/);
  });
});

describe('pcaColours', () => {
  it('maps the strongest direction to red, spanning the range', () => {
    const { rows, dirs } = synthetic(200, 10);
    const rgb = pcaColours(rows, 200, 10);
    expect(rgb.length).toBe(600);
    const red = Array.from({ length: 200 }, (_, i) => rgb[i * 3]);
    expect(Math.min(...red)).toBe(0);
    expect(Math.max(...red)).toBe(255);
    // Red grows with the projection on the first direction (up to its sign).
    const proj = Array.from({ length: 200 }, (_, i) => dirs[0].reduce((s, x, j) => s + x * rows[i * 10 + j], 0));
    const order = proj.map((p, i) => [p, red[i]]).sort((a, b) => a[0] - b[0]);
    const lowMean = order.slice(0, 40).reduce((s, x) => s + x[1], 0) / 40;
    const highMean = order.slice(-40).reduce((s, x) => s + x[1], 0) / 40;
    expect(Math.abs(highMean - lowMean)).toBeGreaterThan(150);
  });
});

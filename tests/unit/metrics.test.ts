import { describe, expect, it } from 'vitest';
import { maskedPatchMse, maskedPsnr, patchify, reconstructionMetrics, visibleMeanPrediction } from '../../src/mae/index.ts';

const f32 = (...v: number[]): Float32Array => Float32Array.from(v);

describe('maskedPatchMse', () => {
  it('averages per-patch MSE over hidden patches only', () => {
    // 3 patches of 2 values; patch 0 visible (huge error, ignored), 1 and 2 hidden
    const pred = f32(100, 100, 1, 3, 0, 0);
    const target = f32(0, 0, 0, 0, 2, 2);
    const mask = Uint8Array.from([0, 1, 1]);
    // patch 1: (1 + 9)/2 = 5; patch 2: (4 + 4)/2 = 4 → mean 4.5
    expect(maskedPatchMse(pred, target, mask, 2)).toBeCloseTo(4.5, 12);
  });
  it('is null when nothing is hidden, 0 for a perfect prediction', () => {
    const v = f32(1, 2, 3, 4);
    expect(maskedPatchMse(v, f32(0, 0, 0, 0), Uint8Array.from([0, 0]), 2)).toBeNull();
    expect(maskedPatchMse(v, v, Uint8Array.from([1, 1]), 2)).toBe(0);
  });
  it('rejects shape mismatches', () => {
    expect(() => maskedPatchMse(f32(1, 2), f32(1), Uint8Array.from([1]), 2)).toThrow(RangeError);
    expect(() => maskedPatchMse(f32(1, 2, 3), f32(1, 2, 3), Uint8Array.from([1]), 2)).toThrow(RangeError);
  });
});

describe('maskedPsnr', () => {
  // one channel, mean 0, std 1: normalised values are already in [0,1] units
  const mean = [0];
  const std = [1];
  it('is 10*log10(1/mse01) over hidden values after de-normalising and clamping', () => {
    const pred = f32(0.5, 0.5, 0.9, 0.1);
    const target = f32(0.5, 0.5, 0.8, 0.3);
    const mask = Uint8Array.from([0, 1]);
    const mse = (0.1 ** 2 + 0.2 ** 2) / 2;
    expect(maskedPsnr({ predPatches: pred, targetPatches: target, mask, patchDim: 2, mean, std })).toBeCloseTo(10 * Math.log10(1 / mse), 5);
  });
  it('clamps both sides to [0,1] first', () => {
    const r = maskedPsnr({ predPatches: f32(5, -3), targetPatches: f32(1, 0), mask: Uint8Array.from([1]), patchDim: 2, mean, std });
    expect(r).toBe(Infinity);
  });
  it('uses the per-channel statistics in channels-last order', () => {
    // 2 channels; the error sits in channel 1 (std 0.5): normalised diff 0.4 → 0.2 in [0,1]
    const r = maskedPsnr({
      predPatches: f32(0, 0.4),
      targetPatches: f32(0, 0),
      mask: Uint8Array.from([1]),
      patchDim: 2,
      mean: [0.5, 0.5],
      std: [1, 0.5],
    });
    expect(r).toBeCloseTo(10 * Math.log10(1 / (0.2 ** 2 / 2)), 5);
  });
  it('is null when nothing is hidden', () => {
    expect(maskedPsnr({ predPatches: f32(0, 1), targetPatches: f32(1, 0), mask: Uint8Array.from([0]), patchDim: 2, mean, std })).toBeNull();
  });
});

describe('visibleMeanPrediction', () => {
  it('fills hidden patches with the per-channel mean of the visible ones', () => {
    // 3 patches of 1 pixel × 2 channels
    const target = f32(1, 10, 3, 30, 100, 100);
    const pred = visibleMeanPrediction(target, Uint8Array.from([0, 0, 1]), 2, 2);
    expect(Array.from(pred)).toEqual([1, 10, 3, 30, 2, 20]);
    expect(maskedPatchMse(pred, target, Uint8Array.from([0, 0, 1]), 2)).toBeCloseTo((98 ** 2 + 80 ** 2) / 2, 6);
  });
});

describe('reconstructionMetrics', () => {
  const S = 8;
  const P = 4;
  const imageChw = new Float32Array(3 * S * S).map((_, i) => Math.sin(i * 0.7) * 1.5);
  const mask = Uint8Array.from([1, 0, 1, 0]);
  const base = { imageChw, mask, imgSize: S, patchSize: P, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

  it('scores a perfect pixel prediction 0 / Infinity and reports the visible-mean baseline', () => {
    const r = reconstructionMetrics({ ...base, predPatches: patchify(imageChw, S, P) });
    expect(r.maskedMse).toBe(0);
    expect(r.psnr).toBe(Infinity);
    expect(r.visibleMeanMse).toBeGreaterThan(0);
  });

  it('de-normalises a norm-pix prediction with the true patch statistics first', () => {
    const target = patchify(imageChw, S, P);
    const dim = P * P * 3;
    const normTarget = target.slice();
    for (let n = 0; n < 4; n++) {
      const v = target.subarray(n * dim, (n + 1) * dim);
      const m = v.reduce((s, x) => s + x, 0) / dim;
      const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / (dim - 1) + 1e-6);
      for (let i = 0; i < dim; i++) normTarget[n * dim + i] = (v[i] - m) / sd;
    }
    const r = reconstructionMetrics({ ...base, predPatches: normTarget, normPixLoss: true });
    expect(r.maskedMse as number).toBeLessThan(1e-10);
    const raw = reconstructionMetrics({ ...base, predPatches: normTarget });
    expect(raw.maskedMse as number).toBeGreaterThan(0.01);
  });

  it('is null with nothing hidden', () => {
    const r = reconstructionMetrics({ ...base, mask: new Uint8Array(4), predPatches: new Float32Array(4 * 48) });
    expect(r).toEqual({ maskedMse: null, psnr: null, visibleMeanMse: null });
  });
});

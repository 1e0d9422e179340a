import { describe, expect, it } from 'vitest';
import {
  CHECKER_GREYS,
  checkerCell,
  compositePanels,
  denormalizeNormPix,
  patchify,
  randomMasking,
  resizeShorterSideCenterCrop,
  toNormalizedChw,
} from '../../src/mae/index.ts';
import { countDiff, readImage } from './support.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const S = 224;
const P = 16;
const G = S / P;

/** the photo as the model sees it, in 8-bit RGBA: what the original panel must show, pixel for pixel */
const photo = resizeShorterSideCenterCrop(readImage('public/samples/tabby.jpg'), S);
const imageChw = toNormalizedChw(photo, MEAN, STD);
const truePatches = patchify(imageChw, S, P);
/** a "prediction" far from the truth: every value -5 (black after clamping) */
const blackPred = new Float32Array(truePatches.length).fill(-5);
const masks = randomMasking(0, G * G, 0.75);

function pixel(img: { width: number; data: Uint8ClampedArray }, x: number, y: number): number[] {
  const o = (y * img.width + x) * 4;
  return Array.from(img.data.subarray(o, o + 4));
}

function forEachPixelOfPatch(n: number, fn: (x: number, y: number) => void): void {
  const x0 = (n % G) * P;
  const y0 = Math.floor(n / G) * P;
  for (let y = y0; y < y0 + P; y++) for (let x = x0; x < x0 + P; x++) fn(x, y);
}

describe('compositePanels', () => {
  const panels = compositePanels({ imageChw, predPatches: blackPred, mask: masks.mask, imgSize: S, patchSize: P, mean: MEAN, std: STD });

  it('returns four opaque imgSize×imgSize panels', () => {
    for (const img of [panels.masked, panels.reconstruction, panels.reconstructionWithVisible, panels.original]) {
      expect(img.width).toBe(S);
      expect(img.height).toBe(S);
      expect(img.data.length).toBe(S * S * 4);
      let transparent = 0;
      for (let i = 3; i < img.data.length; i += 4) if (img.data[i] !== 255) transparent++;
      expect(transparent).toBe(0);
    }
    expect(panels.usesTrueHiddenPatchStats).toBe(false);
  });

  it('original is the input photo, pixel for pixel (normalising and de-normalising lose nothing)', () => {
    expect(countDiff(panels.original.data, photo.data)).toBe(0);
  });

  it('masked: visible patches equal the original; hidden ones are a light grey checker, never black', () => {
    const cell = checkerCell(P);
    expect(cell).toBe(4);
    let wrong = 0;
    for (let n = 0; n < G * G; n++) {
      forEachPixelOfPatch(n, (x, y) => {
        const got = pixel(panels.masked, x, y);
        if (masks.mask[n]) {
          const g = CHECKER_GREYS[(Math.floor((x % P) / cell) + Math.floor((y % P) / cell)) & 1];
          if (got.join() !== [g, g, g, 255].join()) wrong++;
        } else if (got.join() !== pixel(panels.original, x, y).join()) wrong++;
      });
    }
    expect(wrong).toBe(0);
    expect(Math.min(...CHECKER_GREYS)).toBeGreaterThanOrEqual(128);
    expect(CHECKER_GREYS[0]).not.toBe(CHECKER_GREYS[1]);
  });

  it('reconstruction shows the prediction everywhere; with-visible pastes the true visible patches', () => {
    let wrong = 0;
    for (let n = 0; n < G * G; n++) {
      forEachPixelOfPatch(n, (x, y) => {
        if (pixel(panels.reconstruction, x, y).join() !== '0,0,0,255') wrong++;
        const expected = masks.mask[n] ? [0, 0, 0, 255] : pixel(panels.original, x, y);
        if (pixel(panels.reconstructionWithVisible, x, y).join() !== expected.join()) wrong++;
      });
    }
    expect(wrong).toBe(0);
  });

  it('with a perfect prediction, all panels but masked equal the original', () => {
    const p = compositePanels({ imageChw, predPatches: truePatches, mask: masks.mask, imgSize: S, patchSize: P, mean: MEAN, std: STD });
    expect(countDiff(p.reconstruction.data, p.original.data)).toBe(0);
    expect(countDiff(p.reconstructionWithVisible.data, p.original.data)).toBe(0);
  });

  it('ratio 0: masked equals the original', () => {
    const none = randomMasking(0, G * G, 0);
    const p = compositePanels({ imageChw, predPatches: blackPred, mask: none.mask, imgSize: S, patchSize: P, mean: MEAN, std: STD });
    expect(countDiff(p.masked.data, p.original.data)).toBe(0);
  });

  it('checker cell is max(2, patch/4)', () => {
    expect(checkerCell(16)).toBe(4);
    expect(checkerCell(14)).toBe(3);
    expect(checkerCell(4)).toBe(2);
    expect(checkerCell(2)).toBe(2);
  });

  it('rejects mismatched shapes', () => {
    expect(() =>
      compositePanels({ imageChw, predPatches: blackPred, mask: new Uint8Array(10), imgSize: S, patchSize: P, mean: MEAN, std: STD }),
    ).toThrow(RangeError);
    expect(() =>
      compositePanels({ imageChw, predPatches: new Float32Array(5), mask: masks.mask, imgSize: S, patchSize: P, mean: MEAN, std: STD }),
    ).toThrow(RangeError);
  });
});

describe('norm-pix de-normalisation', () => {
  it('inverts the official per-patch target normalisation (unbiased var, eps 1e-6)', () => {
    const dim = P * P * 3;
    // official target: (x - mean) / sqrt(var + 1e-6), var unbiased
    const normTarget = new Float32Array(truePatches.length);
    for (let n = 0; n < G * G; n++) {
      const v = truePatches.subarray(n * dim, (n + 1) * dim);
      const m = v.reduce((s, x) => s + x, 0) / dim;
      const varU = v.reduce((s, x) => s + (x - m) ** 2, 0) / (dim - 1);
      for (let i = 0; i < dim; i++) normTarget[n * dim + i] = (v[i] - m) / Math.sqrt(varU + 1e-6);
    }
    const back = denormalizeNormPix(normTarget.slice(), truePatches, dim);
    let maxErr = 0;
    for (let i = 0; i < back.length; i++) maxErr = Math.max(maxErr, Math.abs(back[i] - truePatches[i]));
    expect(maxErr).toBeLessThan(1e-4);

    const p = compositePanels({
      imageChw,
      predPatches: normTarget,
      mask: masks.mask,
      imgSize: S,
      patchSize: P,
      mean: MEAN,
      std: STD,
      normPixLoss: true,
    });
    expect(p.usesTrueHiddenPatchStats).toBe(true);
    let off = 0;
    for (let i = 0; i < p.original.data.length; i++) off = Math.max(off, Math.abs(p.reconstruction.data[i] - p.original.data[i]));
    expect(off).toBeLessThanOrEqual(1);
    expect(normTarget[0]).not.toBe(truePatches[0]); // the input pred is not modified in place
  });
});

import { describe, expect, it } from 'vitest';
import {
  compositeOnBackground,
  createRgbaImage,
  fromNormalizedChw,
  resizeShorterSideCenterCrop,
  roundHalfEven,
  shorterSideSize,
  toNormalizedChw,
  type RgbaImage,
} from '../../src/mae/index.ts';
import { countDiff as mismatches, loadReference, readImage } from './support.ts';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

function noise(w: number, h: number, seed: number): RgbaImage {
  const img = createRgbaImage(w, h);
  let s = seed;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    img.data[i] = (i & 3) === 3 ? 255 : s >>> 24;
  }
  return img;
}

describe('compositeOnBackground', () => {
  it('puts transparent pixels on white and keeps opaque ones', () => {
    const img = createRgbaImage(3, 1);
    img.data.set([10, 20, 30, 255, 10, 20, 30, 0, 0, 0, 0, 128]);
    const out = compositeOnBackground(img);
    expect(Array.from(out.data)).toEqual([10, 20, 30, 255, 255, 255, 255, 255, 127, 127, 127, 255]);
    const onBlack = compositeOnBackground(img, [0, 0, 0]);
    expect(Array.from(onBlack.data.subarray(4, 8))).toEqual([0, 0, 0, 255]);
    expect(img.data[7]).toBe(0); // input untouched
  });
});

describe('resizeShorterSideCenterCrop', () => {
  it('computes the resize size like python (round half to even, min size)', () => {
    expect(roundHalfEven(112.5)).toBe(112);
    expect(roundHalfEven(113.5)).toBe(114);
    expect(roundHalfEven(2.4)).toBe(2);
    expect(shorterSideSize(341, 256, 224)).toEqual({ width: 298, height: 224 });
    expect(shorterSideSize(3, 2, 3)).toEqual({ width: 4, height: 3 }); // 4.5 → 4 in Python
    expect(shorterSideSize(100, 400, 50)).toEqual({ width: 50, height: 200 });
  });

  it('is exact on identity size', () => {
    const img = noise(224, 224, 1);
    expect(mismatches(resizeShorterSideCenterCrop(img, 224).data, img.data)).toBe(0);
  });

  it('crops the center without resampling when only the longer side exceeds the size', () => {
    const img = noise(30, 20, 2);
    const out = resizeShorterSideCenterCrop(img, 20);
    for (let y = 0; y < 20; y++) {
      for (let x = 0; x < 20; x++) {
        for (let c = 0; c < 4; c++) expect(out.data[(y * 20 + x) * 4 + c]).toBe(img.data[(y * 30 + x + 5) * 4 + c]);
      }
    }
  });

  it('keeps a constant image constant (down- and upscaling)', () => {
    for (const [w, h, s] of [
      [640, 480, 224],
      [50, 70, 224],
      [300, 224, 224],
    ]) {
      const img = createRgbaImage(w, h);
      for (let i = 0; i < img.data.length; i += 4) img.data.set([37, 150, 250, 255], i);
      const out = resizeShorterSideCenterCrop(img, s);
      expect(out.width).toBe(s);
      expect(out.height).toBe(s);
      const expected = new Uint8ClampedArray(out.data.length);
      for (let i = 0; i < expected.length; i += 4) expected.set([37, 150, 250, 255], i);
      expect(mismatches(out.data, expected)).toBe(0);
    }
  });

  // Fixtures made by tests/unit/fixtures/make_resize_fixtures.py with python/mae_playground/data.py
  // resize_center_crop (Pillow BICUBIC): the port is meant to be bit-exact, so any difference fails.
  const cases: [string, number][] = [
    ['wide', 32],
    ['wide', 100],
    ['tall', 56],
    ['tall', 17],
    ['square', 64],
    ['square', 24],
  ];
  for (const [name, size] of cases) {
    it(`equals Pillow bit for bit: ${name} → ${size}`, () => {
      const src = readImage(`tests/unit/fixtures/resize-${name}.png`);
      const expected = readImage(`tests/unit/fixtures/resize-${name}-${size}.pil.png`);
      const got = resizeShorterSideCenterCrop(src, size);
      expect(got.width).toBe(expected.width);
      expect(got.height).toBe(expected.height);
      expect(mismatches(got.data, expected.data)).toBe(0);
    });
  }
});

describe('toNormalizedChw / fromNormalizedChw', () => {
  it('normalises per channel in CHW order and round trips exactly', () => {
    const img = noise(5, 3, 9);
    const chw = toNormalizedChw(img, MEAN, STD);
    expect(chw.length).toBe(3 * 15);
    const p = 7; // pixel (x=2, y=1)
    for (let c = 0; c < 3; c++) expect(chw[c * 15 + p]).toBeCloseTo((img.data[p * 4 + c] / 255 - MEAN[c]) / STD[c], 6);
    expect(mismatches(fromNormalizedChw(chw, 5, 3, MEAN, STD).data, img.data)).toBe(0);
  });

  it('clamps out-of-range values instead of wrapping', () => {
    const chw = new Float32Array([100, -100, Number.NaN]);
    const out = fromNormalizedChw(chw, 1, 1, MEAN, STD);
    expect(Array.from(out.data)).toEqual([255, 0, 0, 255]);
  });
});

describe('preprocessing of the reference photos vs Python (PIL)', () => {
  const ref = loadReference();
  const goldfinch = ref.meta.images.find((i) => i.name === 'goldfinch');

  it('with the pixels Pillow decoded, the TS path gives the reference tensor bit for bit', () => {
    if (!goldfinch) throw new Error('reference has no goldfinch image');
    const decoded = readImage('tests/unit/fixtures/goldfinch.pil-decoded.png');
    const chw = toNormalizedChw(resizeShorterSideCenterCrop(compositeOnBackground(decoded), ref.meta.imgSize), MEAN, STD);
    const expected = ref.float32(goldfinch.tensor);
    expect(mismatches(chw, expected)).toBe(0);
  });

  // With jpeg-js instead of libjpeg, the decoded pixels differ: jpeg-js upsamples 4:2:0 chroma by
  // replication where libjpeg-turbo interpolates ("fancy upsampling"). Measured on the decoded
  // photos: most pixels within ±1-2 levels, up to 40 levels at saturated colour edges
  // (goldfinch). After resize + normalisation, measured: goldfinch mean |Δ| 0.0138, p99 0.105,
  // max 0.63; school_bus mean 0.0109, p99 0.051, max 0.14 (1 level ≈ 0.017 normalised units).
  // Bounds: mean < 0.03 and p99 < 0.2 (≈ 11 levels), about 2x margin; the decoder is not ours to fix
  // and the resize itself is proven exact above.
  for (const im of ref.meta.images) {
    it(`jpeg-js decode + TS preprocess is close to the reference tensor: ${im.name}`, () => {
      const chw = toNormalizedChw(resizeShorterSideCenterCrop(compositeOnBackground(readImage(im.file)), ref.meta.imgSize), MEAN, STD);
      const expected = ref.float32(im.tensor);
      const d = Array.from(chw, (v, i) => Math.abs(v - expected[i])).sort((a, b) => a - b);
      const mean = d.reduce((s, v) => s + v, 0) / d.length;
      const p99 = d[Math.floor(d.length * 0.99)];
      expect(mean).toBeLessThan(0.03);
      expect(p99).toBeLessThan(0.2);
    });
  }
});

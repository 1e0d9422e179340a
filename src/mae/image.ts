/**
 * Image preprocessing on plain typed arrays, so the browser worker, the Node CLI and the tests
 * share one implementation. No DOM types: an image is width, height and RGBA bytes.
 */

/** RGBA, 4 bytes per pixel, row-major, top row first (the layout of the DOM's ImageData). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

export type Rgb = [number, number, number];

const WHITE: Rgb = [255, 255, 255];

function assertImage(img: RgbaImage, what: string): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width <= 0 || img.height <= 0) {
    throw new RangeError(`${what}: image size must be positive integers (got ${img.width}x${img.height})`);
  }
  if (img.data.length !== img.width * img.height * 4) {
    throw new RangeError(
      `${what}: expected ${img.width * img.height * 4} RGBA bytes for ${img.width}x${img.height}, got ${img.data.length}`,
    );
  }
}

export function createRgbaImage(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}

/**
 * Alpha-composites over a solid background and returns an opaque image. The model was trained on
 * opaque photos; transparent pixels must become something a photo could contain, and white is what
 * a person sees behind a transparent PNG in most viewers. Integer "over" with rounding:
 * out = round((c*a + bg*(255-a)) / 255).
 */
export function compositeOnBackground(img: RgbaImage, bg: Rgb = WHITE): RgbaImage {
  assertImage(img, 'compositeOnBackground');
  const src = img.data;
  const out = new Uint8ClampedArray(src.length);
  for (let i = 0; i < src.length; i += 4) {
    const a = src[i + 3];
    if (a === 255) {
      out[i] = src[i];
      out[i + 1] = src[i + 1];
      out[i + 2] = src[i + 2];
    } else {
      const na = 255 - a;
      // +127 then floor = round half up of an exact rational; integers only, no float drift.
      out[i] = Math.floor((src[i] * a + bg[0] * na + 127) / 255);
      out[i + 1] = Math.floor((src[i + 1] * a + bg[1] * na + 127) / 255);
      out[i + 2] = Math.floor((src[i + 2] * a + bg[2] * na + 127) / 255);
    }
    out[i + 3] = 255;
  }
  return { width: img.width, height: img.height, data: out };
}

// ---------------------------------------------------------------------------------------------
// Resampling: a port of Pillow's ImagingResample (libImaging/Resample.c) for 8-bit images with
// the BICUBIC filter, because python/mae_playground/data.py `resize_center_crop` (Image.resize(..., BICUBIC)) made
// the images the model is evaluated on and the reference vectors. What is reproduced:
//  - separable cubic convolution, Keys a = -0.5, support 2;
//  - when downscaling, the kernel is stretched by the scale factor (support 2*scale, taps
//    evaluated at distance/scale): this is Pillow's antialiasing, and without it a 4000 px photo
//    would alias badly at 224 px;
//  - per output pixel, taps from trunc(center - support + 0.5) to trunc(center + support + 0.5)
//    clipped to the image, weights normalised to sum 1, then converted to 22-bit fixed point
//    (round half away from zero), accumulated in integers with a half-unit bias;
//  - horizontal pass first, then vertical, each rounded and clamped to uint8 (Pillow stores the
//    intermediate as an 8-bit image); a pass whose size does not change is skipped.
// Only the output window we keep (the center crop) is computed; every output pixel depends only
// on its own coefficients, so this equals resizing fully and then cropping.
// ---------------------------------------------------------------------------------------------

const PRECISION_BITS = 32 - 8 - 2;
const FIXED_ONE = 1 << PRECISION_BITS;
const FIXED_HALF = 1 << (PRECISION_BITS - 1);
const FIXED_MAX = 255 * FIXED_ONE; // 255 << 22, still below 2^31

function bicubic(x: number): number {
  const a = -0.5;
  const t = x < 0 ? -x : x;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

interface Coeffs {
  /** first input index used by each output index */
  start: Int32Array;
  /** number of taps of each output index */
  count: Int32Array;
  /** fixed-point weights, `ksize` slots per output index */
  weights: Int32Array;
  ksize: number;
}

/** Coefficients for output indices [from, from + n) of a resize from inSize to outSize. */
function precomputeCoeffs(inSize: number, outSize: number, from: number, n: number): Coeffs {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Int32Array(n * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let i = 0; i < n; i++) {
    const center = (from + i + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      // Pillow's normalize_coeffs_8bpc: (INT32)(w * 2^22 ± 0.5), C's cast truncates toward zero.
      weights[i * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * FIXED_ONE : 0.5 + w * FIXED_ONE);
    }
    start[i] = xmin;
    count[i] = xmax;
  }
  return { start, count, weights, ksize };
}

function clip8(v: number): number {
  if (v >= FIXED_MAX) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/**
 * Horizontal pass: rows [rowFrom, rowFrom + rows) of `src` (width srcW, RGBA) → `rows` rows of
 * width coeffs.start.length. Alpha is carried through the same filter, like Pillow's RGBA path.
 */
function resampleHorizontal(src: Uint8ClampedArray, srcW: number, rowFrom: number, rows: number, c: Coeffs): Uint8ClampedArray {
  const outW = c.start.length;
  const out = new Uint8ClampedArray(outW * rows * 4);
  for (let y = 0; y < rows; y++) {
    const rowOff = (rowFrom + y) * srcW * 4;
    for (let x = 0; x < outW; x++) {
      const xmin = c.start[x];
      const n = c.count[x];
      const kOff = x * c.ksize;
      let s0 = FIXED_HALF;
      let s1 = FIXED_HALF;
      let s2 = FIXED_HALF;
      let s3 = FIXED_HALF;
      for (let t = 0; t < n; t++) {
        const w = c.weights[kOff + t];
        const p = rowOff + (xmin + t) * 4;
        s0 += src[p] * w;
        s1 += src[p + 1] * w;
        s2 += src[p + 2] * w;
        s3 += src[p + 3] * w;
      }
      const o = (y * outW + x) * 4;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
      out[o + 3] = clip8(s3);
    }
  }
  return out;
}

/** Vertical pass: `src` (width w, rows indexed from `rowBase`) → coeffs.start.length rows. */
function resampleVertical(src: Uint8ClampedArray, w: number, rowBase: number, c: Coeffs): Uint8ClampedArray {
  const outH = c.start.length;
  const out = new Uint8ClampedArray(w * outH * 4);
  const stride = w * 4;
  for (let y = 0; y < outH; y++) {
    const ymin = c.start[y] - rowBase;
    const n = c.count[y];
    const kOff = y * c.ksize;
    for (let x = 0; x < w; x++) {
      let s0 = FIXED_HALF;
      let s1 = FIXED_HALF;
      let s2 = FIXED_HALF;
      let s3 = FIXED_HALF;
      let p = ymin * stride + x * 4;
      for (let t = 0; t < n; t++, p += stride) {
        const wt = c.weights[kOff + t];
        s0 += src[p] * wt;
        s1 += src[p + 1] * wt;
        s2 += src[p + 2] * wt;
        s3 += src[p + 3] * wt;
      }
      const o = (y * w + x) * 4;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
      out[o + 3] = clip8(s3);
    }
  }
  return out;
}

/** Python's round(): half to even. Matters for sizes like 112.5. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Size after "shorter side to `size`", exactly as python/mae_playground/data.py computes it. */
export function shorterSideSize(width: number, height: number, size: number): { width: number; height: number } {
  const scale = size / Math.min(width, height);
  return { width: Math.max(size, roundHalfEven(width * scale)), height: Math.max(size, roundHalfEven(height * scale)) };
}

/**
 * Resizes so the shorter side is `size` (bicubic, Pillow-exact: see the block comment above) and
 * takes the centered size×size square at ((nw-size)>>1, (nh-size)>>1), like python/mae_playground/data.py
 * `resize_center_crop`, the evaluation preprocessing of the model.
 */
export function resizeShorterSideCenterCrop(img: RgbaImage, size: number): RgbaImage {
  assertImage(img, 'resizeShorterSideCenterCrop');
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`size must be a positive integer (got ${size})`);
  const { width: nw, height: nh } = shorterSideSize(img.width, img.height, size);
  const left = (nw - size) >> 1;
  const top = (nh - size) >> 1;
  const needH = nw !== img.width;
  const needV = nh !== img.height;

  // Vertical coefficients first: they tell which source rows the horizontal pass must produce.
  const vc = needV ? precomputeCoeffs(img.height, nh, top, size) : null;
  let rowFrom = top;
  let rows = size;
  if (vc) {
    rowFrom = vc.start[0];
    rows = vc.start[size - 1] + vc.count[size - 1] - rowFrom;
  }

  let cur: Uint8ClampedArray;
  let curW: number;
  if (needH) {
    const hc = precomputeCoeffs(img.width, nw, left, size);
    cur = resampleHorizontal(img.data, img.width, rowFrom, rows, hc);
    curW = size;
  } else {
    // Unchanged width: take the rows and the crop's columns as they are.
    cur = new Uint8ClampedArray(size * rows * 4);
    for (let y = 0; y < rows; y++) {
      const s = ((rowFrom + y) * img.width + left) * 4;
      cur.set(img.data.subarray(s, s + size * 4), y * size * 4);
    }
    curW = size;
  }
  const data = vc ? resampleVertical(cur, curW, rowFrom, vc) : cur;
  return { width: size, height: size, data };
}

/**
 * Resizes the whole image to width×height (bicubic, Pillow-exact as above; no crop): the whole-photo
 * preprocessing, Pillow's `img.resize((width, height), BICUBIC)`. The same size is a copy, as in Pillow.
 */
export function resizeBicubic(img: RgbaImage, width: number, height: number): RgbaImage {
  assertImage(img, 'resizeBicubic');
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`the size must be positive whole numbers (got ${width}×${height})`);
  }
  const needH = width !== img.width;
  const needV = height !== img.height;
  if (!needH && !needV) return { width, height, data: img.data.slice() };
  const vc = needV ? precomputeCoeffs(img.height, height, 0, height) : null;
  let rowFrom = 0;
  let rows = img.height;
  if (vc) {
    rowFrom = vc.start[0];
    rows = vc.start[height - 1] + vc.count[height - 1] - rowFrom;
  }
  const cur = needH
    ? resampleHorizontal(img.data, img.width, rowFrom, rows, precomputeCoeffs(img.width, width, 0, width))
    : img.data.slice(rowFrom * img.width * 4, (rowFrom + rows) * img.width * 4);
  const data = vc ? resampleVertical(cur, width, rowFrom, vc) : cur;
  return { width, height, data };
}

/** The size a whole photo is resized to, in pixels and in patches. */
export interface WholePhotoSize {
  width: number;
  height: number;
  gridH: number;
  gridW: number;
}

/**
 * Whole photo: scaled so its long side is at most `maxSide` (never enlarged), each side then rounded
 * to a whole number of patches (at least one), so the patch grid keeps the photo's aspect ratio to
 * within half a patch. A 341×256 photo, patch 16, maxSide 448: 21×16 patches, 336×256 px.
 */
export function wholePhotoSize(width: number, height: number, patchSize: number, maxSide: number): WholePhotoSize {
  if (!(width > 0 && height > 0)) throw new RangeError(`the photo has no pixels (${width}×${height})`);
  if (!(patchSize > 0 && maxSide >= patchSize)) throw new RangeError(`the long side bound ${maxSide} must hold a ${patchSize}-pixel patch`);
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const gridW = Math.min(Math.floor(maxSide / patchSize), Math.max(1, Math.round((width * scale) / patchSize)));
  const gridH = Math.min(Math.floor(maxSide / patchSize), Math.max(1, Math.round((height * scale) / patchSize)));
  return { width: gridW * patchSize, height: gridH * patchSize, gridH, gridW };
}

function assertStats(mean: readonly number[], std: readonly number[]): void {
  if (mean.length !== 3 || std.length !== 3) throw new RangeError('mean and std must have 3 entries (RGB)');
}

/**
 * RGBA bytes → float32 [3,H,W], (v/255 - mean)/std per channel. Every step is rounded to float32
 * (Math.fround) in the same order as numpy's float32 arithmetic in python/mae_playground/data.py, so identical
 * pixels give bit-identical tensors. Alpha is ignored: composite first.
 */
export function toNormalizedChw(img: RgbaImage, mean: readonly number[], std: readonly number[]): Float32Array {
  assertImage(img, 'toNormalizedChw');
  assertStats(mean, std);
  const hw = img.width * img.height;
  const out = new Float32Array(3 * hw);
  // One lookup table per channel: 256 values, computed with numpy's float32 rounding steps.
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
    const base = c * hw;
    for (let i = 0; i < hw; i++) out[base + i] = lut[img.data[i * 4 + c]];
  }
  return out;
}

/** float32 [3,H,W] normalised → opaque RGBA bytes: v*std + mean, ×255, rounded and clamped. */
export function fromNormalizedChw(
  chw: Float32Array,
  width: number,
  height: number,
  mean: readonly number[],
  std: readonly number[],
): RgbaImage {
  assertStats(mean, std);
  const hw = width * height;
  if (chw.length !== 3 * hw) throw new RangeError(`expected ${3 * hw} values for [3,${height},${width}], got ${chw.length}`);
  const out = new Uint8ClampedArray(hw * 4);
  for (let c = 0; c < 3; c++) {
    const m = mean[c];
    const s = std[c];
    const base = c * hw;
    // Uint8ClampedArray assignment rounds half to even and clamps to [0,255]; NaN becomes 0.
    for (let i = 0; i < hw; i++) out[i * 4 + c] = (chw[base + i] * s + m) * 255;
  }
  for (let i = 0; i < hw; i++) out[i * 4 + 3] = 255;
  return { width, height, data: out };
}

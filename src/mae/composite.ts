/**
 * The four panels of the official MAE demo: masked input, reconstruction, reconstruction with the
 * visible patches pasted back, original.
 */
import { fromNormalizedChw, type RgbaImage } from './image.ts';
import { patchify, unpatchify } from './patchify.ts';

export interface Panels {
  masked: RgbaImage;
  reconstruction: RgbaImage;
  reconstructionWithVisible: RgbaImage;
  original: RgbaImage;
  /**
   * True when the prediction was de-normalised with each TRUE patch's mean and variance (norm-pix
   * models): the hidden patches then borrow their brightness and contrast from the ground truth,
   * which the model never saw. The UI must label such panels (see NORM_PIX_LEAK_NOTE).
   */
  usesTrueHiddenPatchStats: boolean;
}

/** Epsilon of the norm-pix target, as in the official models_mae.py forward_loss. */
export const NORM_PIX_EPS = 1e-6;

/** Label for panels made from a norm-pix model (de-normalised with the true patch statistics). */
export const NORM_PIX_LEAK_NOTE =
  "norm-pix model: each hidden patch is shown with the true patch's mean and variance, which the model did not see";

/** Two light greys for hidden patches: clearly "not image", never mistaken for a black region. */
export const CHECKER_GREYS: readonly [number, number] = [200, 225];

/** Checker cell side in pixels for a given patch size: a quarter patch, at least 2 px. */
export function checkerCell(patchSize: number): number {
  return Math.max(2, Math.floor(patchSize / 4));
}

/**
 * A norm-pix model predicts each patch as (x - mean) / sqrt(var + eps) of that patch's own pixels
 * (torch's unbiased var, as in the official loss). To draw it we invert that with the statistics of
 * the true patch. Mutates and returns `pred`.
 */
export function denormalizeNormPix(pred: Float32Array, truePatches: Float32Array, patchDim: number): Float32Array {
  const n = truePatches.length / patchDim;
  for (let k = 0; k < n; k++) {
    const off = k * patchDim;
    let sum = 0;
    for (let i = 0; i < patchDim; i++) sum += truePatches[off + i];
    const mean = sum / patchDim;
    let ss = 0;
    for (let i = 0; i < patchDim; i++) {
      const d = truePatches[off + i] - mean;
      ss += d * d;
    }
    const std = Math.sqrt(ss / (patchDim - 1) + NORM_PIX_EPS);
    for (let i = 0; i < patchDim; i++) pred[off + i] = pred[off + i] * std + mean;
  }
  return pred;
}

function paintChecker(img: RgbaImage, x0: number, y0: number, patchSize: number): void {
  const cell = checkerCell(patchSize);
  for (let dy = 0; dy < patchSize; dy++) {
    for (let dx = 0; dx < patchSize; dx++) {
      // Patch-local phase: every hidden patch reads as the same tile.
      const g = CHECKER_GREYS[(Math.floor(dx / cell) + Math.floor(dy / cell)) & 1];
      const o = ((y0 + dy) * img.width + x0 + dx) * 4;
      img.data[o] = g;
      img.data[o + 1] = g;
      img.data[o + 2] = g;
      img.data[o + 3] = 255;
    }
  }
}

function copyPatch(dst: RgbaImage, src: RgbaImage, x0: number, y0: number, patchSize: number): void {
  for (let dy = 0; dy < patchSize; dy++) {
    const o = ((y0 + dy) * dst.width + x0) * 4;
    dst.data.set(src.data.subarray(o, o + patchSize * 4), o);
  }
}

/**
 * imageChw: the normalised input [3,H,W]; predPatches: the decoder's pred [L, p*p*3]; mask: per
 * patch 1 = hidden. With normPixLoss, every predicted patch is de-normalised with the true patch's
 * statistics (a leak for hidden ones; flagged in the result).
 */
export function compositePanels(args: {
  imageChw: Float32Array;
  predPatches: Float32Array;
  mask: Uint8Array;
  /** the image's height (and width, unless `width` is given) */
  imgSize: number;
  /** the image's width for a non-square image (whole photos) */
  width?: number;
  patchSize: number;
  mean: readonly number[];
  std: readonly number[];
  normPixLoss?: boolean;
}): Panels {
  const { imageChw, mask, imgSize, patchSize: p, mean, std } = args;
  const W = args.width ?? imgSize;
  const g = W / p;
  const numPatches = g * (imgSize / p);
  const patchDim = p * p * 3;
  if (mask.length !== numPatches) throw new RangeError(`mask has ${mask.length} entries, expected ${numPatches}`);
  if (args.predPatches.length !== numPatches * patchDim) {
    throw new RangeError(`pred has ${args.predPatches.length} values, expected ${numPatches}×${patchDim}`);
  }

  let pred = args.predPatches;
  const normPix = args.normPixLoss === true;
  if (normPix) pred = denormalizeNormPix(pred.slice(), patchify(imageChw, imgSize, p, 3, W), patchDim);

  const original = fromNormalizedChw(imageChw, W, imgSize, mean, std);
  const reconstruction = fromNormalizedChw(unpatchify(pred, imgSize, p, 3, W), W, imgSize, mean, std);
  const masked: RgbaImage = { width: W, height: imgSize, data: original.data.slice() };
  const reconstructionWithVisible: RgbaImage = { width: W, height: imgSize, data: reconstruction.data.slice() };
  for (let n = 0; n < numPatches; n++) {
    const x0 = (n % g) * p;
    const y0 = Math.floor(n / g) * p;
    if (mask[n]) paintChecker(masked, x0, y0, p);
    else copyPatch(reconstructionWithVisible, original, x0, y0, p);
  }
  return { masked, reconstruction, reconstructionWithVisible, original, usesTrueHiddenPatchStats: normPix };
}

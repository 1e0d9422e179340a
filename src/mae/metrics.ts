/**
 * How reconstructions are judged (docs: mae-notes.md "How we judge reconstructions"): the MAE loss
 * without norm-pix, i.e. MSE in ImageNet-normalised pixel space over the hidden patches only.
 * Visible patches are excluded because the model is not asked to predict them. Both functions
 * return null when nothing is hidden (ratio 0): the metric is undefined there and the UI shows
 * "n/a" rather than NaN. Sums run in float64.
 */
import { denormalizeNormPix } from './composite.ts';
import { patchify } from './patchify.ts';

function checkShapes(pred: Float32Array, target: Float32Array, mask: Uint8Array, patchDim: number): void {
  if (!Number.isInteger(patchDim) || patchDim <= 0) throw new RangeError(`patchDim must be a positive integer (got ${patchDim})`);
  if (pred.length !== target.length) throw new RangeError(`pred has ${pred.length} values, target ${target.length}`);
  if (pred.length !== mask.length * patchDim) {
    throw new RangeError(`expected ${mask.length} patches × ${patchDim} = ${mask.length * patchDim} values, got ${pred.length}`);
  }
}

/**
 * Mean over hidden patches of each patch's mean squared error, in normalised units. All patches
 * have the same size, so this equals the mean over all hidden values. For a norm-pix model, pass
 * the de-normalised prediction (the raw normalised one is in different units).
 */
export function maskedPatchMse(predPatches: Float32Array, targetPatches: Float32Array, mask: Uint8Array, patchDim: number): number | null {
  checkShapes(predPatches, targetPatches, mask, patchDim);
  let total = 0;
  let hidden = 0;
  for (let n = 0; n < mask.length; n++) {
    if (!mask[n]) continue;
    hidden++;
    let s = 0;
    const off = n * patchDim;
    for (let i = 0; i < patchDim; i++) {
      const d = predPatches[off + i] - targetPatches[off + i];
      s += d * d;
    }
    total += s / patchDim;
  }
  return hidden === 0 ? null : total / hidden;
}

/**
 * PSNR in dB over the hidden pixels, in displayable units: both pred and target are de-normalised
 * per channel (v*std[c] + mean[c], channel c = index % channels in the channels-last patch layout),
 * clamped to [0, 1] (what a person sees), then 10*log10(1 / mse01) with mse01 the mean squared
 * difference over every hidden value. No uint8 quantisation. Infinity for a perfect prediction,
 * null when nothing is hidden.
 */
export function maskedPsnr(args: {
  predPatches: Float32Array;
  targetPatches: Float32Array;
  mask: Uint8Array;
  patchDim: number;
  mean: readonly number[];
  std: readonly number[];
}): number | null {
  const { predPatches, targetPatches, mask, patchDim, mean, std } = args;
  checkShapes(predPatches, targetPatches, mask, patchDim);
  const chans = mean.length;
  if (chans === 0 || std.length !== chans || patchDim % chans !== 0) {
    throw new RangeError(`mean/std (${mean.length}/${std.length} entries) must match the channels of a ${patchDim}-value patch`);
  }
  const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
  let sum = 0;
  let count = 0;
  for (let n = 0; n < mask.length; n++) {
    if (!mask[n]) continue;
    const off = n * patchDim;
    for (let i = 0; i < patchDim; i++) {
      const c = i % chans;
      const a = clamp01(predPatches[off + i] * std[c] + mean[c]);
      const b = clamp01(targetPatches[off + i] * std[c] + mean[c]);
      const d = a - b;
      sum += d * d;
    }
    count += patchDim;
  }
  if (count === 0) return null;
  const mse01 = sum / count;
  return mse01 === 0 ? Infinity : 10 * Math.log10(1 / mse01);
}

/**
 * The "visible mean" baseline of mae-notes.md: every hidden value predicted as the mean of the
 * visible pixels of its channel (visible patches are copied). Its maskedPatchMse is the level a
 * model must clearly beat (about 1.07 on photos at ratio 0.75). With nothing visible the channel
 * mean is 0 (the dataset mean in normalised units).
 */
export function visibleMeanPrediction(targetPatches: Float32Array, mask: Uint8Array, patchDim: number, chans = 3): Float32Array {
  if (targetPatches.length !== mask.length * patchDim || patchDim % chans !== 0) {
    throw new RangeError(`expected ${mask.length} patches × ${patchDim} values of ${chans} channels, got ${targetPatches.length}`);
  }
  const sums = new Float64Array(chans);
  let visible = 0;
  for (let n = 0; n < mask.length; n++) {
    if (mask[n]) continue;
    visible++;
    for (let i = 0; i < patchDim; i++) sums[i % chans] += targetPatches[n * patchDim + i];
  }
  const perChan = visible * (patchDim / chans);
  const means = Array.from(sums, (s) => (perChan > 0 ? s / perChan : 0));
  const out = targetPatches.slice();
  for (let n = 0; n < mask.length; n++) {
    if (!mask[n]) continue;
    for (let i = 0; i < patchDim; i++) out[n * patchDim + i] = means[i % chans];
  }
  return out;
}

export interface ReconstructionMetrics {
  /** maskedPatchMse of the prediction in pixel (ImageNet-normalised) space; null if nothing hidden */
  maskedMse: number | null;
  /** maskedPsnr in dB; null if nothing hidden */
  psnr: number | null;
  /** the same MSE for the visible-mean baseline on this image and mask, for scale */
  visibleMeanMse: number | null;
}

/**
 * Both metrics for one reconstruction, computed the same way everywhere (app, CLI, tests). A
 * norm-pix model's pred is first de-normalised with the true patch statistics, as the panels show
 * it; its raw output is in per-patch units and would not be comparable.
 */
export function reconstructionMetrics(args: {
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
}): ReconstructionMetrics {
  const { imageChw, mask, imgSize, patchSize, mean, std } = args;
  const chans = mean.length;
  const dim = patchSize * patchSize * chans;
  const target = patchify(imageChw, imgSize, patchSize, chans, args.width ?? imgSize);
  const pred = args.normPixLoss ? denormalizeNormPix(args.predPatches.slice(), target, dim) : args.predPatches;
  return {
    maskedMse: maskedPatchMse(pred, target, mask, dim),
    psnr: maskedPsnr({ predPatches: pred, targetPatches: target, mask, patchDim: dim, mean, std }),
    visibleMeanMse: maskedPatchMse(visibleMeanPrediction(target, mask, dim, chans), target, mask, dim),
  };
}

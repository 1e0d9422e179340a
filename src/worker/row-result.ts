/**
 * The row math every feature's worker side shares (grid rows, sweep points, compare cards): the
 * mask a request asks for, and the panels and metrics of one reconstruction, so every feature
 * shows the same numbers.
 */
import { compositePanels, masksFor, reconstructionMetrics, type MaskIds, type MaskSpec } from '../mae/index.ts';
import type { ResultMap } from './messages.ts';
import { WorkerError, type Model } from './runtime.ts';

/** The mask a request asks for (random when it names none); a painted mask that does not fit is the request's error. */
export function requestMasks(spec: MaskSpec | undefined, seed: number, numPatches: number, maskRatio: number, gridW?: number): MaskIds {
  try {
    return masksFor(spec, seed, numPatches, maskRatio, gridW);
  } catch (e) {
    if (e instanceof RangeError) throw new WorkerError(`Cannot use this mask: ${e.message}`, 'internal');
    throw e;
  }
}

/**
 * Panels and metrics of one reconstruction (times are the caller's; no raw output). `whole`: a whole
 * photo's size and grid (absent: the model's square crop).
 */
export function rowResult(
  m: Model,
  key: { imageId: string; maskRatio: number; seed: number },
  chw: Float32Array,
  masks: MaskIds,
  pred: Float32Array,
  whole?: { height: number; width: number; grid?: { gridH: number; gridW: number } },
): ResultMap['reconstruct'] {
  const { patchSize, mean, std, normPixLoss } = m.manifest;
  const imgSize = whole?.height ?? m.manifest.imgSize;
  const width = whole?.width ?? imgSize;
  const panels = compositePanels({ imageChw: chw, predPatches: pred, mask: masks.mask, imgSize, width, patchSize, mean, std, normPixLoss });
  const metrics = reconstructionMetrics({
    imageChw: chw,
    predPatches: pred,
    mask: masks.mask,
    imgSize,
    width,
    patchSize,
    mean,
    std,
    normPixLoss,
  });
  return {
    ...key,
    ...(whole?.grid ? { grid: whole.grid } : {}),
    provider: m.provider,
    numPatches: masks.mask.length,
    visible: masks.idsKeep.length,
    panels: {
      masked: panels.masked,
      reconstruction: panels.reconstruction,
      reconstructionWithVisible: panels.reconstructionWithVisible,
      original: panels.original,
    },
    usesTrueHiddenPatchStats: panels.usesTrueHiddenPatchStats,
    mse: metrics.maskedMse,
    psnr: metrics.psnr,
    visibleMeanMse: metrics.visibleMeanMse,
    encoderMs: 0,
    decoderMs: 0,
    totalMs: 0,
  };
}

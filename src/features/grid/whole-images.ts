/// <reference lib="webworker" />
/**
 * The worker's whole photos: beside the centre crop (runtime.images), each decoded image of a model
 * whose graphs take any patch grid is kept whole, resized so its long side is at most WHOLE_MAX_SIDE
 * and its sides are whole patches. A request picks one of the two.
 */
import { resizeBicubic, takesPositions, toNormalizedChw, wholePhotoSize, type RgbaImage } from '../../mae/index.ts';
import type { WholeGeometry } from '../../worker/messages.ts';
import { WorkerError, type Model, type WorkerRuntime } from '../../worker/runtime.ts';
import { WHOLE_MAX_SIDE } from './whole-photo.ts';

/**
 * Kept as 8-bit RGBA (a quarter of the float tensor's bytes: 0.6 MB for 448×336, so a full grid of
 * 100 rows adds 60 MB, not 240) and normalised per request (about a millisecond).
 */
export interface WholeImage extends WholeGeometry {
  rgba: RgbaImage;
}

/** imageId → whole photo (one model per worker: a new model decodes every row again in a new worker). */
export const wholeImages = new Map<string, WholeImage>();

/** Keeps the whole photo of a decoded image (already composited on its background); null for a fixed-grid model. */
export function keepWhole(m: Model, imageId: string, opaque: RgbaImage): WholeGeometry | null {
  if (!takesPositions(m.sessions)) return null;
  const size = wholePhotoSize(opaque.width, opaque.height, m.manifest.patchSize, WHOLE_MAX_SIDE);
  wholeImages.set(imageId, { ...size, rgba: resizeBicubic(opaque, size.width, size.height) });
  return size;
}

/** What a request runs on: the whole photo (with its grid) or the centre crop (the model's square). */
export interface RequestImage {
  chw: Float32Array;
  height: number;
  width: number;
  numPatches: number;
  /** patches per row for the whole photo; undefined for the crop (a square grid) */
  gridW?: number;
  grid?: { gridH: number; gridW: number };
}

export function requestImage(runtime: WorkerRuntime, m: Model, imageId: string, whole: boolean | undefined): RequestImage {
  if (!whole) {
    const size = m.manifest.imgSize;
    return { chw: runtime.image(imageId), height: size, width: size, numPatches: m.numPatches };
  }
  const w = wholeImages.get(imageId);
  if (!w) {
    runtime.image(imageId); // an unknown image says so as for the crop
    throw new WorkerError(
      'This model takes only its square grid: the whole photo cannot be reconstructed (the centre crop can).',
      'internal',
    );
  }
  return {
    chw: toNormalizedChw(w.rgba, m.manifest.mean, m.manifest.std),
    height: w.height,
    width: w.width,
    numPatches: w.gridH * w.gridW,
    gridW: w.gridW,
    grid: { gridH: w.gridH, gridW: w.gridW },
  };
}

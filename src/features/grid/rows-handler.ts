/// <reference lib="webworker" />
/**
 * The grid's worker side: decode an image into the runtime's cache, reconstruct one row or a batch
 * of rows at one ratio, forget a removed row. Panels and metrics come from the row math every
 * feature shares (src/worker/row-result.ts).
 */
import {
  compositeOnBackground,
  reconstruct,
  reconstructBatch,
  resizeShorterSideCenterCrop,
  toNormalizedChw,
  type MaskIds,
} from '../../mae/index.ts';
import type { Handler } from '../../worker/dispatch.ts';
import type { DecodeRequest, ForgetRequest, ReconstructBatchRequest, ReconstructRequest, ResultMap } from '../../worker/messages.ts';
import { requestMasks, rowResult } from '../../worker/row-result.ts';
import { WorkerError } from '../../worker/runtime.ts';
import { decodeImageFile, ImageDecodeError, type DecodedImage } from './decode-image.ts';
import { keepWhole, requestImage, wholeImages, type RequestImage } from './whole-images.ts';

/** Transparent pixels are composited on white (what most viewers show behind a PNG); rows say so. */
const DECODE_BACKGROUND: [number, number, number] = [255, 255, 255];

export const decodeHandler: Handler<DecodeRequest, ResultMap['decode']> = {
  async run(req, { runtime }) {
    const m = runtime.requireModel();
    let img: DecodedImage;
    try {
      img = await decodeImageFile(req.blob, req.name);
    } catch (e) {
      if (e instanceof ImageDecodeError) throw new WorkerError(e.message, 'decode');
      throw e;
    }
    const rgba = img.rgba;
    const opaque = compositeOnBackground(rgba, DECODE_BACKGROUND);
    const square = resizeShorterSideCenterCrop(opaque, m.manifest.imgSize);
    runtime.images.set(req.imageId, toNormalizedChw(square, m.manifest.mean, m.manifest.std));
    const whole = keepWhole(m, req.imageId, opaque);
    return {
      imageId: req.imageId,
      sourceWidth: img.sourceWidth,
      sourceHeight: img.sourceHeight,
      decodedWidth: rgba.width,
      decodedHeight: rgba.height,
      method: img.method,
      kind: img.kind,
      transparentOn: img.transparent ? 'white' : null,
      frames: img.frames,
      whole,
    };
  },
};

/** Cheap, so it does not wait behind a running inference. */
export const forgetHandler: Handler<ForgetRequest, ResultMap['forget']> = {
  when: 'now',
  run(req, { runtime }) {
    runtime.images.delete(req.imageId);
    wholeImages.delete(req.imageId);
    return { imageId: req.imageId };
  },
};

export interface RowHandlerOptions {
  /**
   * Results carry the raw decoder output (`pred`): no feature needs it; the test build's worker
   * asks for it so its e2e specs can compare it with PyTorch (src/testing/worker-hooks.ts).
   */
  withPred: boolean;
}

/** The grid's reconstruct handlers (one row; a batch of rows at one ratio). */
export function rowHandlers(options: RowHandlerOptions): {
  reconstruct: Handler<ReconstructRequest, ResultMap['reconstruct']>;
  reconstructBatch: Handler<ReconstructBatchRequest, ResultMap['reconstructBatch']>;
} {
  const reconstructHandler: Handler<ReconstructRequest, ResultMap['reconstruct']> = {
    async run(req, { runtime }) {
      const t0 = performance.now();
      const m = runtime.requireModel();
      const img = requestImage(runtime, m, req.imageId, req.whole);
      const chw = img.chw;
      const masks = requestMasks(req.mask, req.seed, img.numPatches, req.maskRatio, img.gridW);
      const { value: out, m: ran } = await runtime.withGpuFallback((cur) =>
        reconstruct(cur.sessions, cur.Tensor, chw, { height: img.height, width: img.width }, masks),
      );
      const row = rowResult(ran, { imageId: req.imageId, maskRatio: req.maskRatio, seed: req.seed }, chw, masks, out.pred, img);
      return {
        ...row,
        ...(options.withPred ? { pred: out.pred } : {}),
        maskStrategy: req.mask?.strategy ?? 'random',
        hiddenMask: masks.mask,
        encoderMs: out.encoderMs,
        decoderMs: out.decoderMs,
        totalMs: performance.now() - t0,
        latentLocation: out.latentLocation,
      };
    },
  };

  /**
   * The rows of a batch share one encoder and one decoder call; each row gets its panels and
   * metrics, and a 1/B share of the times. Unknown images (removed rows) fail alone.
   */
  const reconstructBatchHandler: Handler<ReconstructBatchRequest, ResultMap['reconstructBatch']> = {
    async run(req, { runtime }) {
      const m = runtime.requireModel();
      const failed: ResultMap['reconstructBatch']['failed'] = [];
      // Whole photos of different shapes cannot share one call: one call per patch grid.
      const groups = new Map<string, { imageId: string; seed: number; img: RequestImage; masks: MaskIds }[]>();
      for (const it of req.items) {
        if (!runtime.images.has(it.imageId)) {
          failed.push({ imageId: it.imageId, message: `Unknown image ${it.imageId}`, code: 'unknown-image' });
          continue;
        }
        const img = requestImage(runtime, m, it.imageId, req.whole);
        const key = `${img.height}x${img.width}`;
        const group = groups.get(key) ?? [];
        group.push({ ...it, img, masks: requestMasks(req.mask, it.seed, img.numPatches, req.maskRatio, img.gridW) });
        groups.set(key, group);
      }
      const results: ResultMap['reconstruct'][] = [];
      for (const rows of groups.values()) {
        const t0 = performance.now();
        const { height, width } = rows[0].img;
        const { value: out, m: ran } = await runtime.withGpuFallback((cur) =>
          reconstructBatch(
            cur.sessions,
            cur.Tensor,
            rows.map((r) => ({ image: r.img.chw, masks: r.masks })),
            { height, width },
          ),
        );
        const B = rows.length;
        const totalMs = performance.now() - t0;
        rows.forEach((r, b) =>
          results.push({
            ...rowResult(ran, { imageId: r.imageId, maskRatio: req.maskRatio, seed: r.seed }, r.img.chw, r.masks, out.preds[b], r.img),
            ...(options.withPred ? { pred: out.preds[b] } : {}),
            maskStrategy: req.mask?.strategy ?? 'random',
            hiddenMask: r.masks.mask,
            encoderMs: out.encoderMs / B,
            decoderMs: out.decoderMs / B,
            totalMs: totalMs / B,
            batchSize: B,
            latentLocation: out.latentLocation,
          }),
        );
      }
      return { results, failed };
    },
  };
  return { reconstruct: reconstructHandler, reconstructBatch: reconstructBatchHandler };
}

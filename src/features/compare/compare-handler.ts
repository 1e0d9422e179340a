/// <reference lib="webworker" />
/** The compare view's worker side: a given hidden mask (not a seed), and the encoder's features with nothing hidden. */
import { encodePatchFeatures, maskFromHidden, reconstruct } from '../../mae/index.ts';
import type { Handler } from '../../worker/dispatch.ts';
import type { CompareRequest, ResultMap } from '../../worker/messages.ts';
import { rowResult } from '../../worker/row-result.ts';
import { WorkerError } from '../../worker/runtime.ts';

export const compareHandler: Handler<CompareRequest, ResultMap['compare']> = {
  async run(req, { runtime }) {
    const m = runtime.requireModel();
    const chw = runtime.image(req.imageId);
    if (req.hidden.length !== m.numPatches) {
      throw new WorkerError(`the mask has ${req.hidden.length} patches; this model has ${m.numPatches}`, 'internal');
    }
    const masks = maskFromHidden(req.hidden);
    const { value: out, m: ran } = await runtime.withGpuFallback((cur) =>
      reconstruct(cur.sessions, cur.Tensor, chw, cur.manifest.imgSize, masks),
    );
    const { value: features } = await runtime.withGpuFallback((cur) =>
      encodePatchFeatures(cur.sessions, cur.Tensor, chw, cur.manifest.imgSize, cur.numPatches),
    );
    const row = rowResult(ran, { imageId: req.imageId, maskRatio: 1 - masks.idsKeep.length / m.numPatches, seed: 0 }, chw, masks, out.pred);
    return {
      imageId: req.imageId,
      provider: ran.provider,
      numPatches: m.numPatches,
      visible: masks.idsKeep.length,
      panels: row.panels,
      mse: row.mse,
      psnr: row.psnr,
      features: features.data,
      dim: features.dim,
      hiddenMask: masks.mask,
      encoderMs: out.encoderMs,
      decoderMs: out.decoderMs,
    };
  },
};

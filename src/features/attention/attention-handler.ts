/// <reference lib="webworker" />
/**
 * The worker's `attention` request (issue 24): the image's softmax weights under its row's mask,
 * from the model's attention sessions (attention-sessions.ts). A model without attention graphs
 * answers with the reason (not an error: the view shows it). On WebGPU a failing attention run is
 * run again on WASM (the normal sessions are not involved either way).
 */
import { errorText } from '../../mae/error-text.ts';
import { gridOf, gridPositions } from '../../mae/index.ts';
import { runAttention, type AttentionRun } from './attention-run.ts';
import type { Handler } from '../../worker/dispatch.ts';
import type { AttentionRequest, AttentionResult, Provider } from '../../worker/messages.ts';
import { requestMasks } from '../../worker/row-result.ts';
import { WorkerError } from '../../worker/runtime.ts';
import { requestImage } from '../grid/whole-images.ts';
import { attentionSourceOf } from './attention-source.ts';
import { attentionSessions, AttentionUnavailable, type ModelAttention } from './attention-sessions.ts';

export const attentionHandler: Handler<AttentionRequest, AttentionResult> = {
  async run(req, { runtime }) {
    const m = runtime.requireModel();
    // the row's image: the centre crop, or the whole photo on its own grid
    const img = requestImage(runtime, m, req.imageId, req.whole);
    const key = { imageId: req.imageId, maskRatio: req.maskRatio, seed: req.seed };
    const masks = requestMasks(req.mask, req.seed, img.numPatches, req.maskRatio, img.gridW);
    const { gridH, gridW } = img.grid ?? gridOf(img.height, img.width, img.numPatches);
    const source = attentionSourceOf(m.manifest);

    const attempt = async (provider: Provider): Promise<{ run: AttentionRun; sessionMs: number }> => {
      const t0 = performance.now();
      let got: ModelAttention & { made: boolean };
      try {
        got = await attentionSessions(await runtime.runtimeFor(provider), provider, m.manifest, source);
      } catch (e) {
        if (e instanceof AttentionUnavailable) throw e;
        throw new WorkerError(`The attention graphs could not be made: ${errorText(e)}`, 'model');
      }
      const sessionMs = got.made ? performance.now() - t0 : 0;
      // v2 graphs take the position tables of this grid (those of the model's own sessions' source)
      const positions = got.sessions.encoder.inputNames.includes('pos_embed')
        ? gridPositions({ ...got.sessions, positions: got.positions }, img.height, img.width, img.numPatches)
        : undefined;
      const run = await runAttention(got.sessions, m.Tensor, img.chw, { height: img.height, width: img.width }, masks, positions);
      return { run, sessionMs };
    };

    let out: { run: AttentionRun; sessionMs: number };
    try {
      out = await attempt(m.provider);
    } catch (e) {
      if (e instanceof AttentionUnavailable) return { ...key, available: false, reason: e.message };
      if (m.provider !== 'webgpu' || e instanceof WorkerError) throw e;
      out = await attempt('wasm');
    }
    const { run, sessionMs } = out;
    return {
      ...key,
      available: true,
      provider: m.provider,
      numPatches: img.numPatches,
      gridH,
      gridW,
      idsKeep: masks.idsKeep,
      hidden: masks.mask,
      encoder: run.encoder,
      decoder: run.decoder,
      encoderMs: run.encoderMs,
      decoderMs: run.decoderMs,
      sessionMs,
    };
  },
};

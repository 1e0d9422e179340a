/// <reference lib="webworker" />
/**
 * The sweep's worker side: `sweep` runs one ratio at a time on the serial chain (SweepRunner),
 * `cancelSweep` is answered at once (the sweep reads the flag before its next ratio).
 */
import { masksFor, reconstructBatch } from '../../mae/index.ts';
import { requestImage } from '../grid/whole-images.ts';
import type { Handler, WorkerContext } from '../../worker/dispatch.ts';
import type { CancelSweepRequest, ResultMap, SweepRequest } from '../../worker/messages.ts';
import { rowResult } from '../../worker/row-result.ts';
import { WorkerError } from '../../worker/runtime.ts';
import { SweepRunner } from './sweep-runner.ts';

/** One ratio of a sweep: every seed of it in one encoder/decoder batch, metrics as for a row (the whole photo's grid when asked). */
async function sweepStep(
  ctx: WorkerContext,
  imageId: string,
  maskRatio: number,
  seeds: number[],
  strategy: SweepRequest['strategy'],
  whole?: boolean,
) {
  const m = ctx.runtime.requireModel();
  const img = requestImage(ctx.runtime, m, imageId, whole);
  const chw = img.chw;
  const spec = strategy ? { strategy } : undefined;
  const masks = seeds.map((seed) => masksFor(spec, seed, img.numPatches, maskRatio, img.gridW));
  const { value: out, m: ran } = await ctx.runtime.withGpuFallback((cur) =>
    reconstructBatch(
      cur.sessions,
      cur.Tensor,
      masks.map((mk) => ({ image: chw, masks: mk })),
      { height: img.height, width: img.width },
    ),
  );
  const rows = masks.map((mk, b) => rowResult(ran, { imageId, maskRatio, seed: seeds[b] }, chw, mk, out.preds[b], img));
  const first = rows[0];
  const point = {
    maskRatio,
    visible: first.visible,
    numPatches: first.numPatches,
    seeds,
    mse: rows.map((r) => r.mse),
    psnr: rows.map((r) => r.psnr),
    baselineMse: rows.map((r) => r.visibleMeanMse),
    masked: first.panels.masked,
    reconstructionWithVisible: first.panels.reconstructionWithVisible,
  };
  return { point, provider: ran.provider };
}

/** The sweep handlers of one worker (they share the runner that knows which sweeps run). */
export function sweepHandlers(): {
  sweep: Handler<SweepRequest, ResultMap['sweep']>;
  cancelSweep: Handler<CancelSweepRequest, ResultMap['cancelSweep']>;
} {
  let runner: SweepRunner | null = null;
  const runnerFor = (ctx: WorkerContext): SweepRunner =>
    (runner ??= new SweepRunner({
      enqueue: ctx.enqueue,
      step: (imageId, maskRatio, seeds, strategy, whole) => sweepStep(ctx, imageId, maskRatio, seeds, strategy, whole),
      post: ctx.post,
    }));
  return {
    // Not queued as a whole: it queues its ratios on the chain one by one.
    sweep: {
      when: 'now',
      run(req, ctx) {
        if (req.seeds.length === 0) throw new WorkerError('A sweep needs at least one seed.', 'internal');
        return runnerFor(ctx).run(req);
      },
    },
    cancelSweep: {
      when: 'now',
      run(req, ctx) {
        return { sweepId: req.sweepId, found: runnerFor(ctx).cancel(req.sweepId) };
      },
    },
  };
}

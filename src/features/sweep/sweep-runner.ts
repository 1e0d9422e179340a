/**
 * Runs masking-ratio sweeps inside the worker, one ratio at a time.
 *
 * Each ratio is its own turn on the worker's work chain (enqueue): a slider request that arrives
 * during a sweep waits for at most one ratio's batch, not for the whole sweep. Cancelling (or
 * starting another sweep) sets a flag that is read before each ratio, so a cancelled sweep stops
 * after the batch in flight.
 */
import type { Provider, SweepPoint, SweepRequest, SweepResult, WorkerResponse } from '../../worker/messages.ts';

export interface SweepDeps {
  /** Runs `work` on the worker's serial chain (after what is already queued). */
  enqueue<T>(work: () => Promise<T>): Promise<T>;
  /** One ratio, every seed in one batch. */
  step(
    imageId: string,
    maskRatio: number,
    seeds: number[],
    strategy: SweepRequest['strategy'],
    whole?: boolean,
  ): Promise<{ point: SweepPoint; provider: Provider }>;
  post(msg: WorkerResponse): void;
}

/** Lets the message queue run (row requests, cancels) between two ratios. */
function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export class SweepRunner {
  private readonly cancelled = new Set<number>();
  private readonly running = new Set<number>();

  constructor(private readonly deps: SweepDeps) {}

  /** Marks a sweep to stop before its next ratio; false when no such sweep is running. */
  cancel(sweepId: number): boolean {
    if (!this.running.has(sweepId)) return false;
    this.cancelled.add(sweepId);
    return true;
  }

  async run(req: SweepRequest): Promise<SweepResult> {
    // One sweep at a time: a new one supersedes any other still running.
    for (const other of this.running) this.cancelled.add(other);
    this.running.add(req.id);
    const seeds = req.seeds;
    const total = req.ratios.length * seeds.length;
    let completed = 0;
    let provider: Provider | null = null;
    try {
      for (const maskRatio of req.ratios) {
        await yieldToMessages();
        if (this.cancelled.has(req.id)) break;
        const out = await this.deps.enqueue(async () =>
          this.cancelled.has(req.id) ? null : this.deps.step(req.imageId, maskRatio, seeds, req.strategy, req.whole),
        );
        if (!out) break;
        completed += 1;
        provider = out.provider;
        this.deps.post({ type: 'sweepProgress', id: req.id, done: completed * seeds.length, total, point: out.point });
      }
      return { imageId: req.imageId, completed, total: req.ratios.length, cancelled: completed < req.ratios.length, provider };
    } finally {
      this.running.delete(req.id);
      this.cancelled.delete(req.id);
    }
  }
}

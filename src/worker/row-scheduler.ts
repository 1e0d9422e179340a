/**
 * Newest-wins scheduling of the rows' reconstructions over one worker's wire.
 *
 * At most one reconstruction is in the worker at a time. Each image has at most one queued
 * request; a newer request for the same image replaces the queued one (the replaced promise
 * rejects with an AbortError), so dragging the slider never builds up a queue: the in-flight
 * request finishes, then the newest value for each image runs.
 *
 * Batching (maxBatch > 1): when the line moves on, up to maxBatch queued images at the same masking
 * ratio go to the worker as one request and run through the graphs as one batch; each keeps its
 * own promise, and cancelling one of them drops only its answer. With `leadAlone`, the first image
 * of a wave goes alone so the top row shows the new ratio after one image's time.
 *
 * Calls are bounded by time (issue 23 item 5): onnxruntime cannot stop a running session, so a batch
 * is split so that each call is about `callBudgetMs` of work (rowsPerCall, from the measured
 * ms/image of this worker's model). A slider step during a long batch then waits for at most one
 * such call before its top row starts, on every model size (ViT-L at about 0.5-1 s per image: one
 * row per call; the bundled ViT-Ti: the whole batch). A newer request moves its image to the back
 * of the line, so the rows of a slider step run in the order asked (top row first), ahead of
 * nothing older.
 */
import type { MaskSpec } from '../mae/index.ts';
import type { AppProtocol, ReconstructResult } from './messages.ts';
import { abortError, MaeWorkerError, type Wire } from './wire.ts';

export interface ReconstructParams {
  imageId: string;
  maskRatio: number;
  seed: number;
  /** Mask strategy (absent = random). */
  mask?: MaskSpec;
  /** The whole photo instead of the centre crop (whole-photo rows batch only with each other). */
  whole?: boolean;
}

export interface SchedulerOptions {
  /** Most images per worker request (same ratio only). 1 = one image per request. */
  maxBatch?: number;
  /**
   * With batching: when several images are waiting, the first goes alone and the rest follow as
   * one batch, so the top row shows a new ratio after one image's time instead of the whole
   * batch's (the batch after it is one image smaller; docs/BENCHMARKS.md has the measurement).
   */
  leadAlone?: boolean;
  /** About how long one worker call may take (ms of inference): batches are split to fit. Default DEFAULT_CALL_BUDGET_MS. */
  callBudgetMs?: number;
}

/** One call's work, at most: a slider step waits for no more than this before its top row starts. */
export const DEFAULT_CALL_BUDGET_MS = 1000;

/**
 * Images per call so that one call is about `budgetMs` of work: floor(budget / ms per image),
 * at least 1 (one image is the least a call can do), at most maxBatch; maxBatch while nothing was
 * measured yet.
 */
export function rowsPerCall(maxBatch: number, msPerImage: number | null, budgetMs: number): number {
  if (msPerImage === null || !(msPerImage > 0)) return maxBatch;
  return Math.max(1, Math.min(maxBatch, Math.floor(budgetMs / msPerImage)));
}

/** One image per request unless asked otherwise (see docs/BENCHMARKS.md for the measurement). */
export const DEFAULT_MAX_BATCH = 1;

/** Jobs can share a batch when their masks come from the same strategy (one painted mask for all). */
function sameMaskSpec(a: MaskSpec | undefined, b: MaskSpec | undefined): boolean {
  const sa = a?.strategy ?? 'random';
  const sb = b?.strategy ?? 'random';
  if (sa !== sb) return false;
  if (a?.strategy !== 'paint' || b?.strategy !== 'paint') return true;
  return a.hidden === b.hidden || (a.hidden.length === b.hidden.length && a.hidden.every((v, i) => v === b.hidden[i]));
}

interface Job {
  params: ReconstructParams;
  resolve: (r: ReconstructResult) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Running {
  jobs: Job[];
  /** jobs whose caller gave up while the worker was busy with them (already rejected) */
  cancelled: Set<Job>;
}

export class RowScheduler {
  private readonly queue = new Map<string, Job>();
  private running: Running | null = null;
  private pumpScheduled = false;
  private closed = false;
  readonly maxBatch: number;
  readonly leadAlone: boolean;
  readonly callBudgetMs: number;
  /** This wave's lead has gone: the next calls take the rest in batches (a new request starts a new wave). */
  private leadSent = false;
  /** Measured inference time per image of this worker's model (moving average over calls), or null. */
  private msPerImage: number | null = null;
  /** Counters: reconstructions asked for, sent to the worker, and dropped as stale. */
  readonly stats = { requested: 0, dispatched: 0, superseded: 0 };

  constructor(
    private readonly wire: Pick<Wire<AppProtocol, unknown>, 'call'>,
    options: SchedulerOptions = {},
  ) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    this.leadAlone = options.leadAlone ?? false;
    this.callBudgetMs = options.callBudgetMs ?? DEFAULT_CALL_BUDGET_MS;
  }

  /** The current estimate of one image's inference time (null until measured). */
  get imageMs(): number | null {
    return this.msPerImage;
  }

  /** Records a measured time per image (a call's total over its rows): half the old estimate, half the new. */
  observe(msPerImage: number): void {
    if (!(msPerImage > 0) || !Number.isFinite(msPerImage)) return;
    this.msPerImage = this.msPerImage === null ? msPerImage : (this.msPerImage + msPerImage) / 2;
  }

  /** Requests waiting for their turn. */
  get queuedCount(): number {
    return this.queue.size;
  }

  get busy(): boolean {
    return this.running !== null || this.queue.size > 0;
  }

  /**
   * Newest-wins reconstruction for one image. Rejects with an AbortError when superseded by a
   * newer request for the same image, or when `signal` aborts.
   */
  reconstruct(params: ReconstructParams, signal?: AbortSignal): Promise<ReconstructResult> {
    if (signal?.aborted) return Promise.reject(abortError('aborted'));
    if (this.closed) return Promise.reject(abortError('worker terminated'));
    return new Promise<ReconstructResult>((resolve, reject) => {
      const job: Job = { params, resolve, reject, signal };
      this.stats.requested += 1;
      const previous = this.queue.get(params.imageId);
      if (previous) {
        this.stats.superseded += 1;
        this.settleAbort(previous, 'superseded by a newer request');
        // to the back of the line: the rows of a slider step run in the order they were asked for
        this.queue.delete(params.imageId);
      }
      this.queue.set(params.imageId, job);
      // a new request starts a new wave: its first waiting row goes alone (leadAlone)
      this.leadSent = false;
      if (signal) {
        job.onAbort = () => {
          if (this.queue.get(params.imageId) === job) {
            this.queue.delete(params.imageId);
            this.settleAbort(job, 'aborted');
          } else if (this.running?.jobs.includes(job)) {
            this.cancelRunning('aborted', job);
          }
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      if (this.maxBatch === 1) this.pump();
      else this.schedulePump();
    });
  }

  /** The image's row was removed: its queued request is dropped, a running one's answer too. */
  forget(imageId: string): void {
    const queued = this.queue.get(imageId);
    if (queued) {
      this.queue.delete(imageId);
      this.settleAbort(queued, 'image removed');
    }
    const running = this.running?.jobs.find((j) => j.params.imageId === imageId);
    if (running) this.cancelRunning('image removed', running);
  }

  /** The wire closed: every queued request fails with its reason. */
  close(reason: unknown): void {
    this.closed = true;
    for (const job of this.queue.values()) job.reject(reason);
    this.queue.clear();
    this.running = null;
  }

  /**
   * With batching, the line moves on in a microtask: a caller that asks for every row in one
   * synchronous loop (a slider move) gets them into one batch instead of sending the first alone.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** The jobs of the next request: the lead, and (batching) the queued images that share its ratio and mask, within the call's time. */
  private nextJobs(lead: Job): Job[] {
    const jobs = [lead];
    const limit = rowsPerCall(this.maxBatch, this.msPerImage, this.callBudgetMs);
    if (limit === 1) {
      this.leadSent = true;
      return jobs;
    }
    for (const job of this.queue.values()) {
      if (jobs.length >= limit) break;
      if (
        job !== lead &&
        job.params.maskRatio === lead.params.maskRatio &&
        sameMaskSpec(job.params.mask, lead.params.mask) &&
        job.params.whole === lead.params.whole
      )
        jobs.push(job);
    }
    // Lead alone, once per wave: the next calls batch what is left (`leadSent`).
    if (this.leadAlone && jobs.length > 1 && !this.leadSent) jobs.length = 1;
    this.leadSent = true;
    return jobs;
  }

  /** A call's rows and their inference time: the per-image estimate learns from it. */
  private measure(results: readonly ReconstructResult[]): void {
    if (results.length === 0) return;
    this.observe(results.reduce((sum, r) => sum + r.totalMs, 0) / results.length);
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const first = this.queue.values().next();
    if (first.done) {
      this.leadSent = false; // a new wave starts with its lead alone again
      return;
    }
    const lead = first.value;
    const jobs = this.nextJobs(lead);
    for (const job of jobs) this.queue.delete(job.params.imageId);
    const running: Running = { jobs, cancelled: new Set() };
    this.running = running;
    this.stats.dispatched += jobs.length;
    const live = (job: Job): boolean => !running.cancelled.has(job);
    const done = (): void => {
      for (const job of jobs) if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
      if (this.running === running) this.running = null;
      this.pump();
    };
    const { maskRatio, mask, whole } = lead.params;
    if (jobs.length === 1) {
      this.wire
        .call({
          type: 'reconstruct',
          imageId: lead.params.imageId,
          maskRatio,
          seed: lead.params.seed,
          ...(mask ? { mask } : {}),
          ...(whole ? { whole } : {}),
        })
        .then(
          (r) => {
            this.measure([r]);
            if (live(lead)) lead.resolve(r);
          },
          (e: unknown) => {
            if (live(lead)) lead.reject(e);
          },
        )
        .finally(done);
      return;
    }
    this.wire
      .call({
        type: 'reconstructBatch',
        maskRatio,
        items: jobs.map((j) => ({ imageId: j.params.imageId, seed: j.params.seed })),
        ...(mask ? { mask } : {}),
        ...(whole ? { whole } : {}),
      })
      .then(
        (r) => {
          this.measure(r.results);
          for (const job of jobs.filter(live)) {
            const ok = r.results.find((x) => x.imageId === job.params.imageId);
            const bad = r.failed.find((x) => x.imageId === job.params.imageId);
            if (ok) job.resolve(ok);
            else job.reject(new MaeWorkerError(bad?.message ?? `no result for ${job.params.imageId}`, bad?.code ?? 'internal'));
          }
        },
        (e: unknown) => {
          for (const job of jobs.filter(live)) job.reject(e);
        },
      )
      .finally(done);
  }

  /** The worker cannot interrupt a running session: a cancelled job is rejected now and its answer dropped. */
  private cancelRunning(reason: string, job: Job): void {
    const running = this.running;
    if (!running || running.cancelled.has(job)) return;
    running.cancelled.add(job);
    job.reject(abortError(reason));
  }

  private settleAbort(job: Job, reason: string): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.reject(abortError(reason));
  }
}

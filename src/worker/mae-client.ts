/**
 * Main-thread bridge to the MAE worker: promise API, AbortSignal cancel, and latest-wins
 * scheduling for reconstructions.
 *
 * Scheduling: at most one reconstruction is in the worker at a time. Each image has at most one
 * queued request; a newer request for the same image replaces the queued one (the replaced promise
 * rejects with an AbortError), so dragging the slider never builds up a queue: the in-flight
 * request finishes, then the newest value for each image runs.
 *
 * Batching (maxBatch > 1): when the line moves on, up to maxBatch queued images at the same masking
 * ratio go to the worker as one request and run through the graphs as one batch; each keeps its
 * own promise, and cancelling one of them drops only its answer.
 */
import { pageAppBase } from '../app-base.ts';
import type {
  DecodeResult,
  EventMessage,
  ExtraRequest,
  LoadPhase,
  LoadRequest,
  LoadResult,
  ProviderRequest,
  ReconstructResult,
  RequestType,
  ResultMap,
  SweepPoint,
  SweepResult,
  WorkerRequest,
  WorkerResponse,
} from './messages.ts';
import type { MaskSpec } from '../mae/index.ts';

export interface LoadCallbacks {
  onStatus?: (phase: LoadPhase, message: string) => void;
  onProgress?: (loaded: number, total: number, file: string) => void;
}

export interface ReconstructParams {
  imageId: string;
  maskRatio: number;
  seed: number;
  /** Mask strategy (absent = random). */
  mask?: MaskSpec;
}

/** Jobs can share a batch when their masks come from the same strategy (one painted mask for all). */
function sameMaskSpec(a: MaskSpec | undefined, b: MaskSpec | undefined): boolean {
  const sa = a?.strategy ?? 'random';
  const sb = b?.strategy ?? 'random';
  if (sa !== sb) return false;
  if (a?.strategy !== 'paint' || b?.strategy !== 'paint') return true;
  return a.hidden === b.hidden || (a.hidden.length === b.hidden.length && a.hidden.every((v, i) => v === b.hidden[i]));
}

/** Error from the worker, with its machine-readable code. */
export class MaeWorkerError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'MaeWorkerError';
  }
}

export function isAbortError(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

/** A request lost with a crashed worker: the owner's restart runs it again, so it is not the request's own error. */
export function isCrash(e: unknown): boolean {
  return e instanceof MaeWorkerError && e.code === 'crashed';
}

function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

interface Pending {
  /** a RequestType, or an ExtraRequest's type */
  request: string;
  resolve: (value: never) => void;
  reject: (reason: unknown) => void;
  callbacks?: LoadCallbacks;
  /** The caller gave up; drop the worker's answer when it comes. */
  cancelled?: boolean;
  /** A sweep's per-ratio answers. */
  onSweepPoint?: (point: SweepPoint, done: number, total: number) => void;
}

interface QueuedReconstruct {
  params: ReconstructParams;
  resolve: (r: ReconstructResult) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export type WorkerFactory = () => Worker;

export interface ClientOptions {
  /** Most images per worker request (same ratio only). 1 = one image per request. */
  maxBatch?: number;
  /**
   * With batching: when several images are waiting, the first goes alone and the rest follow as
   * one batch, so the top row shows a new ratio after one image's time instead of the whole
   * batch's (the batch after it is one image smaller; docs/BENCHMARKS.md has the measurement).
   */
  leadAlone?: boolean;
  /**
   * The worker died (an uncaught error in it): every pending request has been rejected with a
   * MaeWorkerError of code "crashed" and the worker terminated. The owner restarts it.
   */
  onCrash?: (message: string) => void;
  /** Unsolicited news from the worker, e.g. the model moved to WASM after a GPU loss. */
  onEvent?: (event: EventMessage) => void;
}

/** One image per request unless asked otherwise (see docs/BENCHMARKS.md for the measurement). */
export const DEFAULT_MAX_BATCH = 1;

interface Running {
  id: number;
  jobs: QueuedReconstruct[];
  /** jobs whose caller gave up while the worker was busy with them */
  cancelled: Set<QueuedReconstruct>;
}

const defaultFactory: WorkerFactory = () => new Worker(new URL('./mae-worker.ts', import.meta.url), { type: 'module', name: 'mae-worker' });

let workerCount = 0;

export class MaeClient {
  /** Tells this client's worker from the ones before it (a row records which worker decoded it). */
  readonly workerId = ++workerCount;
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue = new Map<string, QueuedReconstruct>();
  private running: Running | null = null;
  private pumpScheduled = false;
  private terminated = false;
  readonly maxBatch: number;
  readonly leadAlone: boolean;
  /** The last request was a lead sent alone: the next one takes the rest as a batch. */
  private leadWentAlone = false;
  /** Counters: reconstructions asked for, sent to the worker, and dropped as stale. */
  readonly stats = { requested: 0, dispatched: 0, superseded: 0 };

  constructor(factory: WorkerFactory = defaultFactory, options: ClientOptions = {}) {
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH));
    this.leadAlone = options.leadAlone ?? false;
    this.worker = factory();
    this.worker.onmessage = (ev: MessageEvent<WorkerResponse>) => this.onMessage(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.crash(ev.message || 'unknown error');
    };
    this.worker.onmessageerror = () => this.crash('a message from the worker could not be read');
    this.onCrash = options.onCrash;
    this.onEvent = options.onEvent;
  }

  private readonly onCrash: ((message: string) => void) | undefined;
  private readonly onEvent: ((event: EventMessage) => void) | undefined;

  /** The worker is gone or unusable: reject everything, stop it, tell the owner. */
  private crash(message: string): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.terminate();
    this.failAll(new MaeWorkerError(`The worker crashed: ${message}`, 'crashed'));
    this.onCrash?.(message);
  }

  /**
   * A request outside the app's protocol (ExtraRequest): only the test build's worker answers any
   * (src/testing/worker-hooks.ts); the caller names the result's type.
   */
  callExtra<T>(type: string, fields: Record<string, unknown>, transfer: Transferable[] = []): Promise<T> {
    if (this.terminated) return Promise.reject(abortError('worker terminated'));
    const req: ExtraRequest = { ...fields, type, id: this.nextId++ };
    const p = new Promise<T>((resolve, reject) => {
      this.pending.set(req.id, { request: type, resolve, reject });
    });
    this.worker.postMessage(req, transfer);
    return p;
  }

  /** Requests waiting for their turn (tests and the UI's "busy" indicator). */
  get queuedCount(): number {
    return this.queue.size;
  }

  get busy(): boolean {
    return this.running !== null || this.queue.size > 0;
  }

  load(
    modelUrl: string,
    provider: ProviderRequest,
    callbacks: LoadCallbacks = {},
    extra: Pick<LoadRequest, 'wasmThreads' | 'warmup' | 'local'> = {},
  ): Promise<LoadResult> {
    // The page's app folder: the worker cannot resolve relative URLs itself (src/app-base.ts).
    const appBase = typeof document === 'undefined' ? {} : { appBase: pageAppBase() };
    return this.send<'load'>({ type: 'load', id: this.nextId++, modelUrl, provider, ...appBase, ...extra }, [], callbacks);
  }

  decode(imageId: string, name: string, blob: Blob): Promise<DecodeResult> {
    return this.send<'decode'>({ type: 'decode', id: this.nextId++, imageId, name, blob });
  }

  forget(imageId: string): void {
    const queued = this.queue.get(imageId);
    if (queued) {
      this.queue.delete(imageId);
      this.settleAbort(queued, 'image removed');
    }
    const running = this.running?.jobs.find((j) => j.params.imageId === imageId);
    if (running) this.cancelRunning('image removed', running);
    void this.send<'forget'>({ type: 'forget', id: this.nextId++, imageId }).catch(() => undefined);
  }

  /**
   * Masking-ratio sweep of a decoded image (see SweepRequest). Not subject to latest-wins: the
   * worker interleaves it ratio by ratio with row requests. Aborting `signal` stops the worker
   * before its next ratio and rejects at once with an AbortError.
   */
  sweep(
    params: { imageId: string; ratios: number[]; seeds: number[]; strategy?: 'random' | 'block' | 'grid' },
    onPoint: (point: SweepPoint, done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<SweepResult> {
    if (signal?.aborted) return Promise.reject(abortError('aborted'));
    const id = this.nextId++;
    const result = this.send<'sweep'>({ type: 'sweep', id, ...params });
    const pending = this.pending.get(id);
    if (pending) pending.onSweepPoint = onPoint;
    if (!signal) return result;
    const onAbort = (): void => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      p.reject(abortError('sweep cancelled'));
      void this.send<'cancelSweep'>({ type: 'cancelSweep', id: this.nextId++, sweepId: id }).catch(() => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return result.finally(() => signal.removeEventListener('abort', onAbort));
  }

  /**
   * The compare view: a decoded image with an explicit hidden mask, plus its encoder features.
   * Not latest-wins: the compare view keeps one request per model in flight and ignores stale answers.
   */
  compare(imageId: string, hidden: Uint8Array): Promise<ResultMap['compare']> {
    return this.send<'compare'>({ type: 'compare', id: this.nextId++, imageId, hidden });
  }

  /**
   * Latest-wins reconstruction for one image. Rejects with an AbortError when superseded by a
   * newer request for the same image, or when `signal` aborts.
   */
  reconstruct(params: ReconstructParams, signal?: AbortSignal): Promise<ReconstructResult> {
    if (signal?.aborted) return Promise.reject(abortError('aborted'));
    return new Promise<ReconstructResult>((resolve, reject) => {
      const job: QueuedReconstruct = { params, resolve, reject, signal };
      this.stats.requested += 1;
      const previous = this.queue.get(params.imageId);
      if (previous) {
        this.stats.superseded += 1;
        this.settleAbort(previous, 'superseded by a newer request');
      }
      // Map.set on an existing key keeps the image's place in line.
      this.queue.set(params.imageId, job);
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

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    this.worker.terminate();
    this.failAll(abortError('worker terminated'));
  }

  // ----------------------------------------------------------------------------------------------

  private pump(): void {
    if (this.running || this.terminated) return;
    const first = this.queue.values().next();
    if (first.done) {
      this.leadWentAlone = false; // a new wave starts with its lead alone again
      return;
    }
    const lead = first.value;
    const jobs = [lead];
    if (this.maxBatch > 1) {
      for (const job of this.queue.values()) {
        if (jobs.length >= this.maxBatch) break;
        if (job !== lead && job.params.maskRatio === lead.params.maskRatio && sameMaskSpec(job.params.mask, lead.params.mask))
          jobs.push(job);
      }
      // Lead alone, once per wave: the next pump batches what is left (`leadWentAlone`).
      const aloneNow = this.leadAlone && jobs.length > 1 && !this.leadWentAlone;
      if (aloneNow) jobs.length = 1;
      this.leadWentAlone = aloneNow;
    }
    for (const job of jobs) this.queue.delete(job.params.imageId);
    const id = this.nextId++;
    const running: Running = { id, jobs, cancelled: new Set() };
    this.running = running;
    this.stats.dispatched += jobs.length;
    const done = (): void => {
      for (const job of jobs) if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
      if (this.running?.id === id) this.running = null;
      this.pump();
    };
    if (jobs.length === 1) {
      const req: WorkerRequest = {
        type: 'reconstruct',
        id,
        imageId: lead.params.imageId,
        maskRatio: lead.params.maskRatio,
        seed: lead.params.seed,
        ...(lead.params.mask ? { mask: lead.params.mask } : {}),
      };
      this.track<'reconstruct'>(id, 'reconstruct', undefined)
        .then(
          (r) => lead.resolve(r),
          (e: unknown) => lead.reject(e),
        )
        .finally(done);
      this.worker.postMessage(req);
      return;
    }
    const req: WorkerRequest = {
      type: 'reconstructBatch',
      id,
      maskRatio: lead.params.maskRatio,
      items: jobs.map((j) => ({ imageId: j.params.imageId, seed: j.params.seed })),
      ...(lead.params.mask ? { mask: lead.params.mask } : {}),
    };
    this.track<'reconstructBatch'>(id, 'reconstructBatch', undefined)
      .then(
        (r) => {
          for (const job of jobs) {
            if (running.cancelled.has(job)) continue; // already rejected
            const ok = r.results.find((x) => x.imageId === job.params.imageId);
            const bad = r.failed.find((x) => x.imageId === job.params.imageId);
            if (ok) job.resolve(ok);
            else job.reject(new MaeWorkerError(bad?.message ?? `no result for ${job.params.imageId}`, bad?.code ?? 'internal'));
          }
        },
        (e: unknown) => {
          for (const job of jobs) if (!running.cancelled.has(job)) job.reject(e);
        },
      )
      .finally(done);
    this.worker.postMessage(req);
  }

  /**
   * The worker cannot interrupt a running session; the answer for a cancelled job is dropped when
   * it comes. Without `job`, every job of the running request is cancelled.
   */
  private cancelRunning(reason: string, job?: QueuedReconstruct): void {
    const running = this.running;
    if (!running) return;
    const targets = job ? [job] : running.jobs;
    for (const j of targets) {
      if (running.cancelled.has(j)) continue;
      running.cancelled.add(j);
      j.reject(abortError(reason));
    }
    if (running.cancelled.size === running.jobs.length) {
      const p = this.pending.get(running.id);
      if (p) p.cancelled = true;
    }
  }

  private settleAbort(job: QueuedReconstruct, reason: string): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.reject(abortError(reason));
  }

  private send<K extends RequestType>(
    req: Extract<WorkerRequest, { type: K }>,
    transfer: Transferable[] = [],
    callbacks?: LoadCallbacks,
  ): Promise<ResultMap[K]> {
    if (this.terminated) return Promise.reject(abortError('worker terminated'));
    const p = this.track<K>(req.id, req.type, callbacks);
    this.worker.postMessage(req, transfer);
    return p;
  }

  private track<K extends RequestType>(id: number, request: K, callbacks: LoadCallbacks | undefined): Promise<ResultMap[K]> {
    return new Promise<ResultMap[K]>((resolve, reject) => {
      this.pending.set(id, { request, resolve, reject, callbacks });
    });
  }

  private onMessage(msg: WorkerResponse): void {
    if (msg.type === 'event') {
      this.onEvent?.(msg);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.type) {
      case 'status':
        p.callbacks?.onStatus?.(msg.phase, msg.message);
        return;
      case 'progress':
        p.callbacks?.onProgress?.(msg.loaded, msg.total, msg.file);
        return;
      case 'sweepProgress':
        p.onSweepPoint?.(msg.point, msg.done, msg.total);
        return;
      case 'result':
      case 'extraResult':
        this.pending.delete(msg.id);
        if (p.cancelled) p.reject(abortError('cancelled'));
        else p.resolve(msg.result as never);
        return;
      case 'error':
        this.pending.delete(msg.id);
        p.reject(p.cancelled ? abortError('cancelled') : new MaeWorkerError(msg.message, msg.code));
        return;
    }
  }

  private failAll(reason: unknown): void {
    for (const job of this.queue.values()) job.reject(reason);
    this.queue.clear();
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    this.running = null;
  }
}

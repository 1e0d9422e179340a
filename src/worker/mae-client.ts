/**
 * Main-thread bridge to the MAE worker: promise API, AbortSignal cancel, and latest-wins
 * scheduling for reconstructions.
 *
 * Scheduling: at most one reconstruction is in the worker at a time. Each image has at most one
 * queued request; a newer request for the same image replaces the queued one (the replaced promise
 * rejects with an AbortError), so dragging the slider never builds up a queue: the in-flight
 * request finishes, then the newest value for each image runs.
 */
import type {
  DecodeResult,
  LoadPhase,
  LoadResult,
  ProviderRequest,
  ReconstructResult,
  RequestType,
  ResultMap,
  RunRawResult,
  WorkerRequest,
  WorkerResponse,
} from './messages.ts';

export interface LoadCallbacks {
  onStatus?: (phase: LoadPhase, message: string) => void;
  onProgress?: (loaded: number, total: number, file: string) => void;
}

export interface ReconstructParams {
  imageId: string;
  maskRatio: number;
  seed: number;
  imageChw?: Float32Array;
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

function abortError(message: string): DOMException {
  return new DOMException(message, 'AbortError');
}

interface Pending {
  request: RequestType;
  resolve: (value: never) => void;
  reject: (reason: unknown) => void;
  callbacks?: LoadCallbacks;
  /** The caller gave up; drop the worker's answer when it comes. */
  cancelled?: boolean;
}

interface QueuedReconstruct {
  params: ReconstructParams;
  resolve: (r: ReconstructResult) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export type WorkerFactory = () => Worker;

const defaultFactory: WorkerFactory = () =>
  new Worker(new URL('./mae-worker.ts', import.meta.url), { type: 'module', name: 'mae-worker' });

export class MaeClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue = new Map<string, QueuedReconstruct>();
  private running: { id: number; job: QueuedReconstruct } | null = null;
  private terminated = false;
  /** Counters: reconstructions asked for, sent to the worker, and dropped as stale. */
  readonly stats = { requested: 0, dispatched: 0, superseded: 0 };

  constructor(factory: WorkerFactory = defaultFactory) {
    this.worker = factory();
    this.worker.onmessage = (ev: MessageEvent<WorkerResponse>) => this.onMessage(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.failAll(new MaeWorkerError(`The worker crashed: ${ev.message || 'unknown error'}`, 'internal'));
    };
  }

  /** Requests waiting for their turn (tests and the UI's "busy" indicator). */
  get queuedCount(): number {
    return this.queue.size;
  }

  get busy(): boolean {
    return this.running !== null || this.queue.size > 0;
  }

  load(modelUrl: string, provider: ProviderRequest, callbacks: LoadCallbacks = {}): Promise<LoadResult> {
    return this.send<'load'>({ type: 'load', id: this.nextId++, modelUrl, provider }, [], callbacks);
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
    if (this.running?.job.params.imageId === imageId) this.cancelRunning('image removed');
    void this.send<'forget'>({ type: 'forget', id: this.nextId++, imageId }).catch(() => undefined);
  }

  /** Debug/test path: explicit ids, no caching, not subject to latest-wins. */
  runRaw(imageChw: Float32Array, idsKeep: Int32Array, idsRestore: Int32Array): Promise<RunRawResult> {
    return this.send<'runRaw'>({ type: 'runRaw', id: this.nextId++, imageChw, idsKeep, idsRestore }, [imageChw.buffer as ArrayBuffer]);
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
          } else if (this.running?.job === job) {
            this.cancelRunning('aborted');
          }
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.pump();
    });
  }

  /** Drops every queued reconstruction (e.g. before the model is swapped). */
  cancelAll(reason = 'cancelled'): void {
    for (const job of this.queue.values()) this.settleAbort(job, reason);
    this.queue.clear();
    if (this.running) this.cancelRunning(reason);
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
    const next = this.queue.entries().next();
    if (next.done) return;
    const [imageId, job] = next.value;
    this.queue.delete(imageId);
    const id = this.nextId++;
    this.running = { id, job };
    this.stats.dispatched += 1;
    const chw = job.params.imageChw;
    const req: WorkerRequest = {
      type: 'reconstruct',
      id,
      imageId,
      maskRatio: job.params.maskRatio,
      seed: job.params.seed,
      ...(chw ? { imageChw: chw } : {}),
    };
    const done = (): void => {
      if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
      if (this.running?.id === id) this.running = null;
      this.pump();
    };
    this.track<'reconstruct'>(id, 'reconstruct', undefined)
      .then(
        (r) => job.resolve(r),
        (e: unknown) => job.reject(e),
      )
      .finally(done);
    this.worker.postMessage(req, chw ? [chw.buffer as ArrayBuffer] : []);
  }

  private cancelRunning(reason: string): void {
    if (!this.running) return;
    const p = this.pending.get(this.running.id);
    if (p && !p.cancelled) {
      p.cancelled = true;
      // The worker cannot interrupt a running session; its answer will be dropped when it comes.
      this.running.job.reject(abortError(reason));
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
    const p = this.track<K>(req.id, req.type as K, callbacks);
    this.worker.postMessage(req, transfer);
    return p;
  }

  private track<K extends RequestType>(id: number, request: K, callbacks: LoadCallbacks | undefined): Promise<ResultMap[K]> {
    return new Promise<ResultMap[K]>((resolve, reject) => {
      this.pending.set(id, { request, resolve: resolve as (v: never) => void, reject, callbacks });
    });
  }

  private onMessage(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.type) {
      case 'status':
        p.callbacks?.onStatus?.(msg.phase, msg.message);
        return;
      case 'progress':
        p.callbacks?.onProgress?.(msg.loaded, msg.total, msg.file);
        return;
      case 'result':
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

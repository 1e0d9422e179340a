/**
 * Main-thread client of one MAE worker: the app's requests as methods, over a typed wire
 * (wire.ts: ids, cancellation, crash detection, transfers) with the rows' reconstructions
 * scheduled newest-wins (row-scheduler.ts). Who creates clients, and restarts them after a crash,
 * is the model session's business (src/features/models/model-session.ts).
 */
import { pageAppBase } from '../app-base.ts';
import type {
  AppProtocol,
  DecodeResult,
  EventMessage,
  LoadPhase,
  LoadRequest,
  LoadResult,
  ProviderRequest,
  ReconstructResult,
  ResultMap,
  SweepPoint,
  SweepResult,
} from './messages.ts';
import { RowScheduler, type ReconstructParams, type SchedulerOptions } from './row-scheduler.ts';
import { Wire } from './wire.ts';

export { isAbortError, isCrash, MaeWorkerError } from './wire.ts';
export { DEFAULT_MAX_BATCH, type ReconstructParams } from './row-scheduler.ts';

export interface LoadCallbacks {
  onStatus?: (phase: LoadPhase, message: string) => void;
  onProgress?: (loaded: number, total: number, file: string) => void;
}

export type WorkerFactory = () => Worker;

export interface ClientOptions extends SchedulerOptions {
  /**
   * The worker died (an uncaught error in it): every pending request has been rejected with a
   * MaeWorkerError of code "crashed" and the worker terminated. The owner restarts it.
   */
  onCrash?: (message: string) => void;
  /** Unsolicited news from the worker, e.g. the model moved to WASM after a GPU loss. */
  onEvent?: (event: EventMessage) => void;
}

let workerCount = 0;

export class MaeClient {
  /** Tells this client's worker from the ones before it (a row records which worker decoded it). */
  readonly workerId = ++workerCount;
  /** The typed wire to the worker (the test build's page hooks send their own table's requests on it). */
  readonly wire: Wire<AppProtocol, EventMessage>;
  private readonly rows: RowScheduler;

  constructor(factory: WorkerFactory, options: ClientOptions = {}) {
    this.wire = new Wire<AppProtocol, EventMessage>(factory(), {
      onClose: (reason) => this.rows.close(reason),
      onCrash: options.onCrash,
      onEvent: options.onEvent,
    });
    this.rows = new RowScheduler(this.wire, options);
  }

  get maxBatch(): number {
    return this.rows.maxBatch;
  }

  get leadAlone(): boolean {
    return this.rows.leadAlone;
  }

  /** Reconstructions asked for, sent to the worker, and dropped as stale. */
  get stats(): RowScheduler['stats'] {
    return this.rows.stats;
  }

  /** Reconstructions waiting for their turn (tests and the UI's "busy" indicator). */
  get queuedCount(): number {
    return this.rows.queuedCount;
  }

  get busy(): boolean {
    return this.rows.busy;
  }

  load(
    modelUrl: string,
    provider: ProviderRequest,
    callbacks: LoadCallbacks = {},
    extra: Pick<LoadRequest, 'wasmThreads' | 'warmup' | 'local' | 'precision' | 'threadsBySize'> = {},
  ): Promise<LoadResult> {
    // The page's app folder: the worker cannot resolve relative URLs itself (src/app-base.ts).
    const appBase = typeof document === 'undefined' ? {} : { appBase: pageAppBase() };
    const loaded = this.wire.call(
      { type: 'load', modelUrl, provider, ...appBase, ...extra },
      {
        onUpdate: (u) => {
          if (u.type === 'status') callbacks.onStatus?.(u.phase, u.message);
          else callbacks.onProgress?.(u.loaded, u.total, u.file);
        },
      },
    );
    // The warm-up's time per image is the rows' first estimate (row-scheduler.ts rowsPerCall): the
    // first batch of a slow model is already split, before any row was measured.
    return loaded.then((r) => {
      if (r.warmupMs > 0) this.rows.observe(r.warmupMs / Math.max(1, extra.warmup?.batch ?? 1));
      return r;
    });
  }

  decode(imageId: string, name: string, blob: Blob): Promise<DecodeResult> {
    return this.wire.call({ type: 'decode', imageId, name, blob });
  }

  forget(imageId: string): void {
    this.rows.forget(imageId);
    void this.wire.call({ type: 'forget', imageId }).catch(() => undefined);
  }

  /**
   * Masking-ratio sweep of a decoded image (see SweepRequest). Not subject to newest-wins: the
   * worker interleaves it ratio by ratio with row requests. Aborting `signal` stops the worker
   * before its next ratio and rejects at once with an AbortError.
   */
  sweep(
    params: { imageId: string; ratios: number[]; seeds: number[]; strategy?: 'random' | 'block' | 'grid' },
    onPoint: (point: SweepPoint, done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<SweepResult> {
    return this.wire.call(
      { type: 'sweep', ...params },
      {
        onUpdate: (u) => onPoint(u.point, u.done, u.total),
        signal,
        onAbort: (sweepId) => void this.wire.call({ type: 'cancelSweep', sweepId }).catch(() => undefined),
      },
    );
  }

  /**
   * The compare view: a decoded image with an explicit hidden mask, plus its encoder features.
   * Not newest-wins: the compare view keeps one request per model in flight and ignores stale answers.
   */
  compare(imageId: string, hidden: Uint8Array): Promise<ResultMap['compare']> {
    return this.wire.call({ type: 'compare', imageId, hidden });
  }

  /**
   * Newest-wins reconstruction for one image. Rejects with an AbortError when superseded by a
   * newer request for the same image, or when `signal` aborts.
   */
  reconstruct(params: ReconstructParams, signal?: AbortSignal): Promise<ReconstructResult> {
    return this.rows.reconstruct(params, signal);
  }

  terminate(): void {
    this.wire.terminate();
  }
}

/// <reference lib="webworker" />
/**
 * The worker's runtime: onnxruntime-web set up once, session creation written once, the loaded
 * model, the decoded-image cache, and the GPU-loss fallback (a lost device or a failing WebGPU run
 * moves the model to WASM and runs the work again there). Feature handlers (src/features/<name>/)
 * reach the model only through `withGpuFallback`, so none of them has to know about GPU loss.
 */
import type * as ort from 'onnxruntime-web';
import { errorText } from '../mae/error-text.ts';
import { numPatches as manifestNumPatches, positionSourceFromManifest, type MaeSessions, type ModelManifest } from '../mae/index.ts';
import { externalDataFailure, openExternalData, RangeBackedBytes } from './external-data.ts';
import type { ErrorMessage, Provider, SessionsDetail, WorkerResponse } from './messages.ts';
import { configureOrt, defaultWasmThreads, wasmThreadsFor, type OrtRuntime } from './ort-config.ts';
import { browserGpu, type GpuLike } from './provider.ts';

export type { OrtRuntime };
/**
 * A model's files by manifest name: the graphs as bytes; external data as bytes or, for imported
 * weights, Blob slices of the user's file (onnxruntime-web reads those itself, nothing is copied here).
 */
export type ModelBytes = Map<string, Uint8Array<ArrayBuffer> | Blob>;

export interface Model {
  manifest: ModelManifest;
  sessions: MaeSessions;
  provider: Provider;
  numPatches: number;
  /** the runtime's Tensor class (tensors must come from the runtime that runs the session) */
  Tensor: typeof ort.Tensor;
  /**
   * WebGPU only: gets the model's files again (from the user's file, the private file system or the
   * HTTP cache), to rebuild the sessions on WASM if the GPU goes away. A function, not the bytes:
   * keeping them would hold a second copy of the weights in JavaScript for as long as the model runs.
   */
  reload?: () => Promise<ModelBytes>;
}

/** A handler's failure with the machine-readable code the client sees (MaeWorkerError.code). */
export class WorkerError extends Error {
  constructor(
    message: string,
    readonly code: ErrorMessage['code'],
  ) {
    super(message);
  }
}

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

export class WorkerRuntime {
  /**
   * One WASM thread per logical core (SharedArrayBuffer threads need cross-origin isolation, which
   * the server's COOP/COEP headers give). A load may ask for fewer or more (`?threads=N`) before
   * the WASM backend starts, i.e. at the first load of this worker.
   */
  wasmThreads: number;
  /** `?threads=N` as the page asked (null: not asked), to tell "asked for 1" from "could not have more". */
  private threadsAsked: number | null = null;
  /**
   * The app's folder (absolute, ending in "/"): model folders and onnxruntime's files are resolved
   * against it. The page sends it with each load (LoadRequest.appBase): with the build's relative
   * base a worker cannot know it (its own script sits in assets/). The dev server's base is absolute.
   */
  appBase: string = new URL(import.meta.env.BASE_URL, self.location.href).href;
  private backendStarted = false;
  /** The last createSessions: its time, and the weights read piece by piece (LoadResult.sessionsDetail). */
  lastSessionsDetail: SessionsDetail | null = null;
  private readonly runtimes = new Map<Provider, OrtRuntime>();
  private model: Model | null = null;
  /** Normalised CHW tensors of the decoded images, by image id. */
  readonly images = new Map<string, Float32Array>();
  /** Why onnxruntime's WebGPU device was lost (device.lost resolved), or null while it is fine. */
  private gpuLost: string | null = null;
  private gpuLostSignal: Promise<never> | null = null;
  private moving: Promise<Model> | null = null;
  /** WebGPU runs in progress (the test build's device-loss hook says whether it hit one). */
  gpuRunsInFlight = 0;
  /** Where the adapter probe looks for WebGPU (the test build swaps in failing adapters). */
  gpu: () => GpuLike | undefined = browserGpu;

  constructor(readonly post: (msg: WorkerResponse) => void) {
    this.wasmThreads = defaultWasmThreads();
  }

  /** Sets the WASM thread count, if the WASM backend has not started yet (it reads it once). */
  requestThreads(threads: number | undefined): void {
    if (this.backendStarted || threads === undefined || threads < 1) return;
    this.threadsAsked = Math.floor(threads);
    this.wasmThreads = wasmThreadsFor(self.crossOriginIsolated, navigator.hardwareConcurrency, this.threadsAsked);
  }

  /** The thread count came from the page's measurement for this model's size (useMeasuredThreads). */
  threadsMeasured = false;

  /**
   * The page's measured thread count for this model's size (issue 23 item 4), once the model is
   * known and before the WASM backend starts; `?threads=N` wins. Returns whether it is used.
   */
  useMeasuredThreads(threads: number | undefined): boolean {
    if (this.backendStarted || this.threadsAsked !== null || threads === undefined || !(threads >= 1) || !self.crossOriginIsolated)
      return false;
    this.wasmThreads = Math.floor(threads);
    this.threadsMeasured = true;
    // a runtime imported already (the GPU probe's) has been configured with the old count
    for (const rt of this.runtimes.values()) rt.env.wasm.numThreads = this.wasmThreads;
    return true;
  }

  /** Where the thread count came from, for the page. */
  get threadsSource(): 'asked' | 'measured' | 'default' {
    return this.threadsAsked !== null ? 'asked' : this.threadsMeasured ? 'measured' : 'default';
  }

  /** The page's app folder (see appBase); ignored once onnxruntime has been given its file paths. */
  useAppBase(base: string | undefined): void {
    if (base && this.runtimes.size === 0) this.appBase = new URL(base).href;
  }

  /**
   * The WASM threads onnxruntime really uses, read back after its backend started: it lowers
   * env.wasm.numThreads to 1 by itself where WebAssembly threads cannot run (no SharedArrayBuffer,
   * e.g. a page that is not cross-origin isolated, or WebKitGTK even when it is). With why, when 1.
   */
  threadsInUse(rt: OrtRuntime): { threads: number; why: string | null } {
    const settled = rt.env.wasm.numThreads;
    const threads = typeof settled === 'number' && settled >= 1 ? settled : this.wasmThreads;
    if (threads > 1) return { threads, why: null };
    let why: string;
    if (this.threadsAsked === 1) why = 'asked for 1 with ?threads=1';
    else if (this.threadsMeasured) why = 'measured fastest for this model size here';
    else if (!self.crossOriginIsolated) why = 'the page is not cross-origin isolated';
    else if (typeof SharedArrayBuffer === 'undefined') why = 'this browser has no SharedArrayBuffer';
    else if ((navigator.hardwareConcurrency || 1) <= 1) why = 'the browser reports one core';
    else why = 'WebAssembly threads are not available here';
    return { threads, why };
  }

  /**
   * onnxruntime-web, imported once the provider is chosen: for WASM the WASM-only build (a 14 MB
   * .wasm), for WebGPU the JSEP build (WebGPU + WASM in a 28 MB .wasm). Chromium compiles the whole
   * module in the background after instantiation; half the code is seconds less CPU taken from the
   * first reconstructions on a small machine (measured in docs/BENCHMARKS.md). `fresh` skips the
   * cache (see moveToWasm).
   */
  async runtimeFor(provider: Provider, fresh = false): Promise<OrtRuntime> {
    const cached = fresh ? undefined : (this.runtimes.get(provider) ?? (provider === 'wasm' ? this.runtimes.get('webgpu') : undefined));
    if (cached) return cached;
    const rt: OrtRuntime = provider === 'webgpu' ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
    // Runtime files from the app's folder, threads as set above (src/worker/ort-config.ts).
    configureOrt(rt, { appBase: this.appBase, threads: this.wasmThreads });
    this.runtimes.set(provider, rt);
    return rt;
  }

  /** The runtime that runs WebGPU sessions, if one was imported (the test build's device-loss hook). */
  webgpuRuntime(): OrtRuntime | null {
    return this.runtimes.get('webgpu') ?? null;
  }

  /** Encoder and decoder sessions of `manifest` on one execution provider (what is reported is what runs). */
  async createSessions(rt: OrtRuntime, provider: Provider, manifest: ModelManifest, bytes: ModelBytes): Promise<MaeSessions> {
    this.backendStarted = true;
    const t0 = performance.now();
    const detail = { sessionsMs: 0, readMs: 0, readBytes: 0, reads: 0 };
    this.lastSessionsDetail = detail;
    const create = async (part: ModelManifest['encoder']): Promise<ort.InferenceSession> => {
      const options: ort.InferenceSession.SessionOptions = {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3, // errors only: the CPU fallback of shape ops is expected, not news
      };
      // WebGPU: the encoder's latent stays in a GPU buffer and goes straight into the decoder
      // (reconstructBatch passes the tensor through and disposes it); only `pred` is read back.
      if (provider === 'webgpu' && part === manifest.encoder) options.preferredOutputLocation = { latent: 'gpu-buffer' };
      // weights in Blobs (a chosen file, the private file system) are read one tensor at a time
      // (external-data.ts): no whole copy of them in JavaScript while onnxruntime copies them in
      const external = await openExternalData(
        (part.externalData ?? []).map((path) => ({ path, data: bytes.get(path) as Uint8Array | Blob })),
      );
      if (external.entries.length > 0) options.externalData = external.entries;
      try {
        return await rt.InferenceSession.create(bytes.get(part.file) as Uint8Array, options);
      } catch (e) {
        const unread = externalDataFailure(external.entries);
        if (unread) throw new Error(`${unread}: choose the file again`);
        throw new Error(`onnxruntime could not load ${part.file}: ${errorText(e)}`);
      } finally {
        external.close();
        for (const { data } of external.entries) {
          if (data instanceof RangeBackedBytes) {
            detail.readMs += data.reads.ms;
            detail.readBytes += data.reads.bytes;
            detail.reads += data.reads.calls;
          }
        }
        detail.sessionsMs = performance.now() - t0;
      }
    };
    // contract v2: where the position tables come from (sin-cos, or the folder's pos-embed.bin resized)
    const tablesFile = manifest.grid?.positionsFile;
    const tables = tablesFile ? bytes.get(tablesFile) : undefined;
    const positions = manifest.grid
      ? positionSourceFromManifest(manifest, tables instanceof Blob ? new Uint8Array(await tables.arrayBuffer()) : tables)
      : undefined;
    const encoder = await create(manifest.encoder);
    try {
      return { encoder, decoder: await create(manifest.decoder), ...(positions ? { positions } : {}) };
    } catch (e) {
      await encoder.release().catch(() => undefined);
      throw e;
    }
  }

  /** Releases the current model's sessions (before the next one is built). */
  async releaseModel(): Promise<void> {
    const m = this.model;
    this.model = null;
    if (m) await Promise.allSettled([m.sessions.encoder.release(), m.sessions.decoder.release()]);
  }

  /**
   * The model that answers from now on; on WebGPU, watches its device for loss. `reload` gets its
   * files again should the GPU go (see Model.reload); the caller drops its own reference to them.
   */
  async setModel(
    manifest: ModelManifest,
    sessions: MaeSessions,
    rt: OrtRuntime,
    provider: Provider,
    reload: () => Promise<ModelBytes>,
  ): Promise<Model> {
    const model: Model = { manifest, sessions, provider, numPatches: manifestNumPatches(manifest), Tensor: rt.Tensor };
    this.model = model;
    if (provider === 'webgpu') {
      model.reload = reload;
      await this.watchGpuDevice(rt);
    }
    return model;
  }

  requireModel(): Model {
    if (!this.model) throw new WorkerError('The model is not loaded yet.', 'not-ready');
    return this.model;
  }

  /** The cached tensor of a decoded image. */
  image(imageId: string): Float32Array {
    const chw = this.images.get(imageId);
    if (!chw) throw new WorkerError(`Unknown image ${imageId}`, 'unknown-image');
    return chw;
  }

  /**
   * Runs `run` on the current model. On WebGPU, a lost device (before or during the run) or a run
   * that fails moves the model to WASM, and the same work runs again there.
   */
  async withGpuFallback<T>(run: (m: Model) => Promise<T>): Promise<{ value: T; m: Model }> {
    let m = this.requireModel();
    if (m.provider === 'webgpu' && this.gpuLost) m = await this.moveToWasm(`the GPU device was lost (${this.gpuLost})`);
    if (m.provider !== 'webgpu') return { value: await run(m), m };
    this.gpuRunsInFlight += 1;
    try {
      const value = await (this.gpuLostSignal ? Promise.race([run(m), this.gpuLostSignal]) : run(m));
      return { value, m };
    } catch (e) {
      const why = this.gpuLost ? `the GPU device was lost (${this.gpuLost})` : `a WebGPU run failed (${errorText(e)})`;
      m = await this.moveToWasm(why);
      return { value: await run(m), m };
    } finally {
      this.gpuRunsInFlight -= 1;
    }
  }

  private async watchGpuDevice(rt: OrtRuntime): Promise<void> {
    const device = (await Promise.resolve(rt.env.webgpu.device as unknown as GpuDeviceLike | Promise<GpuDeviceLike> | undefined)) ?? null;
    if (!device) return;
    this.gpuLost = null;
    this.gpuLostSignal = device.lost.then((info) => {
      this.gpuLost = info.message || info.reason || 'unknown reason';
      throw new Error(`the GPU device was lost (${this.gpuLost})`);
    });
    this.gpuLostSignal.catch(() => undefined);
  }

  /**
   * Rebuilds the model on WASM and tells the page why. The WASM-only build is imported as a module
   * instance of its own: after a device loss in the middle of a run the JSEP build's state still
   * holds that run ("Session already started"), so the fallback must not share it.
   */
  private moveToWasm(why: string): Promise<Model> {
    this.moving ??= (async () => {
      const m = this.requireModel();
      if (m.provider === 'wasm') return m;
      if (!m.reload) throw new WorkerError(`WebGPU stopped working (${why}) and the model cannot be rebuilt.`, 'model');
      void Promise.allSettled([m.sessions.encoder.release(), m.sessions.decoder.release()]);
      let sessions: MaeSessions;
      let rt: OrtRuntime;
      try {
        rt = await this.runtimeFor('wasm', true);
        sessions = await this.createSessions(rt, 'wasm', m.manifest, await m.reload());
      } catch (e) {
        this.model = null;
        throw new WorkerError(`WebGPU stopped working (${why}), and the WASM session failed too: ${errorText(e)}`, 'model');
      }
      const next: Model = { manifest: m.manifest, sessions, provider: 'wasm', numPatches: m.numPatches, Tensor: rt.Tensor };
      this.model = next;
      this.post({
        type: 'event',
        id: 0,
        kind: 'provider-changed',
        provider: 'wasm',
        reason: `WebGPU stopped working: ${why}. Moved to WASM.`,
      });
      return next;
    })().finally(() => {
      this.moving = null;
    });
    return this.moving;
  }
}

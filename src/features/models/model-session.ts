/**
 * The model session: which worker answers, its model's lifecycle (load, switch, a folder from disk,
 * retry, provider change) and the crash policy (src/worker/crash-policy.ts: restart a crashed
 * worker, give up after MAX_RESTARTS in CRASH_WINDOW_MS). Every worker of the page is made here
 * (newClient), the compare view's too. The active worker keeps answering while another model loads;
 * when the new one is ready it takes over and `onTakeOver` tells the row pipeline to decode again.
 */
import { errorText } from '../../mae/error-text.ts';
import { useStore } from '../../state/store.ts';
import { CrashPolicy } from '../../worker/crash-policy.ts';
import { isAbortError, MaeClient, type ClientOptions, type WorkerFactory } from '../../worker/mae-client.ts';
import type { EventMessage, LoadRequest, ProviderRequest } from '../../worker/messages.ts';
import { recordCspViolation } from '../../state/csp-log.ts';
import { baseName } from './model-folder.ts';
import { folderLabel, isWeightsFileName, isLocalModelUrl, localModelLabel, localModelUrl, type PickedFile } from './model-files.ts';
import { MODEL_ID, modelIdOf, parseModelIndex } from '../../mae/model-index.ts';
import { storePrecision, storedPrecision } from './precision-choice.ts';
import { calibrate, CALIBRATION_MEMORY_LIMIT, rememberThreads, storedMeasurement, threadsBySize, useThreadCalibration } from './thread-calibration.ts';
import { estimatedRuntimeBytes, type PrecisionRequest } from './weights/memory.ts';
import { formatBytes } from '../../mae/format-bytes.ts';
import type { LoadResult } from '../../worker/messages.ts';

const BASE = import.meta.env.BASE_URL;

/**
 * The thread measurement runs by itself on every build but the end-to-end test build, whose specs
 * count workers and rows and would see the extra workers; there `?calibrate` turns it on
 * (e2e/threads.spec.ts). The production build (e2e/pages.spec.ts) measures as a person's page does.
 */
function autoCalibrate(): boolean {
  return import.meta.env.MODE !== 'e2e' || new URLSearchParams(globalThis.location?.search ?? '').has('calibrate');
}

/**
 * Rows per inference call when a slider move asks for every row at once. Measured (see
 * docs/BENCHMARKS.md): batches of 8 cut the per-image time and the slider-to-last-row time on WASM
 * (about 1.3-1.5x) and on WebGPU (2.4x for 2 rows on SwiftShader); the cost is that rows appear
 * together instead of one by one.
 */
export const GRID_BATCH = 8;

export interface SessionOptions {
  /** Model folder URL, e.g. "/models/default/". */
  modelUrl: string;
  provider: ProviderRequest;
  /** WASM threads (?threads=N); null = one per logical core. */
  wasmThreads?: number | null;
  /** Most rows per inference call (?batch=N); null = GRID_BATCH. */
  maxBatch?: number | null;
  /** The first waiting row goes alone, the rest as a batch (`?lead=0` turns it off). Default: on. */
  leadAlone?: boolean | null;
  /** Where workers come from: the app's MAE module worker (tests pass a fake). */
  workerFactory: WorkerFactory;
  /** Keeps ?model= in the address in step with the active model (src/app/url-state.ts); default: nothing. */
  onActiveModel?: (url: string) => void;
}

export class ModelSession {
  private client: MaeClient | null = null;
  /** A model load in progress (a switch, a retry, a restart); the active client keeps working. */
  private loading: MaeClient | null = null;
  private generation = 0;
  private modelReady: Promise<boolean> = Promise.resolve(false);
  private resolveReady: ((ok: boolean) => void) | null = null;
  /** Model folder and provider of the active client (or of the first load, before one is active). */
  private modelUrl: string;
  private provider: ProviderRequest;
  /** The last load that failed, for the Retry button. */
  private failedLoad: { url: string; provider: ProviderRequest } | null = null;
  private readonly crashes = new CrashPolicy();
  /** Files of the models opened from disk, by their local URL (model-files.ts); the active one is kept. */
  private readonly localModels = new Map<string, NonNullable<LoadRequest['local']>>();
  private localCount = 0;
  private readonly clientSetups: ((client: MaeClient) => void)[] = [];
  /** A thread measurement is under way (thread-calibration.ts): one at a time. */
  private calibrating = false;
  /** Called when a newly loaded worker takes over (its rows must be decoded again). */
  onTakeOver: (client: MaeClient) => void = () => undefined;

  constructor(private readonly options: SessionOptions) {
    this.modelUrl = options.modelUrl;
    this.provider = options.provider;
  }

  start(): void {
    useStore.getState().setProvider({ requested: this.options.provider });
    void this.loadModel(this.options.modelUrl, this.options.provider);
    void this.listModels();
  }

  stop(): void {
    this.loading?.terminate();
    this.client?.terminate();
    this.client = null;
  }

  /** The worker that answers now (null before the first load, or after a crash). */
  get current(): MaeClient | null {
    return this.client;
  }

  /** The worker that answers, once a pending model load has settled (null if it failed). */
  async ready(): Promise<MaeClient | null> {
    return (await this.modelReady) ? this.client : null;
  }

  /** A load that will give a worker is under way (the first one, or a restart after a crash). */
  get awaitingModel(): boolean {
    return this.resolveReady !== null;
  }

  /** What the user asked for (auto / webgpu / wasm): the compare view's workers follow it. */
  get requestedProvider(): ProviderRequest {
    return useStore.getState().provider.requested;
  }

  get maxBatch(): number {
    return this.client?.maxBatch ?? this.options.maxBatch ?? GRID_BATCH;
  }

  /** Calls `setup` with every new worker's client before its model load is sent (the test build's page hooks use it). */
  onNewClient(setup: (client: MaeClient) => void): void {
    this.clientSetups.push(setup);
  }

  /**
   * A new worker and its client: every worker of the page comes from here (the compare view's
   * too), so all of them come from the same factory and get the same setups. Its owner applies
   * the crash policy in `options.onCrash` (CrashPolicy).
   */
  newClient(options: ClientOptions): MaeClient {
    const client = new MaeClient(this.options.workerFactory, options);
    for (const setup of this.clientSetups) setup(client);
    return client;
  }

  /** Switch execution provider: a fresh worker, the model again, every row again. */
  setProvider(provider: ProviderRequest): void {
    useStore.getState().setProvider({ requested: provider });
    void this.loadModel(this.modelUrl, provider);
  }

  /** Switch to models/<id>/. Until it is ready, and if it fails, the current model keeps working. */
  switchModel(id: string): void {
    if (!MODEL_ID.test(id)) return;
    const url = `${BASE}models/${id}/`;
    if (url === this.modelUrl && this.loading === null && useStore.getState().model.phase === 'ready') return;
    void this.loadModel(url, useStore.getState().provider.requested);
  }

  /**
   * A model folder from the user's disk (picker or drop). The worker reads and checks the files;
   * as with switchModel, the current model keeps working until it is ready, and stays if it fails.
   */
  loadLocalModel(files: readonly PickedFile[]): void {
    // A folder is named after itself; one weights file after the file.
    const label = folderLabel(files.map((f) => f.path)) ?? (files.length === 1 && isWeightsFileName(files[0].path) ? baseName(files[0].path) : null);
    const url = localModelUrl(++this.localCount, label);
    for (const known of this.localModels.keys()) if (known !== this.modelUrl) this.localModels.delete(known);
    this.localModels.set(url, { name: label, files: files.map((f) => ({ path: f.path, blob: f.file, ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.int8Only ? { int8Only: true } : {}) })),
    });
    void this.loadModel(url, useStore.getState().provider.requested);
  }

  /**
   * The active model when it was imported from a weights file (not a folder): its files, for the
   * compare view, which loads it beside the zoo. Null for bundled models and model folders.
   */
  activeImport(): { url: string; local: NonNullable<LoadRequest['local']> } | null {
    const url = useStore.getState().model.activeUrl;
    const local = url ? this.localModels.get(url) : undefined;
    return url && local && local.files.some((f) => isWeightsFileName(f.path)) ? { url, local } : null;
  }

  /**
   * The model card's exact / fast choice: kept (precision-choice.ts), and the active model loads again
   * in it (the current one keeps answering until then). Only imported weights have a choice.
   */
  setPrecision(precision: PrecisionRequest): void {
    storePrecision(precision);
    const url = useStore.getState().model.activeUrl;
    if (url && this.activeImport()) void this.loadModel(url, useStore.getState().provider.requested);
  }

  /** The Retry button: the last load that failed, again. */
  retryModel(): void {
    const f = this.failedLoad;
    if (f) void this.loadModel(f.url, f.provider);
  }

  private async listModels(): Promise<void> {
    let list: { id: string; name: string }[] = [];
    try {
      const res = await fetch(`${BASE}models/index.json`);
      if (res.ok) list = parseModelIndex(await res.json());
    } catch {
      /* no list: the selector shows the current model only */
    }
    useStore.getState().setModels(list);
  }

  /** The active worker crashed: start a new one with the same model; its rows run again. */
  private onCrash(client: MaeClient, message: string): void {
    if (client !== this.client) return;
    this.client = null;
    const crashes = this.crashes.record(Date.now());
    const store = useStore.getState();
    if (CrashPolicy.givesUp(crashes)) {
      this.failedLoad = { url: this.modelUrl, provider: this.provider };
      this.newReadyPromise();
      this.resolveReady?.(false);
      store.setModel({
        phase: 'error',
        error: `The worker crashed ${crashes} times in a minute (last: ${message}); stopped restarting it.`,
        message: 'Model failed',
      });
      return;
    }
    store.setNotice(`The worker stopped unexpectedly (${message}). It was restarted and the images are being processed again.`);
    this.newReadyPromise();
    void this.loadModel(this.modelUrl, this.provider);
  }

  private onWorkerEvent(client: MaeClient, ev: EventMessage): void {
    if (ev.kind === 'csp-violation') {
      recordCspViolation({ where: 'worker', directive: ev.directive, blockedURI: ev.blockedURI });
      return;
    }
    if (client !== this.client) return;
    useStore.getState().setProvider({ active: ev.provider, reason: ev.reason });
    useStore.getState().setNotice(ev.reason);
  }

  private newReadyPromise(): void {
    if (this.resolveReady) return; // one is already pending
    this.modelReady = new Promise<boolean>((r) => {
      this.resolveReady = (ok) => {
        this.resolveReady = null;
        r(ok);
      };
    });
  }

  /** Resolves once `client` has had no rows to run for two checks in a row (at most a minute). */
  private async idle(client: MaeClient): Promise<void> {
    let quiet = 0;
    for (let waited = 0; quiet < 2 && waited < 60_000; waited += 300) {
      await new Promise((r) => setTimeout(r, 300));
      quiet = client.busy ? 0 : quiet + 1;
    }
  }

  /**
   * The first load of a model of a size class on WASM with no remembered thread count and no
   * ?threads=N: measures the candidates in extra workers once the grid is idle, and remembers the
   * choice for the next load (thread-calibration.ts). The model that runs now keeps its threads.
   */
  private measureThreads(client: MaeClient, url: string, r: LoadResult, local: NonNullable<LoadRequest['local']> | undefined): void {
    const sizeClass = r.sizeClass ?? null;
    useThreadCalibration.setState({ source: r.threadsSource ?? null, sizeClass, measuring: false, result: sizeClass ? storedMeasurement(sizeClass) : null, skipped: null });
    const cores = (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
    if (this.calibrating || r.provider !== 'wasm' || this.options.wasmThreads || !sizeClass || storedMeasurement(sizeClass) || !autoCalibrate()) return;
    if (!globalThis.crossOriginIsolated || cores <= 1) return;
    const m = r.manifest;
    const params = (m.encoder.params ?? 0) + (m.decoder.params ?? 0);
    const int8 = (m.source as { precision?: string } | undefined)?.precision === 'int8';
    const need = estimatedRuntimeBytes(params, int8 ? 'int8' : 'fp32');
    if (need > CALIBRATION_MEMORY_LIMIT) {
      useThreadCalibration.setState({ skipped: `not measured for a model this large (a second copy would need about ${formatBytes(need)})` });
      return;
    }
    this.calibrating = true;
    const ratio = useStore.getState().maskRatio;
    void (async () => {
      try {
        await this.idle(client);
        if (this.client !== client) return;
        useThreadCalibration.setState({ measuring: true });
        const measured = await calibrate(cores, async (threads) => {
          await this.idle(client);
          if (this.client !== client) return null;
          const probe = this.newClient({ maxBatch: 1 });
          try {
            const res = await probe.load(url, 'wasm', {}, {
              wasmThreads: threads,
              warmup: { maskRatio: ratio, batch: 1, runs: 3 },
              ...(local ? { local, precision: storedPrecision() } : {}),
            });
            // the first run allocates; the faster of the two after it is the model's time
            const warm = (res.warmupRunsMs ?? []).slice(1);
            return res.wasmThreads === threads && warm.length > 0 ? Math.min(...warm) : null;
          } catch {
            return null;
          } finally {
            probe.terminate();
          }
        });
        if (measured) rememberThreads(sizeClass, measured);
        if (this.client === client) useThreadCalibration.setState({ measuring: false, result: measured });
      } finally {
        this.calibrating = false;
        if (this.client === client) useThreadCalibration.setState({ measuring: false });
      }
    })();
  }

  /**
   * Loads `url` with `provider` in a fresh worker. The active worker (if any) keeps answering until
   * the new one is ready; then the new one takes over and every row is decoded and run again. If
   * the load fails, the active model stays, and the error says which model failed and why.
   */
  private async loadModel(url: string, provider: ProviderRequest): Promise<void> {
    const gen = ++this.generation;
    this.loading?.terminate();
    const client: MaeClient = this.newClient({
      maxBatch: this.options.maxBatch ?? GRID_BATCH,
      leadAlone: this.options.leadAlone ?? true,
      onCrash: (message) => this.onCrash(client, message),
      onEvent: (ev) => this.onWorkerEvent(client, ev),
    });
    this.loading = client;
    const store = useStore.getState();
    const hasActive = this.client !== null && store.model.manifest !== null;
    if (!hasActive) {
      this.modelUrl = url;
      this.provider = provider;
      this.newReadyPromise();
      store.setProvider({ active: null, reason: '' });
    }
    store.setModel({ phase: 'probing', message: 'Starting…', loaded: 0, total: 0, error: null, switchError: null, loadingUrl: url });
    try {
      // Warm up at the page's ratio with one row: a batch-sized warm-up costs B inferences
      // (seconds) before the page says ready, and the first grid starts with one decoded row anyway.
      const warmup = { maskRatio: store.maskRatio, batch: 1 };
      const threads = this.options.wasmThreads ?? undefined;
      // A model from disk: its files (gone only if pruned, which the worker then reports as "no files").
      const local = isLocalModelUrl(url) ? (this.localModels.get(url) ?? { name: localModelLabel(url), files: [] }) : undefined;
      const r = await client.load(
        url,
        provider,
        {
          onStatus: (phase, message) => {
            if (gen === this.generation) useStore.getState().setModel({ phase, message });
          },
          onProgress: (loaded, total) => {
            if (gen === this.generation) useStore.getState().setModel({ loaded, total });
          },
        },
        {
          warmup,
          ...(threads ? { wasmThreads: threads } : { threadsBySize: threadsBySize() }),
          ...(local ? { local, precision: storedPrecision() } : {}),
        },
      );
      if (gen !== this.generation) return;
      // The new worker takes over.
      const old = this.client;
      this.client = client;
      this.loading = null;
      this.failedLoad = null;
      old?.terminate();
      this.modelUrl = url;
      this.provider = provider;
      useStore.getState().setModel({
        phase: 'ready',
        manifest: r.manifest,
        filesMs: r.filesMs,
        probeMs: r.probeMs,
        compileMs: r.compileMs,
        warmupMs: r.warmupMs,
        sessionsDetail: r.sessionsDetail ?? null,
        activeUrl: url,
        loadingUrl: null,
      });
      useStore.getState().setProvider({
        active: r.provider,
        reason: r.reason,
        adapter: r.adapter,
        wasmThreads: r.wasmThreads,
        wasmThreadsWhy: r.wasmThreadsWhy ?? null,
      });
      if (this.resolveReady) this.resolveReady(true);
      else this.modelReady = Promise.resolve(true);
      if (old !== null) this.options.onActiveModel?.(url);
      this.onTakeOver(client);
      this.measureThreads(client, url, r, local);
    } catch (e) {
      if (gen !== this.generation || isAbortError(e)) return;
      client.terminate();
      this.loading = null;
      this.failedLoad = { url, provider };
      const message = errorText(e).replace(/([^.!?])$/, '$1.');
      const s = useStore.getState();
      if (this.client !== null && s.model.manifest !== null) {
        const id = modelIdOf(url) ?? url;
        const what = isLocalModelUrl(url)
          ? `the model from your disk${localModelLabel(url) ? ` (“${localModelLabel(url)}”)` : ''}`
          : `the model “${id}”`;
        s.setModel({
          phase: 'ready',
          loadingUrl: null,
          switchError: `Could not load ${what}: ${message} Still using “${s.model.manifest.name}”.`,
        });
      } else {
        s.setModel({ phase: 'error', error: message, message: 'Model failed to load', loadingUrl: null });
        this.resolveReady?.(false);
      }
    }
  }
}

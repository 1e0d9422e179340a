/**
 * Glue between the store and the worker: loads the model, decodes images, asks for
 * reconstructions whenever the ratio / seed / mask mode changes.
 */
import { errorText } from '../mae/error-text.ts';
import { imageSeed } from '../mae/index.ts';
import { isAbortError, isCrash, MaeClient, MaeWorkerError } from '../worker/mae-client.ts';
import type { EventMessage, LoadRequest, ProviderRequest, SweepPoint, SweepResult } from '../worker/messages.ts';
import { providerFromSearch } from '../worker/provider.ts';
import { recordCspViolation } from './csp-log.ts';
import { folderLabel, isLocalModelUrl, localModelLabel, localModelUrl, type PickedFile } from './model-files.ts';
import { maskRequest, maskSettingsChanged, modelPatches } from './mask-mode.ts';
import { MODEL_ID, modelIdOf, parseModelIndex } from './model-index.ts';
import { useStore, type Row } from './store.ts';
import { admitFiles, UploadTracker } from './uploads.ts';

export interface EngineOptions {
  /** Model folder URL, e.g. "/models/default/". */
  modelUrl: string;
  provider: ProviderRequest;
  /** Sample names to show; null = all from samples.json. */
  samples: string[] | null;
  /** How many samples at most (from ?samples=N). */
  sampleLimit: number | null;
  /** WASM threads (?threads=N); null = one per logical core. */
  wasmThreads?: number | null;
  /** Most rows per inference call (?batch=N); null = GRID_BATCH. */
  maxBatch?: number | null;
  /** The first waiting row goes alone, the rest as a batch (`?lead=0` turns it off). Default: on. */
  leadAlone?: boolean | null;
}

/** Restarts of a crashed worker allowed within CRASH_WINDOW_MS before the engine gives up. */
const MAX_RESTARTS = 3;
const CRASH_WINDOW_MS = 60_000;

const BASE = import.meta.env.BASE_URL;

/**
 * Rows per inference call when a slider move asks for every row at once. Measured (see
 * docs/BENCHMARKS.md): batches of 8 cut the per-image time and the slider-to-last-row time on WASM
 * (about 1.3-1.5x) and on WebGPU (2.4x for 2 rows on SwiftShader); the cost is that rows appear
 * together instead of one by one.
 */
export const GRID_BATCH = 8;

/** Reads ?ep=, ?samples=, ?model=, ?ratio=, ?seed=, ?same=, ?threads=, ?batch= from the page URL. */
export function optionsFromUrl(search: string): EngineOptions & { ratio: number | null; seed: number | null; same: boolean | null } {
  const q = new URLSearchParams(search);
  const model = q.get('model');
  const samplesParam = q.get('samples');
  let samples: string[] | null = null;
  let sampleLimit: number | null = null;
  if (samplesParam !== null) {
    if (/^\d+$/.test(samplesParam)) sampleLimit = Number(samplesParam);
    else
      samples = samplesParam
        .split(',')
        .map((s) => s.trim())
        .filter((s) => /^[\w-]+$/.test(s));
  }
  const num = (k: string): number | null => {
    const v = q.get(k);
    return v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
  };
  const same = q.get('same');
  const count = (k: string): number | null => {
    const v = num(k);
    return v !== null && Number.isInteger(v) && v >= 1 && v <= 64 ? v : null;
  };
  return {
    modelUrl: `${BASE}models/${model && /^[\w-]+$/.test(model) ? model : 'default'}/`,
    provider: providerFromSearch(search) ?? 'auto',
    samples,
    sampleLimit,
    ratio: num('ratio'),
    seed: num('seed'),
    same: same === null ? null : same === '1' || same === 'true',
    wasmThreads: count('threads'),
    maxBatch: count('batch'),
    leadAlone: q.get('lead') === null ? null : q.get('lead') !== '0',
  };
}

interface Source {
  name: string;
  blob: Promise<Blob>;
}

let rowCounter = 0;
function newRowId(prefix: string): string {
  rowCounter += 1;
  return `${prefix}-${rowCounter}`;
}

/** The sweep of a row cannot run, and waiting will not help (unreadable image, failed model): the message says why. */
export class SweepUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepUnavailableError';
  }
}

/** Keeps ?model= in the address bar in step with the selector, so a reload keeps the choice. */
function syncModelParam(url: string): void {
  const id = modelIdOf(url);
  if (!id || typeof window === 'undefined') return;
  const q = new URLSearchParams(window.location.search);
  if (id === 'default') q.delete('model');
  else q.set('model', id);
  const search = q.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}${window.location.hash}`);
}

export class Engine {
  private client: MaeClient | null = null;
  private readonly sources = new Map<string, Source>();
  /** Rows decoded by the current client's worker. */
  private decoded = new Set<string>();
  /** Which client a row's decode was started for (a row is decoded once per worker). */
  private readonly decodingBy = new Map<string, MaeClient>();
  /** Rows whose file could not be fetched or decoded: no model change will fix them. */
  private readonly unreadable = new Set<string>();
  /** Latest request token per row: a result only clears "busy" if it answers the latest one. */
  private readonly latest = new Map<string, number>();
  private token = 0;
  private generation = 0;
  private modelReady: Promise<boolean> = Promise.resolve(false);
  private resolveReady: ((ok: boolean) => void) | null = null;
  /** A model load in progress (a switch, a retry, a restart); the active client keeps working. */
  private loading: MaeClient | null = null;
  /** Model folder and provider of the active client (or of the first load, before one is active). */
  private modelUrl: string;
  private provider: ProviderRequest;
  /** The last load that failed, for the Retry button. */
  private failedLoad: { url: string; provider: ProviderRequest } | null = null;
  private readonly crashes: number[] = [];
  private unsubscribe: (() => void) | null = null;
  private readonly disposers: (() => void)[] = [];
  private readonly uploads = new UploadTracker();
  /** Files of the models opened from disk, by their local URL (model-files.ts); the active one is kept. */
  private readonly localModels = new Map<string, NonNullable<LoadRequest['local']>>();
  private localCount = 0;
  private readonly clientSetups: ((client: MaeClient) => void)[] = [];

  constructor(private readonly options: EngineOptions) {
    this.modelUrl = options.modelUrl;
    this.provider = options.provider;
  }

  start(): void {
    this.unsubscribe = useStore.subscribe((s, prev) => {
      if (maskSettingsChanged(s, prev)) this.requestAll();
    });
    useStore.getState().setProvider({ requested: this.options.provider });
    void this.loadModel(this.options.modelUrl, this.options.provider);
    void this.addSamples();
    void this.listModels();
  }

  /** The encoded file behind a row (the compare view decodes it again at each zoo model's size). */
  rowBlob(rowId: string): Promise<Blob> | null {
    return this.sources.get(rowId)?.blob ?? null;
  }

  /** What the user asked for (auto / webgpu / wasm): the compare view's workers follow it. */
  get requestedProvider(): ProviderRequest {
    return useStore.getState().provider.requested;
  }

  /** Runs `dispose` on stop(): listeners other modules hang on the engine (e.g. the sweep's watch). */
  onStop(dispose: () => void): void {
    this.disposers.push(dispose);
  }

  stop(): void {
    this.unsubscribe?.();
    for (const dispose of this.disposers.splice(0)) dispose();
    this.loading?.terminate();
    this.client?.terminate();
    this.client = null;
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
    const label = folderLabel(files.map((f) => f.path));
    const url = localModelUrl(++this.localCount, label);
    for (const known of this.localModels.keys()) if (known !== this.modelUrl) this.localModels.delete(known);
    this.localModels.set(url, { name: label, files: files.map((f) => ({ path: f.path, blob: f.file })) });
    void this.loadModel(url, useStore.getState().provider.requested);
  }

  /** The Retry button: the last load that failed, again. */
  retryModel(): void {
    const f = this.failedLoad;
    if (f) void this.loadModel(f.url, f.provider);
  }

  /** Calls `setup` with every new worker's client before its model load is sent (the test build's page hooks use it). */
  onNewClient(setup: (client: MaeClient) => void): void {
    this.clientSetups.push(setup);
  }

  /** The worker that answers now (null before the first load, or after a crash). */
  get currentClient(): MaeClient | null {
    return this.client;
  }

  /** The worker that answers, once a pending model load has settled (null if it failed). */
  async activeClient(): Promise<MaeClient | null> {
    return (await this.modelReady) ? this.client : null;
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
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0] > CRASH_WINDOW_MS) this.crashes.shift();
    const store = useStore.getState();
    if (this.crashes.length > MAX_RESTARTS) {
      this.failedLoad = { url: this.modelUrl, provider: this.provider };
      this.newReadyPromise();
      this.resolveReady?.(false);
      store.setModel({
        phase: 'error',
        error: `The worker crashed ${this.crashes.length} times in a minute (last: ${message}); stopped restarting it.`,
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

  /**
   * Loads `url` with `provider` in a fresh worker. The active worker (if any) keeps answering until
   * the new one is ready; then the new one takes over and every row is decoded and run again. If
   * the load fails, the active model stays, and the error says which model failed and why.
   */
  private async loadModel(url: string, provider: ProviderRequest): Promise<void> {
    const gen = ++this.generation;
    this.loading?.terminate();
    const maxBatch = this.options.maxBatch ?? GRID_BATCH;
    const client: MaeClient = new MaeClient(undefined, {
      maxBatch,
      leadAlone: this.options.leadAlone ?? true,
      onCrash: (message) => this.onCrash(client, message),
      onEvent: (ev) => this.onWorkerEvent(client, ev),
    });
    this.loading = client;
    for (const setup of this.clientSetups) setup(client);
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
        { warmup, ...(threads ? { wasmThreads: threads } : {}), ...(local ? { local } : {}) },
      );
      if (gen !== this.generation) return;
      // The new worker takes over.
      const old = this.client;
      this.client = client;
      this.loading = null;
      this.failedLoad = null;
      old?.terminate();
      this.decoded = new Set();
      this.modelUrl = url;
      this.provider = provider;
      useStore.getState().setModel({
        phase: 'ready',
        manifest: r.manifest,
        downloadMs: r.downloadMs,
        compileMs: r.compileMs,
        warmupMs: r.warmupMs,
        activeUrl: url,
        loadingUrl: null,
      });
      useStore.getState().setProvider({ active: r.provider, reason: r.reason, adapter: r.adapter, wasmThreads: r.wasmThreads });
      if (this.resolveReady) this.resolveReady(true);
      else this.modelReady = Promise.resolve(true);
      if (old !== null) syncModelParam(url);
      for (const row of useStore.getState().rows) if (!this.unreadable.has(row.id)) void this.decodeRow(row.id);
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

  private async addSamples(): Promise<void> {
    let names: string[];
    try {
      const res = await fetch(`${BASE}samples/samples.json`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      names = ((await res.json()) as unknown[]).filter((n): n is string => typeof n === 'string');
    } catch (e) {
      useStore.getState().setNotice(`Could not list the sample photos: ${errorText(e)}`);
      return;
    }
    if (this.options.samples) {
      const wanted = this.options.samples;
      names = wanted.filter((n) => names.includes(n));
    }
    if (this.options.sampleLimit !== null) names = names.slice(0, this.options.sampleLimit);
    for (const name of names) {
      const blob = fetch(`${BASE}samples/${encodeURIComponent(name)}.jpg`).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.blob();
      });
      this.addSource(name, 'sample', blob, false);
    }
  }

  /** Files from the picker, a drop or a paste. Every file gets a row, even one that won't decode. */
  addFiles(files: Iterable<File>): void {
    const offered = [...files];
    const { take, notice } = admitFiles(offered.length, useStore.getState().rows.length);
    if (notice) useStore.getState().setNotice(notice);
    // Reverse so that the first chosen file ends up on top.
    const ids = offered
      .slice(0, take)
      .reverse()
      .map((f) => this.addSource(f.name || 'pasted image', 'upload', Promise.resolve(f), true));
    this.uploads.add(ids);
  }

  removeRow(id: string): void {
    this.sources.delete(id);
    this.decoded.delete(id);
    this.decodingBy.delete(id);
    this.unreadable.delete(id);
    this.latest.delete(id);
    this.client?.forget(id);
    useStore.getState().removeRow(id);
  }

  private addSource(name: string, origin: Row['origin'], blob: Promise<Blob>, atTop: boolean): string {
    const id = newRowId(origin);
    blob.catch(() => undefined); // handled in decodeRow
    this.sources.set(id, { name, blob });
    useStore.getState().addRow({ id, name, origin }, atTop);
    void this.decodeRow(id);
    return id;
  }

  private async decodeRow(id: string): Promise<void> {
    const src = this.sources.get(id);
    if (!src || (this.client !== null && this.decodingBy.get(id) === this.client)) return;
    const update = (patch: Partial<Row>): void => useStore.getState().updateRow(id, patch);
    let blob: Blob;
    try {
      blob = await src.blob;
    } catch (e) {
      this.unreadable.add(id);
      update({ status: 'error', busy: false, error: `Could not fetch “${src.name}”: ${errorText(e)}` });
      return;
    }
    // Before the first model is ready there is no worker to decode in: wait for it.
    const ready = await this.modelReady;
    const client = this.client;
    if (!ready || !client) {
      if (!this.resolveReady)
        update({ status: 'error', busy: false, error: 'Not processed: the model did not load (see the message above).' });
      return;
    }
    if (this.decodingBy.get(id) === client || !this.sources.has(id)) return;
    this.decodingBy.set(id, client);
    update({ status: 'decoding', busy: true });
    try {
      const r = await client.decode(id, src.name, blob);
      if (client !== this.client || !this.sources.has(id)) return;
      this.decoded.add(id);
      update({ status: 'waiting', sourceSize: { width: r.sourceWidth, height: r.sourceHeight }, decodeInfo: r });
      this.requestRow(id);
    } catch (e) {
      if (client !== this.client || isAbortError(e) || isCrash(e)) return;
      if (e instanceof MaeWorkerError && e.code === 'decode') this.unreadable.add(id);
      update({ status: 'error', busy: false, error: errorText(e) });
    }
  }

  requestAll(): void {
    for (const row of useStore.getState().rows) this.requestRow(row.id);
  }

  private requestRow(id: string): void {
    const client = this.client;
    if (!client || !this.decoded.has(id)) return;
    const s = useStore.getState();
    const row = s.rows.find((r) => r.id === id);
    if (!row) return;
    const token = ++this.token;
    this.latest.set(id, token);
    const seed = imageSeed(s.seed, row.seedIndex, s.sameMaskForAll);
    if (!row.busy) s.updateRow(id, { busy: true });
    client.reconstruct({ imageId: id, seed, ...maskRequest(s, modelPatches(s)) }).then(
      (result) => {
        if (client !== this.client || !this.sources.has(id)) return;
        useStore.getState().updateRow(id, { result, status: 'done', error: null, busy: this.latest.get(id) !== token });
      },
      (e: unknown) => {
        if (isAbortError(e) || isCrash(e) || client !== this.client) return;
        useStore.getState().updateRow(id, { status: 'error', busy: false, error: `Reconstruction failed: ${errorText(e)}` });
      },
    );
  }

  /**
   * Why a row that is not decoded by the active worker will not be (so a sweep waiting for it
   * would wait forever): its file is unreadable, its decode failed, or the model failed. Null when
   * the row is decoded, or its decode is still to come.
   */
  sweepBlocker(rowId: string): string | null {
    if (this.client !== null && this.decoded.has(rowId)) return null;
    const s = useStore.getState();
    const row = s.rows.find((r) => r.id === rowId);
    if (!row) return 'The image was removed.';
    if (s.model.phase === 'error') return `The sweep cannot run: the model failed (${s.model.error ?? 'see the message above'}).`;
    if (this.unreadable.has(rowId) || row.status === 'error')
      return `The sweep cannot run: “${row.name}” was not processed (${row.error ?? 'unreadable'}).`;
    return null;
  }

  /**
   * Masking-ratio sweep of a row on the active worker (MaeClient.sweep); state/sweep.ts drives it.
   * Rejects with an AbortError when the row is not decoded by the active worker yet (its decode
   * is coming: a model switch re-decodes it), with a SweepUnavailableError when it never will be.
   */
  sweep(
    rowId: string,
    params: { ratios: number[]; seeds: number[]; strategy: 'random' | 'block' | 'grid' },
    onPoint: (point: SweepPoint, done: number, total: number) => void,
    signal: AbortSignal,
  ): Promise<SweepResult> {
    const client = this.client;
    const blocker = this.sweepBlocker(rowId);
    if (blocker) return Promise.reject(new SweepUnavailableError(blocker));
    if (!client || !this.decoded.has(rowId))
      return Promise.reject(new DOMException('the image is not decoded by the active model yet', 'AbortError'));
    return client.sweep({ imageId: rowId, ...params }, onPoint, signal);
  }

  get maxBatch(): number {
    return this.client?.maxBatch ?? this.options.maxBatch ?? GRID_BATCH;
  }

  get queued(): number {
    return this.client?.queuedCount ?? 0;
  }

  /** Scheduling counters of the current worker (see MaeClient.stats). */
  get stats(): { requested: number; dispatched: number; superseded: number } {
    return { ...(this.client?.stats ?? { requested: 0, dispatched: 0, superseded: 0 }) };
  }
}

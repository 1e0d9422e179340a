/// <reference lib="webworker" />
/**
 * The MAE worker: owns onnxruntime-web (WebGPU via JSEP, or multi-threaded WASM), decodes and
 * preprocesses images, runs encoder + decoder, builds the four panels and the metrics. The main
 * thread only draws pixels.
 *
 * Work is serialised through one promise chain: ONNX sessions are not re-entrant, and the client
 * (MaeClient) already drops stale requests before they get here.
 */
import type * as ort from 'onnxruntime-web';
import { errorText } from '../mae/error-text.ts';
import {
  compositeOnBackground,
  compositePanels,
  encodePatchFeatures,
  maskFromHidden,
  masksFor,
  type MaskSpec,
  numPatches as manifestNumPatches,
  graphSignatureProblems,
  ModelContractError,
  testRunProblems,
  type GraphSignature,
  randomMasking,
  reconstruct,
  reconstructBatch,
  reconstructionMetrics,
  resizeShorterSideCenterCrop,
  toNormalizedChw,
  type MaeSessions,
  type MaskIds,
  type ModelManifest,
} from '../mae/index.ts';
import {
  transferablesOf,
  type AdapterFault,
  type CompareRequest,
  type DecodeRequest,
  type FaultRequest,
  type ErrorMessage,
  type LoadRequest,
  type LoadResult,
  type Provider,
  type ReconstructBatchRequest,
  type ReconstructRequest,
  type ResultMap,
  type RunRawRequest,
  type SweepRequest,
  type WorkerRequest,
  type WorkerResponse,
} from './messages.ts';
import { decodeImageFile, ImageDecodeError, type DecodedImage } from './decode-image.ts';
import { downloadModelFiles, fetchManifest, ModelLoadError } from './model-download.ts';
import { readLocalModel, type LocalModel } from './model-local.ts';
import { chooseProvider, describeAdapter, type AdapterSummary } from './provider.ts';
import { SweepRunner } from './sweep-runner.ts';

/** Transparent pixels are composited on white (what most viewers show behind a PNG); rows say so. */
const DECODE_BACKGROUND: [number, number, number] = [255, 255, 255];

declare const self: DedicatedWorkerGlobalScope;

// ---- onnxruntime-web environment: runtime files from our own origin, threads when isolated ----
/**
 * One WASM thread per logical core (SharedArrayBuffer threads need cross-origin isolation, which
 * the server's COOP/COEP headers give). A load request may ask for fewer or more (`?threads=N`)
 * before the WASM backend starts, i.e. at the first load of this worker.
 */
let wasmThreads = self.crossOriginIsolated ? Math.max(1, navigator.hardwareConcurrency || 1) : 1;
let backendStarted = false;

type OrtRuntime = typeof ort;
const runtimes = new Map<Provider, OrtRuntime>();

/**
 * onnxruntime-web, imported once the provider is chosen: for WASM the WASM-only build (a 14 MB
 * .wasm), for WebGPU the JSEP build (WebGPU + WASM in a 28 MB .wasm). Chromium compiles the whole
 * module in the background after instantiation; half the code is seconds less CPU taken from the
 * first reconstructions on a small machine (measured in docs/BENCHMARKS.md).
 */
async function runtimeFor(provider: Provider): Promise<OrtRuntime> {
  const cached = runtimes.get(provider) ?? (provider === 'wasm' ? runtimes.get('webgpu') : undefined);
  if (cached) return cached;
  const rt: OrtRuntime = provider === 'webgpu' ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
  rt.env.wasm.wasmPaths = new URL(`${import.meta.env.BASE_URL}ort/`, self.location.href).href;
  rt.env.wasm.numThreads = wasmThreads;
  rt.env.logLevel = 'error';
  runtimes.set(provider, rt);
  return rt;
}

// ---- minimal WebGPU typings (TypeScript's lib has none; @webgpu/types is not a dependency) ----
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

interface Model {
  manifest: ModelManifest;
  sessions: MaeSessions;
  provider: Provider;
  numPatches: number;
  /** the runtime's Tensor class (tensors must come from the runtime that runs the session) */
  Tensor: typeof ort.Tensor;
  /** WebGPU only: the graph bytes, kept to rebuild the sessions on WASM if the GPU goes away. */
  bytes?: Map<string, Uint8Array<ArrayBuffer>>;
}

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** Why onnxruntime's WebGPU device was lost (device.lost resolved), or null while it is fine. */
let gpuLost: string | null = null;
let gpuLostSignal: Promise<never> | null = null;

let model: Model | null = null;
const images = new Map<string, Float32Array>();

function post(msg: WorkerResponse): void {
  self.postMessage(msg, transferablesOf(msg));
}

class WorkerError extends Error {
  constructor(
    message: string,
    readonly code: ErrorMessage['code'],
  ) {
    super(message);
  }
}

// ------------------------------------------------------------------------------------------------
// Provider probing

async function probeAdapter(
  inject: readonly AdapterFault[] = [],
): Promise<{ adapter: GpuAdapterLike | null; summary: AdapterSummary | null; why: string }> {
  const gpu = inject.includes('no-webgpu') ? undefined : (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (!gpu) return { adapter: null, summary: null, why: 'this browser has no navigator.gpu' };
  try {
    if (inject.includes('adapter-error')) throw new Error('simulated adapter failure (test hook)');
    const adapter = inject.includes('adapter-null') ? null : await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { adapter: null, summary: null, why: 'requestAdapter() returned no adapter' };
    const info = adapter.info ?? {};
    const summary: AdapterSummary = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
      isFallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    };
    return { adapter, summary, why: '' };
  } catch (e) {
    return { adapter: null, summary: null, why: `requestAdapter() failed: ${errorText(e)}` };
  }
}

/** Inputs and outputs of a session as the model checks read them. */
function signatureOf(s: ort.InferenceSession): GraphSignature {
  const info = (vs: readonly ort.InferenceSession.ValueMetadata[]) =>
    vs.map((v) => (v.isTensor ? { name: v.name, type: v.type, shape: v.shape } : { name: v.name }));
  return { inputs: info(s.inputMetadata), outputs: info(s.outputMetadata) };
}

async function handleLoad(req: LoadRequest): Promise<LoadResult> {
  const t0 = performance.now();
  if (!backendStarted && self.crossOriginIsolated && req.wasmThreads !== undefined && req.wasmThreads >= 1) {
    wasmThreads = Math.floor(req.wasmThreads);
  }
  // A folder from the user's disk is read and checked before anything heavy (GPU probe, runtime).
  let local: LocalModel | null = null;
  if (req.local) {
    post({ type: 'status', id: req.id, phase: 'downloading', message: 'Reading the model files…' });
    try {
      local = await readLocalModel(req.local.files, (loaded, total, file) => post({ type: 'progress', id: req.id, loaded, total, file }));
    } catch (e) {
      if (e instanceof ModelLoadError) throw new WorkerError(e.message, 'model');
      throw e;
    }
  }
  post({ type: 'status', id: req.id, phase: 'probing', message: 'Looking for a GPU…' });
  const probe = await probeAdapter(req.inject);
  const choice = { ...chooseProvider(req.provider, probe.summary, probe.why) };
  // The JSEP build also runs the WASM fallback, should the WebGPU session fail.
  const rt = await runtimeFor(choice.provider);
  if (choice.provider === 'webgpu' && probe.adapter) {
    try {
      // Same adapter for ORT as the one we judged (deprecated in favour of env.webgpu.device, but
      // simplest; ORT creates the device itself).
      rt.env.webgpu.adapter = probe.adapter;
    } catch {
      /* the backend was already initialised by an earlier session: it keeps its adapter */
    }
  }

  const base = new URL(req.modelUrl, self.location.href);
  let manifest: ModelManifest;
  let bytes: Map<string, Uint8Array<ArrayBuffer>>;
  if (local) {
    ({ manifest, bytes } = local);
  } else {
    post({ type: 'status', id: req.id, phase: 'downloading', message: 'Downloading the model…' });
    try {
      manifest = await fetchManifest(base);
      bytes = await downloadModelFiles(base, manifest, (loaded, total, file) =>
        post({ type: 'progress', id: req.id, loaded, total, file }),
      );
    } catch (e) {
      if (e instanceof ModelLoadError) throw new WorkerError(e.message, 'model');
      throw e;
    }
  }
  // Who "does not fit its manifest" in a contract error.
  const where = local ? 'The folder' : `The model at ${base.pathname}`;
  const t1 = performance.now();

  post({
    type: 'status',
    id: req.id,
    phase: 'compiling',
    message: choice.provider === 'webgpu' ? 'Compiling for WebGPU…' : 'Preparing the WASM runtime…',
  });
  const sessionFor = async (part: ModelManifest['encoder']): Promise<ort.InferenceSession> => {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [choice.provider], // one EP only: what is reported is what runs
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3, // errors only: the CPU fallback of shape ops is expected, not news
    };
    // WebGPU: the encoder's latent stays in a GPU buffer and goes straight into the decoder
    // (reconstructBatch passes the tensor through and disposes it); only `pred` is read back.
    if (choice.provider === 'webgpu' && part === manifest.encoder) options.preferredOutputLocation = { latent: 'gpu-buffer' };
    const ext = part.externalData ?? [];
    if (ext.length > 0) {
      options.externalData = ext.map((path) => ({ path, data: bytes.get(path) as Uint8Array }));
    }
    try {
      return await rt.InferenceSession.create(bytes.get(part.file) as Uint8Array, options);
    } catch (e) {
      throw new Error(`onnxruntime could not load ${part.file}: ${errorText(e)}`);
    }
  };
  // Release the previous model before building the next one.
  if (model) await releaseModel(model);
  model = null;
  let warmupMs = 0;
  const createBoth = async (): Promise<MaeSessions> => {
    backendStarted = true;
    const encoder = await sessionFor(manifest.encoder);
    let decoder: ort.InferenceSession | null = null;
    try {
      decoder = await sessionFor(manifest.decoder);
      const both = { encoder, decoder };
      // Inputs, outputs and fixed dims against the manifest: a model problem, no provider fixes it.
      const problems = graphSignatureProblems(manifest, signatureOf(encoder), signatureOf(decoder));
      if (problems.length > 0) throw new ModelContractError(problems.join(' '));
      // A WebGPU problem may only show at the first run: warm up (and check the output dims)
      // inside the fallback's reach.
      warmupMs = await warmUp(both, rt.Tensor, manifest, req.warmup?.maskRatio ?? 0.75, req.warmup?.batch ?? 1);
      return both;
    } catch (e) {
      await Promise.allSettled([encoder.release(), decoder?.release()]);
      throw e;
    }
  };
  let sessions: MaeSessions;
  try {
    sessions = await createBoth();
  } catch (e) {
    if (e instanceof ModelContractError) throw new WorkerError(`${where} does not fit its manifest: ${e.message}`, 'model');
    if (choice.provider === 'wasm') throw new WorkerError(`Could not create the WASM session: ${errorText(e)}`, 'model');
    // WebGPU can fail late (device lost, missing op, limits): say so and run on WASM instead.
    choice.reason = `WebGPU session failed (${errorText(e)}): using WASM`;
    choice.provider = 'wasm';
    try {
      sessions = await createBoth();
    } catch (e2) {
      if (e2 instanceof ModelContractError) throw new WorkerError(`${where} does not fit its manifest: ${e2.message}`, 'model');
      throw new WorkerError(`Could not create the WASM session: ${errorText(e2)}`, 'model');
    }
  }
  const t2 = performance.now();
  model = { manifest, sessions, provider: choice.provider, numPatches: manifestNumPatches(manifest), Tensor: rt.Tensor };
  if (choice.provider === 'webgpu') {
    model.bytes = bytes;
    await watchGpuDevice(rt);
  }
  post({ type: 'status', id: req.id, phase: 'ready', message: 'Ready' });
  return {
    provider: choice.provider,
    reason: choice.reason,
    manifest,
    adapter: probe.summary ? describeAdapter(probe.summary) : null,
    wasmThreads,
    downloadMs: t1 - t0,
    compileMs: t2 - t1 - warmupMs,
    warmupMs,
  };
}

/**
 * One run on a blank image at the ratio the page starts with, batch rows at once: allocates the
 * buffers and (WebGPU) compiles the kernels for these shapes before the first real request.
 */
async function warmUp(
  sessions: MaeSessions,
  Tensor: typeof ort.Tensor,
  manifest: ModelManifest,
  maskRatio: number,
  batch: number,
): Promise<number> {
  const t = performance.now();
  const L = manifestNumPatches(manifest);
  const image = new Float32Array(3 * manifest.imgSize * manifest.imgSize);
  const B = Math.max(1, Math.min(64, Math.floor(batch)));
  const items = Array.from({ length: B }, (_, b) => ({ image, masks: randomMasking(b, L, Math.min(1, Math.max(0, maskRatio))) }));
  let out: Awaited<ReturnType<typeof reconstructBatch>>;
  try {
    out = await reconstructBatch(sessions, Tensor, items, manifest.imgSize);
  } catch (e) {
    throw new Error(`the test run of the model failed: ${errorText(e)}`);
  }
  const [b, tokens, d] = out.latentDims;
  const problems = b === B ? testRunProblems(manifest, items[0].masks.idsKeep.length, [1, tokens, d], out.preds[0].length) : [];
  if (problems.length > 0) throw new ModelContractError(problems.join(' '));
  return performance.now() - t;
}

async function releaseModel(m: Model): Promise<void> {
  await Promise.allSettled([m.sessions.encoder.release(), m.sessions.decoder.release()]);
}

// ------------------------------------------------------------------------------------------------
// Images

// ------------------------------------------------------------------------------------------------
// Losing the GPU: device.lost, or a WebGPU run that fails, moves the model to WASM and re-runs.

async function watchGpuDevice(rt: OrtRuntime): Promise<void> {
  const device = (await Promise.resolve(rt.env.webgpu.device as unknown as GpuDeviceLike | Promise<GpuDeviceLike> | undefined)) ?? null;
  if (!device) return;
  gpuLost = null;
  gpuLostSignal = device.lost.then((info) => {
    gpuLost = info.message || info.reason || 'unknown reason';
    throw new Error(`the GPU device was lost (${gpuLost})`);
  });
  gpuLostSignal.catch(() => undefined);
}

async function createWasmSessions(
  rt: OrtRuntime,
  manifest: ModelManifest,
  bytes: Map<string, Uint8Array<ArrayBuffer>>,
): Promise<MaeSessions> {
  const create = (part: ModelManifest['encoder']): Promise<ort.InferenceSession> =>
    rt.InferenceSession.create(bytes.get(part.file) as Uint8Array, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...((part.externalData ?? []).length > 0
        ? { externalData: (part.externalData ?? []).map((path) => ({ path, data: bytes.get(path) as Uint8Array })) }
        : {}),
    });
  const encoder = await create(manifest.encoder);
  try {
    return { encoder, decoder: await create(manifest.decoder) };
  } catch (e) {
    await encoder.release().catch(() => undefined);
    throw e;
  }
}

let moving: Promise<Model> | null = null;

/**
 * The WASM-only onnxruntime-web build, as a module instance of its own. After a device loss in the
 * middle of a run the JSEP build's state still holds that run ("Session already started"), so the
 * fallback must not share it.
 */
async function freshWasmRuntime(): Promise<OrtRuntime> {
  const rt: OrtRuntime = await import('onnxruntime-web/wasm');
  rt.env.wasm.wasmPaths = new URL(`${import.meta.env.BASE_URL}ort/`, self.location.href).href;
  rt.env.wasm.numThreads = wasmThreads;
  rt.env.logLevel = 'error';
  return rt;
}

/** Rebuilds the model on WASM (the WASM-only runtime) and tells the page why. */
function moveToWasm(why: string): Promise<Model> {
  moving ??= (async () => {
    const m = requireModel();
    if (m.provider === 'wasm') return m;
    if (!m.bytes) throw new WorkerError(`WebGPU stopped working (${why}) and the model cannot be rebuilt.`, 'model');
    void Promise.allSettled([m.sessions.encoder.release(), m.sessions.decoder.release()]);
    let sessions: MaeSessions;
    let rt: OrtRuntime;
    try {
      rt = await freshWasmRuntime();
      sessions = await createWasmSessions(rt, m.manifest, m.bytes);
    } catch (e) {
      model = null;
      throw new WorkerError(`WebGPU stopped working (${why}), and the WASM session failed too: ${errorText(e)}`, 'model');
    }
    const next: Model = { manifest: m.manifest, sessions, provider: 'wasm', numPatches: m.numPatches, Tensor: rt.Tensor };
    model = next;
    runtimes.set('wasm', rt);
    post({ type: 'event', id: 0, kind: 'provider-changed', provider: 'wasm', reason: `WebGPU stopped working: ${why}. Moved to WASM.` });
    return next;
  })().finally(() => {
    moving = null;
  });
  return moving;
}

/**
 * Runs `run` on the current model. On WebGPU, a lost device (before or during the run) or a run
 * that fails moves the model to WASM, and the same work runs again there.
 */
let gpuRunsInFlight = 0;

async function withGpuFallback<T>(run: (m: Model) => Promise<T>): Promise<{ value: T; m: Model }> {
  let m = requireModel();
  if (m.provider === 'webgpu' && gpuLost) m = await moveToWasm(`the GPU device was lost (${gpuLost})`);
  if (m.provider !== 'webgpu') return { value: await run(m), m };
  gpuRunsInFlight += 1;
  try {
    const value = await (gpuLostSignal ? Promise.race([run(m), gpuLostSignal]) : run(m));
    return { value, m };
  } catch (e) {
    const why = gpuLost ? `the GPU device was lost (${gpuLost})` : `a WebGPU run failed (${errorText(e)})`;
    m = await moveToWasm(why);
    return { value: await run(m), m };
  } finally {
    gpuRunsInFlight -= 1;
  }
}

// ------------------------------------------------------------------------------------------------
// Test hooks (docs/RELIABILITY.md)

function handleFault(req: FaultRequest): void {
  const answer = (detail: string): void => post({ type: 'result', id: req.id, request: 'fault', result: { kind: req.kind, detail } });
  if (req.kind === 'crash') {
    answer('the worker throws an uncaught error now');
    setTimeout(() => {
      throw new Error('simulated worker crash (test hook)');
    }, 0);
    return;
  }
  const rt = runtimes.get('webgpu');
  if (model?.provider !== 'webgpu' || !rt) {
    post({
      type: 'error',
      id: req.id,
      request: 'fault',
      message: 'gpu-device-lost: the model is not running on WebGPU',
      code: 'not-ready',
    });
    return;
  }
  // After the first session, env.webgpu.device is the device itself (a promise before that).
  void Promise.resolve(rt.env.webgpu.device as unknown as GpuDeviceLike | Promise<GpuDeviceLike>).then((device) => {
    const during = gpuRunsInFlight > 0;
    device.destroy();
    answer(`GPUDevice.destroy() called ${during ? 'during a run' : 'while idle'}`);
  });
}

function requireModel(): Model {
  if (!model) throw new WorkerError('The model is not loaded yet.', 'not-ready');
  return model;
}

async function handleDecode(req: DecodeRequest): Promise<ResultMap['decode']> {
  const m = requireModel();
  let img: DecodedImage;
  try {
    img = await decodeImageFile(req.blob, req.name);
  } catch (e) {
    if (e instanceof ImageDecodeError) throw new WorkerError(e.message, 'decode');
    throw e;
  }
  const rgba = img.rgba;
  const square = resizeShorterSideCenterCrop(compositeOnBackground(rgba, DECODE_BACKGROUND), m.manifest.imgSize);
  images.set(req.imageId, toNormalizedChw(square, m.manifest.mean, m.manifest.std));
  return {
    imageId: req.imageId,
    sourceWidth: img.sourceWidth,
    sourceHeight: img.sourceHeight,
    decodedWidth: rgba.width,
    decodedHeight: rgba.height,
    method: img.method,
    kind: img.kind,
    transparentOn: img.transparent ? 'white' : null,
    frames: img.frames,
  };
}

async function handleReconstruct(req: ReconstructRequest): Promise<ResultMap['reconstruct']> {
  const t0 = performance.now();
  const m = requireModel();
  if (req.imageChw) images.set(req.imageId, req.imageChw);
  const chw = images.get(req.imageId);
  if (!chw) throw new WorkerError(`Unknown image ${req.imageId}`, 'unknown-image');
  const masks = requestMasks(req.mask, req.seed, m.numPatches, req.maskRatio);
  const { value: out, m: ran } = await withGpuFallback((cur) => reconstruct(cur.sessions, cur.Tensor, chw, cur.manifest.imgSize, masks));
  const row = rowResult(ran, { imageId: req.imageId, maskRatio: req.maskRatio, seed: req.seed }, chw, masks, out.pred);
  return {
    ...row,
    maskStrategy: req.mask?.strategy ?? 'random',
    hiddenMask: masks.mask,
    encoderMs: out.encoderMs,
    decoderMs: out.decoderMs,
    totalMs: performance.now() - t0,
    latentLocation: out.latentLocation,
  };
}

/**
 * The rows of a batch share one encoder and one decoder call; each row gets its panels and
 * metrics, and a 1/B share of the times. Unknown images (removed rows) fail alone.
 */
async function handleReconstructBatch(req: ReconstructBatchRequest): Promise<ResultMap['reconstructBatch']> {
  const t0 = performance.now();
  const m = requireModel();
  const failed: ResultMap['reconstructBatch']['failed'] = [];
  const rows: { imageId: string; seed: number; chw: Float32Array; masks: MaskIds }[] = [];
  for (const it of req.items) {
    const chw = images.get(it.imageId);
    if (!chw) failed.push({ imageId: it.imageId, message: `Unknown image ${it.imageId}`, code: 'unknown-image' });
    else rows.push({ ...it, chw, masks: requestMasks(req.mask, it.seed, m.numPatches, req.maskRatio) });
  }
  if (rows.length === 0) return { results: [], failed };
  const { value: out, m: ran } = await withGpuFallback((cur) =>
    reconstructBatch(
      cur.sessions,
      cur.Tensor,
      rows.map((r) => ({ image: r.chw, masks: r.masks })),
      cur.manifest.imgSize,
    ),
  );
  const results = rows.map((r, b) =>
    rowResult(ran, { imageId: r.imageId, maskRatio: req.maskRatio, seed: r.seed }, r.chw, r.masks, out.preds[b]),
  );
  const B = rows.length;
  const totalMs = performance.now() - t0;
  results.forEach((r, b) => {
    r.maskStrategy = req.mask?.strategy ?? 'random';
    r.hiddenMask = rows[b].masks.mask;
  });
  for (const r of results) {
    r.encoderMs = out.encoderMs / B;
    r.decoderMs = out.decoderMs / B;
    r.totalMs = totalMs / B;
    r.batchSize = B;
    r.latentLocation = out.latentLocation;
  }
  return { results, failed };
}

/** The compare view: a given hidden mask (not a seed), and the encoder's features with nothing hidden. */
async function handleCompare(req: CompareRequest): Promise<ResultMap['compare']> {
  const m = requireModel();
  const chw = images.get(req.imageId);
  if (!chw) throw new WorkerError(`Unknown image ${req.imageId}`, 'unknown-image');
  if (req.hidden.length !== m.numPatches) {
    throw new WorkerError(`the mask has ${req.hidden.length} patches; this model has ${m.numPatches}`, 'internal');
  }
  const masks = maskFromHidden(req.hidden);
  const { value: out, m: ran } = await withGpuFallback((cur) => reconstruct(cur.sessions, cur.Tensor, chw, cur.manifest.imgSize, masks));
  const { value: features } = await withGpuFallback((cur) =>
    encodePatchFeatures(cur.sessions, cur.Tensor, chw, cur.manifest.imgSize, cur.numPatches),
  );
  const row = rowResult(ran, { imageId: req.imageId, maskRatio: 1 - masks.idsKeep.length / m.numPatches, seed: 0 }, chw, masks, out.pred);
  return {
    imageId: req.imageId,
    provider: ran.provider,
    numPatches: m.numPatches,
    visible: masks.idsKeep.length,
    panels: row.panels,
    mse: row.mse,
    psnr: row.psnr,
    features: features.data,
    dim: features.dim,
    encoderMs: out.encoderMs,
    decoderMs: out.decoderMs,
  };
}

/** The mask a request asks for (random when it names none); a painted mask that does not fit is the request's error. */
function requestMasks(spec: MaskSpec | undefined, seed: number, numPatches: number, maskRatio: number): MaskIds {
  try {
    return masksFor(spec, seed, numPatches, maskRatio);
  } catch (e) {
    if (e instanceof RangeError) throw new WorkerError(`Cannot use this mask: ${e.message}`, 'internal');
    throw e;
  }
}

function rowResult(
  m: Model,
  key: { imageId: string; maskRatio: number; seed: number },
  chw: Float32Array,
  masks: MaskIds,
  pred: Float32Array,
): ResultMap['reconstruct'] {
  const { imgSize, patchSize, mean, std, normPixLoss } = m.manifest;
  const panels = compositePanels({ imageChw: chw, predPatches: pred, mask: masks.mask, imgSize, patchSize, mean, std, normPixLoss });
  const metrics = reconstructionMetrics({ imageChw: chw, predPatches: pred, mask: masks.mask, imgSize, patchSize, mean, std, normPixLoss });
  return {
    ...key,
    provider: m.provider,
    numPatches: m.numPatches,
    visible: masks.idsKeep.length,
    panels: {
      masked: panels.masked,
      reconstruction: panels.reconstruction,
      reconstructionWithVisible: panels.reconstructionWithVisible,
      original: panels.original,
    },
    usesTrueHiddenPatchStats: panels.usesTrueHiddenPatchStats,
    pred,
    mse: metrics.maskedMse,
    psnr: metrics.psnr,
    visibleMeanMse: metrics.visibleMeanMse,
    encoderMs: 0,
    decoderMs: 0,
    totalMs: 0,
  };
}

/** One ratio of a sweep: every seed of it in one encoder/decoder batch, metrics as for a row. */
async function sweepStep(imageId: string, maskRatio: number, seeds: number[], strategy: SweepRequest['strategy']) {
  const m = requireModel();
  const chw = images.get(imageId);
  if (!chw) throw new WorkerError(`Unknown image ${imageId}`, 'unknown-image');
  const spec = strategy ? { strategy } : undefined;
  const masks = seeds.map((seed) => masksFor(spec, seed, m.numPatches, maskRatio));
  const { value: out, m: ran } = await withGpuFallback((cur) =>
    reconstructBatch(
      cur.sessions,
      cur.Tensor,
      masks.map((mk) => ({ image: chw, masks: mk })),
      cur.manifest.imgSize,
    ),
  );
  const rows = masks.map((mk, b) => rowResult(ran, { imageId, maskRatio, seed: seeds[b] }, chw, mk, out.preds[b]));
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

const sweeps = new SweepRunner({
  enqueue: <T>(work: () => Promise<T>): Promise<T> => {
    const done = chain.then(work);
    chain = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  },
  step: sweepStep,
  post,
});

async function handleSweep(req: SweepRequest): Promise<void> {
  try {
    if (req.seeds.length === 0) throw new WorkerError('A sweep needs at least one seed.', 'internal');
    post({ type: 'result', id: req.id, request: 'sweep', result: await sweeps.run(req) });
  } catch (e) {
    post({ type: 'error', id: req.id, request: 'sweep', message: errorText(e), code: e instanceof WorkerError ? e.code : 'internal' });
  }
}

async function handleRunRaw(req: RunRawRequest): Promise<ResultMap['runRaw']> {
  const m = requireModel();
  const keep = req.idsKeep.length;
  if (req.idsRestore.length !== m.numPatches) throw new WorkerError(`idsRestore must have ${m.numPatches} entries`, 'internal');
  const mask = new Uint8Array(m.numPatches);
  for (let j = 0; j < m.numPatches; j++) mask[j] = req.idsRestore[j] >= keep ? 1 : 0;
  const masks = { idsKeep: req.idsKeep, idsRestore: req.idsRestore, mask };
  const { value: out } = await withGpuFallback((cur) => reconstruct(cur.sessions, cur.Tensor, req.imageChw, cur.manifest.imgSize, masks));
  return { pred: out.pred, encoderMs: out.encoderMs, decoderMs: out.decoderMs };
}

// ------------------------------------------------------------------------------------------------
// Dispatch

async function handle(req: WorkerRequest): Promise<void> {
  try {
    switch (req.type) {
      case 'load':
        post({ type: 'result', id: req.id, request: 'load', result: await handleLoad(req) });
        break;
      case 'decode':
        post({ type: 'result', id: req.id, request: 'decode', result: await handleDecode(req) });
        break;
      case 'reconstruct':
        post({ type: 'result', id: req.id, request: 'reconstruct', result: await handleReconstruct(req) });
        break;
      case 'reconstructBatch':
        post({ type: 'result', id: req.id, request: 'reconstructBatch', result: await handleReconstructBatch(req) });
        break;
      case 'runRaw':
        post({ type: 'result', id: req.id, request: 'runRaw', result: await handleRunRaw(req) });
        break;
      case 'compare':
        post({ type: 'result', id: req.id, request: 'compare', result: await handleCompare(req) });
        break;
      case 'forget':
        images.delete(req.imageId);
        post({ type: 'result', id: req.id, request: 'forget', result: { imageId: req.imageId } });
        break;
    }
  } catch (e) {
    post({
      type: 'error',
      id: req.id,
      request: req.type,
      message: errorText(e),
      code: e instanceof WorkerError ? e.code : 'internal',
    });
  }
}

// The page's CSP report covers the page; the worker has its own policy (its script's header).
self.addEventListener('securitypolicyviolation', (ev: Event) => {
  const e = ev as SecurityPolicyViolationEvent;
  post({ type: 'event', id: 0, kind: 'csp-violation', directive: e.effectiveDirective, blockedURI: e.blockedURI });
});

let chain: Promise<void> = Promise.resolve();
self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const req = ev.data;
  if (req.type === 'fault') {
    handleFault(req); // now, not behind a running inference: that is the point
    return;
  }
  if (req.type === 'cancelSweep') {
    // at once: the sweep reads the flag before its next ratio
    post({ type: 'result', id: req.id, request: 'cancelSweep', result: { sweepId: req.sweepId, found: sweeps.cancel(req.sweepId) } });
    return;
  }
  if (req.type === 'sweep') {
    void handleSweep(req); // queues its ratios on the chain one by one
    return;
  }
  if (req.type === 'forget') {
    images.delete(req.imageId); // cheap; no need to wait behind a running inference
  }
  chain = chain.then(() => handle(req));
};

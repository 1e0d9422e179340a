/// <reference lib="webworker" />
/**
 * The worker's `load` request: reads a model folder (downloaded, or from the user's disk), probes
 * for a GPU, builds the sessions, checks them against the manifest, warms them up, and falls back
 * to WASM when WebGPU fails at any of these steps.
 */
import { errorText } from '../../mae/error-text.ts';
import {
  graphSignatureProblems,
  ModelContractError,
  numPatches as manifestNumPatches,
  randomMasking,
  reconstructBatch,
  testRunProblems,
  type GraphSignature,
  type MaeSessions,
  type ModelManifest,
} from '../../mae/index.ts';
import type { Handler } from '../../worker/dispatch.ts';
import type { LoadRequest, LoadResult, SessionsDetail } from '../../worker/messages.ts';
import { sizeClass } from '../../worker/ort-config.ts';
import { chooseProvider, describeAdapter, probeAdapter } from '../../worker/provider.ts';
import { WorkerError, type ModelBytes, type OrtRuntime } from '../../worker/runtime.ts';
import { downloadModelFiles, fetchManifest, ModelLoadError } from './model-download.ts';
import { readLocalModel, type LocalModel } from './model-local.ts';
import { importLocalWeights, int8ForImport, int8OnlyModel, isWeightsImport, type ImportedLocalModel } from './weights-local.ts';
import { choosePrecision, memoryProblem } from './weights/index.ts';
import { chooseGpuPrecision, fp16FailedChoice, hasShaderF16, webGpuFailedChoice, type FeaturesLike } from './weights/fp16-choice.ts';
import { fp16Import } from './weights/fp16-import.ts';
import type * as ort from 'onnxruntime-web';

/** Inputs and outputs of a session as the model checks read them. */
function signatureOf(s: ort.InferenceSession): GraphSignature {
  const info = (vs: readonly ort.InferenceSession.ValueMetadata[]) =>
    vs.map((v) => (v.isTensor ? { name: v.name, type: v.type, shape: v.shape } : { name: v.name }));
  return { inputs: info(s.inputMetadata), outputs: info(s.outputMetadata) };
}

/** A folder's own failure (not the runtime's) reaches the page as a model error. */
async function asModelError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ModelLoadError) throw new WorkerError(e.message, 'model');
    throw e;
  }
}

export const loadHandler: Handler<LoadRequest, LoadResult> = {
  async run(req, { runtime, post }) {
    // filesMs: downloading or reading the model's files (with their checks); probeMs: GPU probe and
    // runtime start; compileMs: the sessions and their checks; warmupMs: the first run.
    let filesMs = 0;
    const tFiles = performance.now();
    runtime.requestThreads(req.wasmThreads);
    runtime.useAppBase(req.appBase);
    const progress = (loaded: number, total: number, file: string): void => post({ type: 'progress', id: req.id, loaded, total, file });
    // A folder from the user's disk is read and checked before anything heavy (GPU probe, runtime).
    let local: LocalModel | null = null;
    let imported: ImportedLocalModel | null = null;
    // A hub download whose fp32 file was freed: its stored int8 copy only (WASM; exact needs the file).
    const freed = req.local?.files.length === 1 && req.local.files[0].int8Only ? req.local.files[0] : null;
    if (freed) {
      const name = freed.path.slice(freed.path.lastIndexOf('/') + 1);
      if (req.precision === 'fp32') {
        throw new WorkerError(
          `Exact (fp32) needs the weights file ${name}, which was freed to save space: download it again (Models → Official MAE from the hub), or choose fast (int8).`,
          'model',
        );
      }
      post({ type: 'status', id: req.id, phase: 'downloading', message: `Reading the int8 copy of ${name}…` });
      local = await asModelError(() => int8OnlyModel(freed));
    } else if (req.local && isWeightsImport(req.local.files)) {
      // One weights file: parsed by byte ranges, its graphs built here; the weights stay in the file.
      const files = req.local.files;
      post({ type: 'status', id: req.id, phase: 'downloading', message: 'Reading the weights file…' });
      imported = await asModelError(() =>
        importLocalWeights(files, (message) => post({ type: 'status', id: req.id, phase: 'downloading', message })),
      );
      local = imported;
    } else if (req.local) {
      const files = req.local.files;
      post({ type: 'status', id: req.id, phase: 'downloading', message: 'Reading the model files…' });
      local = await asModelError(() => readLocalModel(files, progress));
    }
    filesMs += performance.now() - tFiles;
    const tProbe = performance.now();
    post({ type: 'status', id: req.id, phase: 'probing', message: 'Looking for a GPU…' });
    const probe = await probeAdapter(runtime.gpu());
    const choice = { ...chooseProvider(req.provider, probe.summary, probe.why) };
    if (freed && choice.provider === 'webgpu') {
      choice.provider = 'wasm';
      choice.reason = 'the fp32 file was freed: its int8 copy runs on WASM only';
    }
    // The JSEP build also runs the WASM fallback, should the WebGPU session fail.
    const rt = await runtime.runtimeFor(choice.provider);
    if (choice.provider === 'webgpu' && probe.adapter) {
      try {
        // Same adapter for ORT as the one we judged (deprecated in favour of env.webgpu.device, but
        // simplest; ORT creates the device itself).
        rt.env.webgpu.adapter = probe.adapter;
      } catch {
        /* the backend was already initialised by an earlier session: it keeps its adapter */
      }
    }

    const probeMs = performance.now() - tProbe;

    // Against the app's folder (the page's), not this worker script's (assets/): see src/app-base.ts.
    const base = new URL(req.modelUrl, runtime.appBase);
    let manifest: ModelManifest;
    let bytes: ModelBytes;
    if (local) {
      ({ manifest, bytes } = local);
    } else {
      const tDownload = performance.now();
      post({ type: 'status', id: req.id, phase: 'downloading', message: 'Downloading the model…' });
      manifest = await asModelError(() => fetchManifest(base));
      const m = manifest;
      bytes = await asModelError(() => downloadModelFiles(base, m, progress));
      filesMs += performance.now() - tDownload;
    }
    // Before anything heavy: will it fit where it is about to run, in the precision it will run in?
    // (ViT-H on WASM: only in int8.) Then, for int8, the quantized copy (cached, or made now). On
    // WebGPU: fp16 graphs where the adapter has shader-f16, exact fp32 where not (weights/fp16-choice.ts).
    /** fp16 only: the exact graphs, should the fp16 session fail on this adapter */
    let fp32Graphs: ((why: string) => { manifest: ModelManifest; bytes: ModelBytes }) | null = null;
    if (imported && req.local) {
      const card = imported.imported.card;
      const target = choice.provider === 'webgpu' ? 'webgpu' : 'wasm';
      const params = card.encoderParams + card.decoderParams;
      const precision =
        target === 'webgpu'
          ? chooseGpuPrecision(req.precision ?? 'auto', probe.summary?.shaderF16 === true, probe.summary ? describeAdapter(probe.summary) : 'unknown adapter')
          : choosePrecision(req.precision ?? 'auto', target, params);
      const problem = memoryProblem(card.label, params, target, undefined, precision.precision === 'int8' ? 'int8' : 'fp32');
      if (problem) throw new WorkerError(problem, 'model');
      const precisionFacts = { precision: precision.precision, precisionReason: precision.reason };
      if (precision.precision === 'int8') {
        const tInt8 = performance.now();
        const file = req.local.files[0];
        const int8 = await asModelError(() =>
          int8ForImport(
            imported,
            file,
            (message) => post({ type: 'status', id: req.id, phase: 'downloading', message }),
            (done, total) => progress(done, total, file.path),
          ),
        );
        manifest = { ...int8.manifest, source: { ...(int8.manifest.source as object), ...precisionFacts } };
        bytes = int8.bytes;
        filesMs += performance.now() - tInt8;
      } else if (precision.precision === 'fp16') {
        const tFp16 = performance.now();
        const file = req.local.files[0];
        const [fp32Manifest, fp32Bytes] = [manifest, bytes];
        fp32Graphs = (why) => {
          const c = fp16FailedChoice(why);
          return { manifest: { ...fp32Manifest, source: { ...(fp32Manifest.source as object), precision: c.precision, precisionReason: c.reason } }, bytes: fp32Bytes };
        };
        post({ type: 'status', id: req.id, phase: 'downloading', message: 'Rounding the weights to fp16…' });
        const fp16 = await asModelError(() => fp16Import(fp32Manifest, fp32Bytes, imported.imported.weights, file.blob, file.path, (done, total) => progress(done, total, file.path)));
        manifest = { ...fp16.manifest, source: { ...(fp16.manifest.source as object), ...precisionFacts } };
        bytes = fp16.files;
        filesMs += performance.now() - tFp16;
      } else {
        manifest = { ...manifest, source: { ...(manifest.source as object), ...precisionFacts } };
      }
    }
    // The page's measured thread count for a model of this size (issue 23 item 4), before the
    // backend starts (?threads=N wins).
    const modelSize = sizeClass(manifestParams(manifest));
    runtime.useMeasuredThreads(req.threadsBySize?.[modelSize]);
    // Who "does not fit its manifest" in a contract error.
    const where = imported ? `The model built from ${imported.imported.card.file}` : local ? 'The folder' : `The model at ${base.pathname}`;
    const t1 = performance.now();

    post({
      type: 'status',
      id: req.id,
      phase: 'compiling',
      message: choice.provider === 'webgpu' ? 'Compiling for WebGPU…' : 'Preparing the WASM runtime…',
    });
    // Release the previous model before building the next one.
    await runtime.releaseModel();
    let warmupMs = 0;
    let warmupRunsMs: number[] = [];
    const createChecked = async (): Promise<MaeSessions> => {
      const both = await runtime.createSessions(rt, choice.provider, manifest, bytes);
      try {
        // Inputs, outputs and fixed dims against the manifest: a model problem, no provider fixes it.
        const problems = graphSignatureProblems(manifest, signatureOf(both.encoder), signatureOf(both.decoder));
        if (problems.length > 0) throw new ModelContractError(problems.join(' '));
        // A WebGPU problem may only show at the first run: warm up (and check the output dims)
        // inside the fallback's reach.
        warmupRunsMs = await warmUp(both, rt.Tensor, manifest, req.warmup?.maskRatio ?? 0.75, req.warmup?.batch ?? 1, req.warmup?.runs ?? 1);
        warmupMs = warmupRunsMs.reduce((a, b) => a + b, 0);
        return both;
      } catch (e) {
        await Promise.allSettled([both.encoder.release(), both.decoder.release()]);
        throw e;
      }
    };
    const contractError = (e: unknown): WorkerError | null =>
      e instanceof ModelContractError ? new WorkerError(`${where} does not fit its manifest: ${e.message}`, 'model') : null;
    let sessions: MaeSessions;
    try {
      sessions = await createChecked();
      if (fp32Graphs) {
        // fp16 graphs on a device without shader-f16 load and run, wrongly, without an error
        // (measured on SwiftShader: e2e/webgpu-fp16.spec.ts): check the device onnxruntime made
        const device = await Promise.resolve(rt.env.webgpu.device as unknown as FeaturesLike | undefined).catch(() => undefined);
        if (!hasShaderF16(device)) {
          const fp16 = sessions;
          await Promise.allSettled([fp16.encoder.release(), fp16.decoder.release()]);
          throw new Error("onnxruntime's WebGPU device has no shader-f16");
        }
      }
    } catch (e) {
      const bad = contractError(e);
      if (bad) throw bad;
      if (choice.provider === 'wasm') throw new WorkerError(`Could not create the WASM session: ${errorText(e)}`, 'model');
      let failure = e;
      let exact: MaeSessions | null = null;
      if (fp32Graphs) {
        // fp16 failed on this adapter: the exact graphs on it first, then WASM (in fp32)
        ({ manifest, bytes } = fp32Graphs(errorText(e)));
        exact = await createChecked().catch((e2: unknown) => {
          failure = e2;
          return null;
        });
      }
      if (exact) {
        sessions = exact;
      } else {
        // WebGPU can fail late (device lost, missing op, limits): say so and run on WASM instead.
        choice.reason = `WebGPU session failed (${errorText(failure)}): using WASM`;
        choice.provider = 'wasm';
        if (imported) {
          // the card's WebGPU precision no longer holds: exact fp32 runs on WASM (weights/fp16-choice.ts)
          const c = webGpuFailedChoice();
          manifest = { ...manifest, source: { ...(manifest.source as object), precision: c.precision, precisionReason: c.reason } };
        }
        try {
          sessions = await createChecked();
        } catch (e2) {
          throw contractError(e2) ?? new WorkerError(`Could not create the WASM session: ${errorText(e2)}`, 'model');
        }
      }
    }
    const t2 = performance.now();
    await runtime.setModel(manifest, sessions, rt, choice.provider, reloader(req, base, manifest));
    // onnxruntime holds the weights now: the model's bytes (the int8 buffers, a folder's graphs) go
    // with this handler, not kept beside the sessions (closures above share this scope, so clear).
    bytes.clear();
    post({ type: 'status', id: req.id, phase: 'ready', message: 'Ready' });
    // What onnxruntime settled on once its backend started, not what was asked for.
    const threads = runtime.threadsInUse(rt);
    return {
      provider: choice.provider,
      reason: choice.reason,
      manifest,
      adapter: probe.summary ? describeAdapter(probe.summary) : null,
      wasmThreads: threads.threads,
      wasmThreadsWhy: threads.why,
      filesMs,
      probeMs,
      compileMs: t2 - t1 - warmupMs,
      warmupMs: warmupRunsMs[0] ?? 0,
      ...(warmupRunsMs.length > 1 ? { warmupRunsMs } : {}),
      sizeClass: modelSize,
      threadsSource: runtime.threadsSource,
      ...(runtime.lastSessionsDetail ? { sessionsDetail: roundedDetail(runtime.lastSessionsDetail) } : {}),
    };
  },
};

const roundedDetail = (d: SessionsDetail): SessionsDetail => ({
  sessionsMs: Math.round(d.sessionsMs),
  readMs: Math.round(d.readMs),
  readBytes: d.readBytes,
  reads: d.reads,
});

/**
 * How a WebGPU model gets its files again after a GPU loss (runtime.ts Model.reload), made outside
 * the handler so that it holds nothing of the load but the request (the user's files are Blobs, not
 * copies) and where the model came from. Imported weights come back as fp32 Blob slices of the file
 * (or, for fp16 graphs, as the float16 buffers made again from it).
 */
function reloader(req: LoadRequest, base: URL, manifest: ModelManifest): () => Promise<ModelBytes> {
  const local = req.local;
  const noProgress = () => undefined;
  if (local && isWeightsImport(local.files)) {
    return async () => {
      const imported = await importLocalWeights(local.files, noProgress);
      // an fp16 model (WebGPU with shader-f16) moves to WASM as the same fp16 graphs (onnxruntime's CPU kernels cast around what they lack)
      if ((manifest.source as { precision?: string } | undefined)?.precision !== 'fp16') return imported.bytes;
      const file = local.files[0];
      return (await fp16Import(imported.manifest, imported.bytes, imported.imported.weights, file.blob, file.path)).files;
    };
  }
  if (local) return async () => (await readLocalModel(local.files, noProgress)).bytes;
  return () => downloadModelFiles(base, manifest, noProgress);
}

/** Parameters of a model, from its manifest (or, where it does not say, about 12 × depth × width² per side). */
function manifestParams(m: ModelManifest): number {
  const side = (g: ModelManifest['encoder']) => g.params ?? 12 * g.depth * g.embedDim * g.embedDim;
  return side(m.encoder) + side(m.decoder);
}

/**
 * Runs on a blank image at the ratio the page starts with, batch rows at once: allocates the
 * buffers and (WebGPU) compiles the kernels for these shapes before the first real request. More
 * than one run: the later ones time the model as it runs (the thread calibration). Each run's ms.
 */
async function warmUp(sessions: MaeSessions, Tensor: OrtRuntime['Tensor'], manifest: ModelManifest, maskRatio: number, batch: number, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < Math.max(1, Math.min(5, Math.floor(runs))); i++) times.push(await warmUpOnce(sessions, Tensor, manifest, maskRatio, batch));
  return times;
}

async function warmUpOnce(sessions: MaeSessions, Tensor: OrtRuntime['Tensor'], manifest: ModelManifest, maskRatio: number, batch: number) {
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
  const problems = testRunProblems(manifest, items[0].masks.idsKeep.length, out.latentDims, out.preds[0].length, B);
  if (problems.length > 0) throw new ModelContractError(problems.join(' '));
  return performance.now() - t;
}

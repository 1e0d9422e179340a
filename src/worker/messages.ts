/**
 * Typed messages between the main thread (MaeClient) and the MAE worker.
 * Every request carries an `id`; every response names the request it belongs to.
 */
import type { MaskSpec, MaskStrategy, ModelManifest, RgbaImage } from '../mae/index.ts';
import type { Call, ResultMessageOf } from './wire.ts';

/** What the user (or the URL flag ?ep=) asked for. */
export type ProviderRequest = 'auto' | 'webgpu' | 'wasm';
/** What really runs. */
export type Provider = 'webgpu' | 'wasm';

export interface LoadRequest {
  type: 'load';
  id: number;
  /** Folder URL of the model, e.g. "/models/default/" (manifest.json, encoder.onnx, decoder.onnx). */
  modelUrl: string;
  provider: ProviderRequest;
  /** WASM threads (needs cross-origin isolation); absent = navigator.hardwareConcurrency. */
  wasmThreads?: number;
  /** The app's folder as an absolute URL (src/app-base.ts): modelUrl and ort/ resolve against it. */
  appBase?: string;
  /**
   * Run the graphs once on a blank image at load, at this ratio and batch size, so the first real
   * request finds its kernels compiled and its buffers allocated.
   */
  warmup?: { maskRatio: number; batch: number; runs?: number };
  /**
   * A model folder from the user's disk (picker or drop): the worker reads these files instead of
   * fetching modelUrl (src/worker/model-local.ts). `name` is the folder's name, if it had one.
   */
  local?: { name: string | null; files: LocalModelFile[] };
  /**
   * An imported weights file on WASM: exact (fp32), fast (int8 Linear weights, quantized in the
   * worker and kept in the private file system), or auto (int8 above 50 M parameters); see
   * src/features/models/weights/memory.ts choosePrecision. Absent = auto.
   */
  precision?: 'auto' | 'fp32' | 'int8';
  /**
   * WASM threads measured best per model size class (ort-config.ts sizeClass), remembered by the
   * page (src/features/models/thread-calibration.ts); used when wasmThreads is not given.
   */
  threadsBySize?: Record<string, number>;
}

/** One chosen file; `path` as the browser gave it ("my-model/encoder.onnx" or "encoder.onnx"). */
export interface LocalModelFile {
  path: string;
  blob: Blob;
  /** the hub's SHA-256 of a downloaded file (checked at download): the int8 cache's key for it */
  sha256?: string;
  /** a hub download whose fp32 file was freed: only its stored int8 copy (found by sha256) can run; `blob` is empty */
  int8Only?: boolean;
}

/** Decode an encoded image (file, sample) in the worker and cache its normalised CHW tensor. */
export interface DecodeRequest {
  type: 'decode';
  id: number;
  imageId: string;
  /** Name shown in error messages. */
  name: string;
  blob: Blob;
}

export interface ReconstructRequest {
  type: 'reconstruct';
  id: number;
  imageId: string;
  maskRatio: number;
  /** Per-image seed, already resolved with imageSeed(seed, index, sameMaskForAll). */
  seed: number;
  /** Mask strategy (absent = random); for paint, maskRatio is the painted mask's. */
  mask?: MaskSpec;
  /** Reconstruct the whole photo (DecodeResult.whole) instead of the centre crop. */
  whole?: boolean;
}

/**
 * Several cached images at one masking ratio (hence the same number of visible patches) in one
 * encoder call and one decoder call. Images the worker does not know fail alone (`failed`).
 */
export interface ReconstructBatchRequest {
  type: 'reconstructBatch';
  id: number;
  maskRatio: number;
  items: { imageId: string; seed: number }[];
  /** One strategy for every item (absent = random). */
  mask?: MaskSpec;
  /** Whole photos (DecodeResult.whole) instead of centre crops; rows of one grid share a call. */
  whole?: boolean;
}

/**
 * The compare view: one cached image with an explicit hidden mask (the same pixels for every model,
 * see src/mae/compare-mask.ts), plus the encoder's patch features with nothing hidden (feature map).
 */
export interface CompareRequest {
  type: 'compare';
  id: number;
  imageId: string;
  /** per patch, 1 = hidden; length = the model's numPatches */
  hidden: Uint8Array;
}

/** Drop an image from the worker's cache (row removed). */
export interface ForgetRequest {
  type: 'forget';
  id: number;
  imageId: string;
}

/**
 * Masking-ratio sweep of one cached image: for each ratio, every seed in one encoder/decoder batch.
 * The worker answers each ratio with a SweepProgressMessage and goes back to its queue between
 * ratios, so row requests sent meanwhile are not starved. Ends with a SweepResult.
 */
export interface SweepRequest {
  type: 'sweep';
  id: number;
  imageId: string;
  ratios: number[];
  /** Per-image seeds (already resolved); the first one's panels make the filmstrip. */
  seeds: number[];
  /** Seeded mask strategy (absent = random); a painted mask has one ratio only, so it is never swept. */
  strategy?: 'random' | 'block' | 'grid';
  /** Sweep the whole photo (DecodeResult.whole) instead of the centre crop. */
  whole?: boolean;
}

/** Stops a running sweep (handled at once, not queued behind it). */
export interface CancelSweepRequest {
  type: 'cancelSweep';
  id: number;
  sweepId: number;
}

/**
 * The attention view (issue 24): one cached image's softmax weights, encoder and decoder, every
 * block and head, under the mask its row uses. Runs the model's attention graphs (their own
 * sessions, made at the first such request; src/worker/attention-sessions.ts).
 */
export interface AttentionRequest {
  type: 'attention';
  id: number;
  imageId: string;
  maskRatio: number;
  /** Per-image seed, already resolved (as ReconstructRequest's). */
  seed: number;
  mask?: MaskSpec;
  /** The whole photo (as the row's ReconstructRequest.whole) instead of the centre crop. */
  whole?: boolean;
}

export type WorkerRequest =
  | AttentionRequest
  | LoadRequest
  | DecodeRequest
  | ReconstructRequest
  | ReconstructBatchRequest
  | ForgetRequest
  | CompareRequest
  | SweepRequest
  | CancelSweepRequest;
export type RequestType = WorkerRequest['type'];

export interface LoadResult {
  provider: Provider;
  /** Why this provider (shown next to the badge). */
  reason: string;
  manifest: ModelManifest;
  /** Adapter description when a WebGPU adapter was found, e.g. "google / swiftshader (fallback)". */
  adapter: string | null;
  /** WASM threads onnxruntime really uses (read back after the session was created). */
  wasmThreads: number;
  /** Why only one thread (not isolated, no SharedArrayBuffer, asked for 1), or null. */
  wasmThreadsWhy?: string | null;
  /** Getting the model's files: downloading them, or reading (importing) them from the person's disk, with their checks. */
  filesMs: number;
  /** Looking for a GPU and starting onnxruntime's backend. */
  probeMs: number;
  /** Creating the sessions and checking them against the manifest (the warm-up not included). */
  compileMs: number;
  /** The warm-up run (0 when none was asked for). */
  warmupMs: number;
  /**
   * Inside compileMs: onnxruntime's session creation (the last try), and the weights it read from
   * Blobs a piece at a time (external-data.ts): time, bytes and reads. For the benchmarks.
   */
  sessionsDetail?: SessionsDetail;
  /** Each warm-up run's time, when several were asked for (warmup.runs): the thread calibration reads them. */
  warmupRunsMs?: number[];
  /** The model's size class (ort-config.ts sizeClass), the key of its measured thread count. */
  sizeClass?: string;
  /** Where the thread count came from: ?threads=N, the page's measurement for this size, or the default. */
  threadsSource?: 'asked' | 'measured' | 'default';
}

/** Session creation's time and the weights it read piece by piece (ms; bytes; reads). */
export interface SessionsDetail {
  sessionsMs: number;
  readMs: number;
  readBytes: number;
  reads: number;
}

export interface DecodeResult {
  imageId: string;
  /** Size of the source as displayed (EXIF orientation applied), before any scaling. */
  sourceWidth: number;
  sourceHeight: number;
  /** Pixels actually decoded (smaller than the source for large photos, decoded downscaled). */
  decodedWidth: number;
  decodedHeight: number;
  /** 'image-decoder': JPEG decoded downscaled by WebCodecs; 'bitmap-resized': full decode, then scaled. */
  method: 'bitmap' | 'bitmap-resized' | 'image-decoder';
  /** What the bytes are (sniffed), e.g. "png". */
  kind: string;
  /** Background the transparent pixels were composited on, or null for an opaque image. */
  transparentOn: 'white' | null;
  /** GIF: frames in the file (the first one is used); null otherwise. */
  frames: number | null;
  /**
   * The whole photo as the worker keeps it besides the centre crop, for models whose graphs take any
   * patch grid (contract v2): its size and grid. null: the model has a fixed grid (centre crop only).
   */
  whole?: WholeGeometry | null;
}

/** A whole photo's size in pixels and in patches (src/mae/image.ts wholePhotoSize). */
export interface WholeGeometry {
  width: number;
  height: number;
  gridH: number;
  gridW: number;
}

export interface PanelImages {
  masked: RgbaImage;
  reconstruction: RgbaImage;
  reconstructionWithVisible: RgbaImage;
  original: RgbaImage;
}

export interface ReconstructResult {
  imageId: string;
  maskRatio: number;
  seed: number;
  provider: Provider;
  numPatches: number;
  visible: number;
  panels: PanelImages;
  /** norm-pix models: hidden patches were de-normalised with the true patches' statistics (a leak). */
  usesTrueHiddenPatchStats: boolean;
  /**
   * Raw decoder output [numPatches * patch*patch*3], official patch layout: only in the test build
   * (src/testing/), whose e2e specs compare it with the PyTorch reference. No feature needs it.
   */
  pred?: Float32Array;
  /** Masked-patch MSE in normalised pixel space; null when nothing is hidden. */
  mse: number | null;
  psnr: number | null;
  /** The same MSE for a trivial baseline (every hidden pixel = mean of the visible ones), for scale. */
  visibleMeanMse: number | null;
  /** Graph times; for a batched row, its share (the batch's time / batchSize). */
  encoderMs: number;
  decoderMs: number;
  /** Whole request inside the worker (masking + graphs + panels + metrics), likewise per row. */
  totalMs: number;
  /** Rows that ran in the same encoder/decoder call (absent = 1). */
  batchSize?: number;
  /** Where the encoder's latent stayed on its way to the decoder ('gpu-buffer' on WebGPU). */
  latentLocation?: string;
  /** The strategy that made the mask, and the mask itself (per patch, 1 = hidden). */
  maskStrategy?: MaskStrategy;
  hiddenMask?: Uint8Array;
  /** A whole photo's patch grid (rows × columns); absent: the model's square grid (centre crop). */
  grid?: { gridH: number; gridW: number };
}

export interface ReconstructBatchResult {
  results: ReconstructResult[];
  failed: { imageId: string; message: string; code: ErrorMessage['code'] }[];
}

/** One ratio of a sweep: per-seed metrics (in the request's seed order) and the first seed's panels. */
export interface SweepPoint {
  maskRatio: number;
  visible: number;
  numPatches: number;
  seeds: number[];
  mse: (number | null)[];
  psnr: (number | null)[];
  /** visible-mean baseline MSE per seed */
  baselineMse: (number | null)[];
  masked: RgbaImage;
  reconstructionWithVisible: RgbaImage;
}

export interface SweepResult {
  imageId: string;
  /** ratios finished before the end (all of them unless cancelled) */
  completed: number;
  total: number;
  cancelled: boolean;
  /** what ran the last ratio; null when none ran */
  provider: Provider | null;
}

export interface CompareResult {
  imageId: string;
  provider: Provider;
  numPatches: number;
  visible: number;
  panels: PanelImages;
  mse: number | null;
  psnr: number | null;
  /** encoder patch tokens with nothing hidden: [numPatches, dim], raster order */
  features: Float32Array;
  dim: number;
  /** The mask the worker used (per patch, 1 = hidden), as row results carry theirs. */
  hiddenMask: Uint8Array;
  encoderMs: number;
  decoderMs: number;
}

/** One graph's softmax weights for one image: [depth, heads, tokens, tokens] row-major, rows sum to 1. */
export interface AttentionStackData {
  data: Float32Array;
  depth: number;
  heads: number;
  tokens: number;
}

interface AttentionKey {
  imageId: string;
  maskRatio: number;
  seed: number;
}

export type AttentionResult =
  | (AttentionKey & { available: false; reason: string })
  | (AttentionKey & {
      available: true;
      provider: Provider;
      numPatches: number;
      gridH: number;
      gridW: number;
      /** the mask's kept patch ids, in token order (encoder token i + 1 is patch idsKeep[i]) */
      idsKeep: Int32Array;
      /** per patch, 1 = hidden */
      hidden: Uint8Array;
      /** tokens: cls, then the visible patches in idsKeep order */
      encoder: AttentionStackData;
      /** tokens: cls, then patches 0..L-1 */
      decoder: AttentionStackData;
      encoderMs: number;
      decoderMs: number;
      /** making the attention sessions (the view's first request for this model), else 0 */
      sessionMs: number;
    });

export interface ResultMap {
  attention: AttentionResult;
  load: LoadResult;
  decode: DecodeResult;
  reconstruct: ReconstructResult;
  reconstructBatch: ReconstructBatchResult;
  compare: CompareResult;
  forget: { imageId: string };
  sweep: SweepResult;
  cancelSweep: { sweepId: number; found: boolean };
}

export type LoadPhase = 'probing' | 'downloading' | 'compiling' | 'ready';

export interface StatusMessage {
  type: 'status';
  id: number;
  phase: LoadPhase;
  message: string;
}

export interface ProgressMessage {
  type: 'progress';
  id: number;
  /** Bytes received so far over all model files. */
  loaded: number;
  /** Expected bytes over all model files (0 when unknown). */
  total: number;
  file: string;
}

/** The app's request table (the wire's Protocol): each request, its result, and the news before it. */
export type AppProtocol = {
  [K in RequestType]: Call<Extract<WorkerRequest, { type: K }>, ResultMap[K], UpdateMap[K]>;
};

/** The news a request gets before its result (none for most). */
interface UpdateMap extends Record<RequestType, unknown> {
  attention: never;
  load: StatusMessage | ProgressMessage;
  decode: never;
  reconstruct: never;
  reconstructBatch: never;
  compare: never;
  forget: never;
  sweep: SweepProgressMessage;
  cancelSweep: never;
}

export type ResultMessage = ResultMessageOf<AppProtocol>;

export interface ErrorMessage {
  type: 'error';
  id: number;
  /** the request's type */
  request: string;
  message: string;
  /** Machine-readable error class, e.g. "decode" for an undecodable image. */
  code: 'decode' | 'model' | 'not-ready' | 'unknown-image' | 'internal';
}

/** Unsolicited news from the worker (id 0), e.g. the model moved to WASM after a GPU loss. */
export type EventMessage =
  | { type: 'event'; id: 0; kind: 'provider-changed'; provider: Provider; reason: string }
  /** The worker's Content-Security-Policy blocked something (it should never happen). */
  | { type: 'event'; id: 0; kind: 'csp-violation'; directive: string; blockedURI: string };

/** One more ratio of a sweep is done (done/total count ratios × seeds). */
export interface SweepProgressMessage {
  type: 'sweepProgress';
  id: number;
  done: number;
  total: number;
  point: SweepPoint;
}

export type WorkerResponse = StatusMessage | ProgressMessage | SweepProgressMessage | ResultMessage | ErrorMessage | EventMessage;

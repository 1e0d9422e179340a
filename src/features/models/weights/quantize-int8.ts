/**
 * int8 graphs of an imported model (issue 23, item 1's core): the same MAE graphs as mae-graph.ts,
 * with every Linear layer's weight stored as int8 and everything else float32.
 *
 * Scheme, chosen by measurement on onnxruntime-web 1.30's WASM kernels in Node (docs/BENCHMARKS.md,
 * "int8 graphs of imported weights"): dynamic quantization, the pattern onnxruntime's own
 * quantize_dynamic writes and python/mae_playground/quantize_dynamic.py wrote for the bundled twin,
 *
 *     DynamicQuantizeLinear(x) -> x_u8, x_scale, x_zero     (activations: uint8, per call)
 *     MatMulInteger(x_u8, W_s8 [in, out], x_zero) -> int32  (weights: int8, symmetric, zero point 0)
 *     Cast(float) * (x_scale * W_scale) + bias              (W_scale per output channel, or one)
 *
 * which onnxruntime's graph optimiser fuses into its int8 GEMM (MatMulIntegerToFloat /
 * DynamicQuantizeMatMul) in the WASM build too: a ViT-B/16 fc1 ran 2.85x faster than the fp32
 * MatMul, whole random ViT-B/L models about 2x (1.76-2.22x). MatMulNBits (8 or 4 bits, any block size, accuracy_level 0 or 4) was no faster than fp32
 * there (WASM has no int8 kernels for it: it dequantizes), and 4 bits cost 10% error on a layer;
 * a DequantizeLinear in front of a float MatMul dequantizes on every run and was slower than fp32.
 * Attention's activation x activation MatMuls, LayerNorm, Softmax, GELU and the patch-embedding Conv
 * stay float32.
 *
 * Storage: the graph's weights are no longer byte ranges of the user's file. Each graph gets one
 * buffer (`encoder.int8.bin`, `decoder.int8.bin`) holding the int8 weights (already transposed to
 * [in, out], so no Transpose is folded at load), their scales and float32 copies of the other
 * tensors (a half-precision file's are widened here, so the graph has no Cast). The buffer's size is
 * known once the graph is built; it is allocated once and filled one Linear layer at a time, so the
 * only float32 weights held besides it are those of the layer being quantized (ViT-H's largest,
 * fc1, is 26 MB). The user's file is read by byte ranges, as everywhere else.
 *
 * The page uses it on load (the model card's "fast (int8)", int8-cache.ts keeps the result):
 * planInt8Graphs lays out the graphs without reading a weight, so a cached buffer can be checked
 * against the graph this build makes; fillInt8Graphs reads and quantizes.
 *
 * Pure TypeScript (no DOM): runs in the worker and in Node.
 */
import type { MaeWeights } from './architecture.ts';
import { readRange } from './blob-bytes.ts';
import { buildDecoderGraph, buildEncoderGraph, GraphBuilder, type GraphOps } from './mae-graph.ts';
import { TensorType } from './onnx-proto.ts';
import { numel, type TensorEntry } from './tensors.ts';

/** One scale per output channel (the default: what the bundled twin uses), or one per weight matrix. */
export type Int8Scheme = 'per-channel' | 'per-tensor';

/** The graph, and the one buffer its initializers point into (give both to InferenceSession.create). */
export interface Int8Graph {
  onnx: Uint8Array;
  /** the external data's `path`, as the graph's initializers name it */
  dataPath: string;
  /** int8 weights, scales and float32 tensors; onnxruntime copies it into its own memory, so drop it once the session exists */
  data: Uint8Array;
  /** how many weights are int8 (the others are float32) */
  int8Weights: number;
}

export interface Int8Model {
  encoder: Int8Graph;
  decoder: Int8Graph;
  scheme: Int8Scheme;
}

export interface Int8Options {
  scheme?: Int8Scheme;
  /** bytes of the file read so far, of the bytes the graphs use */
  onProgress?: (done: number, total: number) => void;
}

/** A float32 copy of a tensor (or a byte range of it) at `offset` in the buffer. */
interface CopyJob {
  kind: 'copy';
  tensor: TensorEntry;
  from: number;
  to: number;
  offset: number;
}

/** Linear weights [out, in] stacked by rows (q, k, v: three), written as int8 [in, sum(out)] plus scales. */
interface QuantJob {
  kind: 'int8';
  tensors: TensorEntry[];
  inFeatures: number;
  outFeatures: number;
  weightOffset: number;
  scaleOffset: number;
}

type Job = CopyJob | QuantJob;

// Offsets aligned so that float32 regions can be viewed in place (and cache lines are not shared).
const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
const INT8_MAX = 127;

export class Int8GraphBuilder extends GraphBuilder {
  readonly jobs: Job[] = [];
  size = 0;
  int8Weights = 0;
  private readonly copies = new Map<string, string>();

  constructor(
    tensors: Map<string, TensorEntry>,
    ops: GraphOps,
    readonly dataPath: string,
    private readonly scheme: Int8Scheme,
  ) {
    super(tensors, new Map(), ops);
  }

  private allocate(bytes: number): number {
    const offset = this.size;
    this.size = align(offset + bytes);
    return offset;
  }

  private external(name: string, dataType: number, dims: number[], offset: number, length: number): string {
    this.initializers.push({ name, dataType, dims, location: this.dataPath, offset, length });
    return name;
  }

  /** A tensor of the file as a float32 initializer in the buffer (widened from half precision when filled). */
  override weight(name: string, shape?: number[], byteRange?: [number, number]): string {
    const t = this.tensors.get(name) as TensorEntry;
    const key = `${name}:${byteRange?.join('-') ?? ''}`;
    const known = this.copies.get(key);
    if (known) return known;
    const [from, to] = byteRange ?? [0, t.byteLength];
    const count = (to - from) / (t.byteLength / numel(t.shape));
    const offset = this.allocate(count * 4);
    this.jobs.push({ kind: 'copy', tensor: t, from, to, offset });
    const initName = this.external(byteRange ? `${name}[${from}:${to}]` : name, TensorType.FLOAT, shape ?? t.shape, offset, count * 4);
    this.copies.set(key, initName);
    return initName;
  }

  override linear(x: string, prefix: string): string {
    return this.int8Linear(x, [prefix], prefix);
  }

  override qkvLinear(h: string, prefix: string): string {
    return this.int8Linear(
      h,
      ['q', 'k', 'v'].map((p) => `${prefix}.attn.${p}`),
      `${prefix}.attn.qkv`,
    );
  }

  /** x @ [W_1; W_2; ...]^T + [b_1; b_2; ...] with the stacked weights in int8. */
  private int8Linear(x: string, prefixes: string[], name: string): string {
    const tensors = prefixes.map((p) => this.tensors.get(`${p}.weight`) as TensorEntry);
    const inFeatures = tensors[0].shape[1];
    const outFeatures = tensors.reduce((sum, t) => sum + t.shape[0], 0);
    const weightOffset = this.allocate(inFeatures * outFeatures);
    const scaleCount = this.scheme === 'per-channel' ? outFeatures : 1;
    const scaleOffset = this.allocate(scaleCount * 4);
    this.jobs.push({ kind: 'int8', tensors, inFeatures, outFeatures, weightOffset, scaleOffset });
    this.int8Weights += inFeatures * outFeatures;
    const w = this.external(`${name}.weight.int8`, TensorType.INT8, [inFeatures, outFeatures], weightOffset, inFeatures * outFeatures);
    const s = this.external(`${name}.weight.scale`, TensorType.FLOAT, this.scheme === 'per-channel' ? [outFeatures] : [], scaleOffset, scaleCount * 4);
    const biases = prefixes.map((p) => this.weight(`${p}.bias`));
    const bias = biases.length === 1 ? biases[0] : this.node('Concat', biases, { axis: 0 }, `${name}.bias`);
    const [xq, xScale, xZero] = [`${name}.x_u8`, `${name}.x_scale`, `${name}.x_zero`].map((n) => this.fresh(n));
    this.nodes.push({ op: 'DynamicQuantizeLinear', inputs: [x], outputs: [xq, xScale, xZero], name: this.fresh(`${name}.DynamicQuantizeLinear`) });
    const product = this.node('MatMulInteger', [xq, w, xZero], undefined, `${name}.MatMulInteger`);
    const asFloat = this.node('Cast', [product], { to: TensorType.FLOAT }, `${name}.Cast`);
    const scaled = this.node('Mul', [asFloat, this.node('Mul', [xScale, s], undefined, `${name}.scale`)], undefined, `${name}.Mul`);
    return this.node('Add', [scaled, bias], undefined, `${name}.Add`);
  }
}

const halfTable = (() => {
  // float16 bit patterns -> float32 values (64K entries, 256 KB: built once, on first use)
  let table: Float32Array | undefined;
  return () => {
    if (table) return table;
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1;
      const exp = (h >> 10) & 0x1f;
      const frac = h & 0x3ff;
      table[h] = sign * (exp === 0 ? frac * 2 ** -24 : exp === 31 ? (frac ? Number.NaN : Number.POSITIVE_INFINITY) : (1 + frac / 1024) * 2 ** (exp - 15));
    }
    return table;
  };
})();

/** Little-endian float32 / float16 / bfloat16 bytes as float32 values (a view, not a copy, for float32). */
function toFloat32(read: Uint8Array, dtype: TensorEntry['dtype']): Float32Array {
  // typed-array views need aligned offsets: readRange returns a fresh buffer (offset 0), else copy
  const bytes = read.byteOffset % 4 === 0 ? read : read.slice();
  if (dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const out = new Float32Array(halves.length);
  if (dtype === 'float16') {
    const table = halfTable();
    for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]];
  } else {
    // bfloat16 is the top half of a float32
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
  }
  return out;
}

/**
 * Symmetric int8 of stacked [out, in] row blocks into `q` as [in, out] (column n = output channel n):
 * q = round(w / s), s = max|w| / 127 over the channel (per-channel) or the whole matrix (per-tensor).
 */
function quantizeInto(rows: Float32Array[], inFeatures: number, outFeatures: number, scheme: Int8Scheme, q: Int8Array, scales: Float32Array): void {
  let tensorMax = 0;
  if (scheme === 'per-tensor') {
    for (const r of rows) for (let i = 0; i < r.length; i++) tensorMax = Math.max(tensorMax, Math.abs(r[i]));
    scales[0] = tensorMax > 0 ? tensorMax / INT8_MAX : 1;
  }
  let n = 0;
  for (const r of rows) {
    for (let row = 0; row < r.length / inFeatures; row++, n++) {
      const base = row * inFeatures;
      let scale = scales[0];
      if (scheme === 'per-channel') {
        let max = 0;
        for (let k = 0; k < inFeatures; k++) max = Math.max(max, Math.abs(r[base + k]));
        scale = max > 0 ? max / INT8_MAX : 1;
        scales[n] = scale;
      }
      const inv = 1 / scale;
      for (let k = 0; k < inFeatures; k++) {
        const v = Math.round(r[base + k] * inv);
        q[k * outFeatures + n] = v > INT8_MAX ? INT8_MAX : v < -INT8_MAX ? -INT8_MAX : v;
      }
    }
  }
}

function jobBytes(job: Job): number {
  return job.kind === 'copy' ? job.to - job.from : job.tensors.reduce((sum, t) => sum + t.byteLength, 0);
}

async function fill(builder: Int8GraphBuilder, file: Blob, fileName: string, scheme: Int8Scheme, progress: (bytes: number) => void): Promise<Uint8Array> {
  const data = new Uint8Array(builder.size);
  for (const job of builder.jobs) {
    if (job.kind === 'copy') {
      const t = job.tensor;
      const values = toFloat32(await readRange(file, t.byteOffset + job.from, t.byteOffset + job.to, fileName), t.dtype);
      new Float32Array(data.buffer, job.offset, values.length).set(values);
    } else {
      // this layer's float32 weights are the only ones held besides the buffer; they go when it is written
      const rows: Float32Array[] = [];
      for (const t of job.tensors) rows.push(toFloat32(await readRange(file, t.byteOffset, t.byteOffset + t.byteLength, fileName), t.dtype));
      const q = new Int8Array(data.buffer, job.weightOffset, job.inFeatures * job.outFeatures);
      const scales = new Float32Array(data.buffer, job.scaleOffset, scheme === 'per-channel' ? job.outFeatures : 1);
      quantizeInto(rows, job.inFeatures, job.outFeatures, scheme, q, scales);
    }
    progress(jobBytes(job));
  }
  return data;
}

/** One graph's structure and buffer layout, before any weight is read (planInt8Graphs). */
export interface Int8GraphPlan {
  onnx: Uint8Array;
  dataPath: string;
  /** bytes of the buffer the graph's initializers point into */
  dataBytes: number;
  int8Weights: number;
  builder: Int8GraphBuilder;
}

export interface Int8Plan {
  encoder: Int8GraphPlan;
  decoder: Int8GraphPlan;
  scheme: Int8Scheme;
  /** bytes of the user's file the buffers are made from */
  readBytes: number;
}

/**
 * The int8 graphs' structure and buffer layouts, without reading a weight: cheap (the graphs are a
 * few hundred KB), so a cached buffer can be checked against the graph this build makes (int8-cache.ts).
 */
export function planInt8Graphs(weights: MaeWeights, scheme: Int8Scheme = 'per-channel'): Int8Plan {
  const builders = { encoder: undefined as Int8GraphBuilder | undefined, decoder: undefined as Int8GraphBuilder | undefined };
  const graphs = {
    encoder: buildEncoderGraph(weights, 'matmul', (tensors, _chunks, ops) => (builders.encoder = new Int8GraphBuilder(tensors, ops, 'encoder.int8.bin', scheme))),
    decoder: buildDecoderGraph(weights, 'matmul', (tensors, _chunks, ops) => (builders.decoder = new Int8GraphBuilder(tensors, ops, 'decoder.int8.bin', scheme))),
  };
  const part = (g: { onnx: Uint8Array }, b: Int8GraphBuilder): Int8GraphPlan => ({ onnx: g.onnx, dataPath: b.dataPath, dataBytes: b.size, int8Weights: b.int8Weights, builder: b });
  const encoder = part(graphs.encoder, builders.encoder as Int8GraphBuilder);
  const decoder = part(graphs.decoder, builders.decoder as Int8GraphBuilder);
  const readBytes = [...encoder.builder.jobs, ...decoder.builder.jobs].reduce((sum, j) => sum + jobBytes(j), 0);
  return { encoder, decoder, scheme, readBytes };
}

/** Reads and quantizes the weights a plan lays out: one buffer per graph. */
export async function fillInt8Graphs(plan: Int8Plan, file: Blob, fileName: string, onProgress?: Int8Options['onProgress']): Promise<Int8Model> {
  let done = 0;
  const progress = (bytes: number) => {
    done += bytes;
    onProgress?.(done, plan.readBytes);
  };
  const result = async (p: Int8GraphPlan): Promise<Int8Graph> => ({
    onnx: p.onnx,
    dataPath: p.dataPath,
    data: await fill(p.builder, file, fileName, plan.scheme, progress),
    int8Weights: p.int8Weights,
  });
  const encoder = await result(plan.encoder);
  return { encoder, decoder: await result(plan.decoder), scheme: plan.scheme };
}

/**
 * The encoder and decoder graphs with int8 Linear weights, read from `file` (the file `weights`
 * was read from, see readMaeWeights). Run each with
 * `InferenceSession.create(g.onnx, { externalData: [{ path: g.dataPath, data: g.data }] })`.
 */
export async function buildInt8Graphs(weights: MaeWeights, file: Blob, fileName: string, options: Int8Options = {}): Promise<Int8Model> {
  return fillInt8Graphs(planInt8Graphs(weights, options.scheme ?? 'per-channel'), file, fileName, options.onProgress);
}

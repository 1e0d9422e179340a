/**
 * fp16 graphs of an imported model (issue 23, item 2): the same MAE graphs as mae-graph.ts (through
 * its BuilderFactory hook, as quantize-int8.ts), with the weights stored as float16 and, by default,
 * the arithmetic in float16 too, for WebGPU adapters that have `shader-f16` (webgpu-precision.ts
 * makes that choice). The graphs keep the model contract's float32 inputs and outputs: each float
 * input goes through a Cast to float16 where it enters, and the output is cast back to float32 as
 * the last node, so the page's code around the sessions does not change.
 *
 * Three precisions:
 * - 'fp16' (what WebGPU with shader-f16 runs): every activation and weight is float16, except where
 *   `fp32Ops` keeps an op in float32 (Cast in, float32 op, Cast out). LayerNormalization stays
 *   float32 by default: its variance sums squares, and trained weights put values in the hundreds
 *   into the residual stream. Measured on the bundled trained ViT-Ti (PyTorch hooks, the two
 *   reference images): the largest LayerNorm input is 226 (the final norm; 209-216 in block 11),
 *   whose square alone is 51,000 of float16's 65,504, so a variance summed in float16 can overflow;
 *   random weights stay near 11 (the Node test logs it for ViT-B). onnxruntime-web 1.30's JSEP
 *   LayerNorm shader sums in f32 even for f16 tensors (castToF32 in its WGSL), so there the float32
 *   op is a margin (float32 scale, shift and output) more than a need; other kernels need not sum
 *   so. Cost: two Casts per LayerNorm, not timed (no GPU here). Softmax runs in float16 (its inputs
 *   are the scaled scores, max-subtracted inside the op; its outputs are at most 1).
 * - 'fp16-weights' (every runtime): weights stored as float16, Cast to float32 (folded into float32
 *   constants when the session loads), float32 arithmetic: the error of rounding the weights alone.
 * - 'fp16-emulated' (every runtime): fp16-weights plus every float value rounded to float16 where
 *   the 'fp16' graph would store it (graph inputs, constants, each arithmetic op's output, through
 *   Cast pairs that onnxruntime keeps), with float32 arithmetic inside each op.
 * Why the last two: onnxruntime's CPU kernels (WASM and native) have few float16 kernels. It runs an
 * 'fp16' graph by inserting Casts to float32 around the ops that lack one and then removes the Cast
 * pairs it inserted itself, so on a CPU an 'fp16' graph computes nearly everything in float32 (seen
 * in its optimised graph) and shows little of a GPU's float16 error. What a CPU can compute is the
 * rounding of storage (fp16-emulated); on a GPU, JSEP's MatMul also accumulates in float16 (its WGSL
 * accumulator has the tensor's type), which adds error that only a real GPU can measure. Measured in tests/node/weights-fp16.test.ts and
 * docs/BENCHMARKS.md ("fp16 on WebGPU").
 *
 * Storage: as the int8 graphs, each graph gets one buffer (`encoder.fp16.bin`, `decoder.fp16.bin`)
 * holding the float16 weights (and the float32 copies of the tensors kept float32: LayerNorm's
 * scales and shifts in 'fp16'), filled one tensor at a time by byte ranges of the user's file.
 *
 * Only the 'matmul' form of the graphs is built (the page's default; 'gemm' reshapes around ops that
 * this builder does not see). Pure TypeScript (no DOM): runs in the worker and in Node.
 */
import type { MaeWeights } from './architecture.ts';
import { readRange } from './blob-bytes.ts';
import { float16Bits, float16Value, toFloat16Into, toFloat32Into } from './fp16-bits.ts';
import { buildDecoderGraph, buildEncoderGraph, GraphBuilder, type GraphOps } from './mae-graph.ts';
import { TensorType, type OnnxNode } from './onnx-proto.ts';
import { numel, type TensorEntry } from './tensors.ts';

/**
 * 'fp16': float16 weights and arithmetic (WebGPU with shader-f16); 'fp16-weights': float16 weights,
 * float32 arithmetic; 'fp16-emulated': float16 weights, and every activation rounded to float16
 * where an fp16 graph would store it, with float32 arithmetic inside each op (runs on any CPU).
 */
export type Fp16Precision = 'fp16' | 'fp16-weights' | 'fp16-emulated';

/** Ops that an 'fp16' graph may run in float32 between Casts. */
export type Fp32Op = 'LayerNormalization' | 'Softmax';

/** The default: LayerNorm in float32 (see above and the test's measurements), everything else float16. */
export const DEFAULT_FP32_OPS: readonly Fp32Op[] = ['LayerNormalization'];

export interface Fp16Options {
  precision?: Fp16Precision;
  /** 'fp16' only: ops kept in float32 (default DEFAULT_FP32_OPS) */
  fp32Ops?: readonly Fp32Op[];
  /** bytes of the file read so far, of the bytes the graphs use */
  onProgress?: (done: number, total: number) => void;
}

export interface Fp16Graph {
  onnx: Uint8Array;
  /** the external data's `path`, as the graph's initializers name it */
  dataPath: string;
  /** float16 (and a few float32) tensors; onnxruntime copies it into its own memory, so drop it once the session exists */
  data: Uint8Array;
  /** how many weights are stored as float16 */
  fp16Weights: number;
}

export interface Fp16Model {
  encoder: Fp16Graph;
  decoder: Fp16Graph;
  precision: Fp16Precision;
  fp32Ops: readonly Fp32Op[];
}

/** The contract's float inputs (v1 and v2): cast to float16 where they enter an 'fp16' graph. */
const FLOAT_INPUTS: ReadonlySet<string> = new Set(['image', 'latent', 'pos_embed', 'decoder_pos_embed']);

interface CopyJob {
  tensor: TensorEntry;
  from: number;
  to: number;
  offset: number;
  /** the stored type */
  as: 'float16' | 'float32';
}

// mae-graph.ts's LayerNorm epsilon (the official models'); the Node test's comparison with PyTorch keeps them equal
const LAYER_NORM_EPS = 1e-6;
const ALIGN = 64;
const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Ops whose float outputs an 'fp16-emulated' graph rounds to float16 (data movement does not change values). */
const ARITHMETIC: ReadonlySet<string> = new Set(['Conv', 'MatMul', 'Gemm', 'Add', 'Sub', 'Mul', 'Div', 'Erf', 'Softmax', 'LayerNormalization']);
/** Int64 graph inputs (never rounded). */
const INT_INPUTS: readonly string[] = ['ids_keep', 'ids_restore'];

class Fp16GraphBuilder extends GraphBuilder {
  readonly jobs: CopyJob[] = [];
  size = 0;
  fp16Weights = 0;
  private readonly stored = new Map<string, string>();
  private readonly halfConstants = new Map<string, string>();
  private readonly enteredInputs = new Map<string, string>();
  /** values known to be integers (index and shape tensors): an emulated graph must not round them */
  private readonly ints = new Set<string>(INT_INPUTS);

  constructor(
    tensors: Map<string, TensorEntry>,
    ops: GraphOps,
    readonly dataPath: string,
    private readonly precision: Fp16Precision,
    private readonly fp32Ops: ReadonlySet<Fp32Op>,
    /** the prefix whose result is the graph's output (cast back to float32 as the last node) */
    private readonly outputPrefix: string,
  ) {
    super(tensors, new Map(), ops);
    if (ops !== 'matmul') throw new Error("fp16 graphs are built in the 'matmul' form only");
  }

  private get compute16(): boolean {
    return this.precision === 'fp16';
  }

  private allocate(bytes: number): number {
    const offset = this.size;
    this.size = align(offset + bytes);
    return offset;
  }

  /** A tensor of the file stored as `as` in the buffer, optionally a byte range of it. */
  private store(name: string, as: 'float16' | 'float32', shape?: number[], byteRange?: [number, number]): string {
    const t = this.tensors.get(name) as TensorEntry;
    const key = `${name}:${as}:${byteRange?.join('-') ?? ''}`;
    const known = this.stored.get(key);
    if (known) return known;
    if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'bfloat16') throw new Error(`${name}: ${t.dtype} is not a float type`);
    const [from, to] = byteRange ?? [0, t.byteLength];
    const count = (to - from) / (t.byteLength / numel(t.shape));
    const bytes = count * (as === 'float16' ? 2 : 4);
    const offset = this.allocate(bytes);
    this.jobs.push({ tensor: t, from, to, offset, as });
    if (as === 'float16') this.fp16Weights += count;
    const initName = `${byteRange ? `${name}[${from}:${to}]` : name}.${as === 'float16' ? 'f16' : 'f32'}`;
    this.initializers.push({
      name: initName,
      dataType: as === 'float16' ? TensorType.FLOAT16 : TensorType.FLOAT,
      dims: shape ?? t.shape,
      location: this.dataPath,
      offset,
      length: bytes,
    });
    this.stored.set(key, initName);
    return initName;
  }

  /** A weight in the graph's compute type: float16, or float16 cast to float32 (folded at load). */
  override weight(name: string, shape?: number[], byteRange?: [number, number]): string {
    const half = this.store(name, 'float16', shape, byteRange);
    if (this.compute16) return half;
    const key = `${half}:cast`;
    const known = this.stored.get(key);
    if (known) return known;
    const value = this.cast(half, TensorType.FLOAT, `${name}.float`);
    this.stored.set(key, value);
    return value;
  }

  override constInt64(values: number[], dims?: number[]): string {
    const name = super.constInt64(values, dims);
    this.ints.add(name);
    return name;
  }

  /** Scalar and small constants in the compute type (rounded to float16 in every precision but 'fp16-weights'). */
  override constFloat(values: number[], dims: number[] = [values.length]): string {
    if (this.precision === 'fp16-weights') return super.constFloat(values, dims);
    if (!this.compute16) return super.constFloat(values.map((v) => float16Value(float16Bits(v))), dims);
    const key = `${dims.join('x')}:${values.join(',')}`;
    const known = this.halfConstants.get(key);
    if (known) return known;
    const raw = new Uint8Array(values.length * 2);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setUint16(i * 2, float16Bits(v), true));
    const name = this.fresh('const_f16');
    this.initializers.push({ name, dataType: TensorType.FLOAT16, dims, raw });
    this.halfConstants.set(key, name);
    return name;
  }

  private cast(x: string, to: number, hint: string): string {
    return super.node('Cast', [x], { to }, hint);
  }

  /** float32 -> float16 -> float32: what storing a float32 value as float16 does to it. */
  private round(x: string): string {
    return this.cast(this.cast(x, TensorType.FLOAT16, `${x}.f16`), TensorType.FLOAT, `${x}.rounded`);
  }

  /**
   * Every node goes through here. 'fp16': float graph inputs are cast to float16 once, and fp32Ops
   * run between Casts. 'fp16-emulated': float graph inputs and the float outputs of arithmetic ops
   * are rounded to float16.
   */
  override node(op: string, inputs: string[], attributes?: OnnxNode['attributes'], hint = op): string {
    if (this.precision === 'fp16-weights') return super.node(op, inputs, attributes, hint);
    const mapped = inputs.map((i) => (FLOAT_INPUTS.has(i) ? this.enter(i) : i));
    if (this.compute16) {
      if (op === 'Softmax' && this.fp32Ops.has('Softmax')) {
        const y = super.node(op, [this.cast(mapped[0], TensorType.FLOAT, `${hint}.in_f32`)], attributes, hint);
        return this.cast(y, TensorType.FLOAT16, `${hint}.out_f16`);
      }
      return super.node(op, mapped, attributes, hint);
    }
    const y = super.node(op, mapped, attributes, hint);
    if (op === 'Shape' || (mapped.length > 0 && mapped.every((i) => this.ints.has(i)))) {
      this.ints.add(y);
      return y;
    }
    return ARITHMETIC.has(op) ? this.round(y) : y;
  }

  /** A float graph input as the graph computes with it: cast to float16, or rounded to it. */
  private enter(name: string): string {
    const known = this.enteredInputs.get(name);
    if (known) return known;
    const value = this.compute16 ? this.cast(name, TensorType.FLOAT16, `${name}.f16`) : this.round(name);
    this.enteredInputs.set(name, value);
    return value;
  }

  override layerNorm(x: string, prefix: string): string {
    if (this.precision === 'fp16-weights') return super.layerNorm(x, prefix);
    const keep32 = this.fp32Ops.has('LayerNormalization');
    const isOutput = prefix === this.outputPrefix;
    // kept in float32: the statistics in float32, with the file's float32 scale and shift (not rounded to float16)
    const [w, b] = ['weight', 'bias'].map((p) => (keep32 ? this.store(`${prefix}.${p}`, 'float32') : this.weight(`${prefix}.${p}`)));
    const attributes = { axis: -1, epsilon: { float: LAYER_NORM_EPS } };
    if (!this.compute16) {
      const ln = super.node('LayerNormalization', [x, w, b], attributes, prefix);
      return keep32 && isOutput ? ln : this.round(ln);
    }
    if (!keep32) {
      const y = super.node('LayerNormalization', [x, w, b], attributes, prefix);
      return isOutput ? this.cast(y, TensorType.FLOAT, `${prefix}.output`) : y;
    }
    const ln = super.node('LayerNormalization', [this.cast(x, TensorType.FLOAT, `${prefix}.in_f32`), w, b], attributes, prefix);
    return isOutput ? ln : this.cast(ln, TensorType.FLOAT16, `${prefix}.out_f16`);
  }

  override linear(x: string, prefix: string): string {
    const y = super.linear(x, prefix);
    return this.compute16 && prefix === this.outputPrefix ? this.cast(y, TensorType.FLOAT, `${prefix}.output`) : y;
  }
}

async function fill(builder: Fp16GraphBuilder, file: Blob, fileName: string, progress: (bytes: number) => void): Promise<Uint8Array> {
  const data = new Uint8Array(builder.size);
  for (const job of builder.jobs) {
    const t = job.tensor;
    const bytes = await readRange(file, t.byteOffset + job.from, t.byteOffset + job.to, fileName);
    const dtype = t.dtype as 'float32' | 'float16' | 'bfloat16';
    const count = (job.to - job.from) / (t.byteLength / numel(t.shape));
    if (job.as === 'float16') toFloat16Into(bytes, dtype, new Uint16Array(data.buffer, job.offset, count));
    else toFloat32Into(bytes, dtype, new Float32Array(data.buffer, job.offset, count));
    progress(job.to - job.from);
  }
  return data;
}

/**
 * The encoder and decoder graphs with float16 weights, read from `file` (the file `weights` was
 * read from, see readMaeWeights). Run each with
 * `InferenceSession.create(g.onnx, { externalData: [{ path: g.dataPath, data: g.data }] })`.
 */
export async function buildFp16Graphs(weights: MaeWeights, file: Blob, fileName: string, options: Fp16Options = {}): Promise<Fp16Model> {
  const precision = options.precision ?? 'fp16';
  const fp32Ops = options.fp32Ops ?? DEFAULT_FP32_OPS;
  const ops = new Set(fp32Ops);
  const builders: { encoder?: Fp16GraphBuilder; decoder?: Fp16GraphBuilder } = {};
  const graphs = {
    encoder: buildEncoderGraph(weights, 'matmul', (tensors, _chunks, o) => (builders.encoder = new Fp16GraphBuilder(tensors, o, 'encoder.fp16.bin', precision, ops, 'norm'))),
    decoder: buildDecoderGraph(
      weights,
      'matmul',
      (tensors, _chunks, o) => (builders.decoder = new Fp16GraphBuilder(tensors, o, 'decoder.fp16.bin', precision, ops, 'decoder_pred')),
    ),
  };
  const encoder = builders.encoder as Fp16GraphBuilder;
  const decoder = builders.decoder as Fp16GraphBuilder;
  const total = [...encoder.jobs, ...decoder.jobs].reduce((sum, j) => sum + j.to - j.from, 0);
  let done = 0;
  const progress = (bytes: number) => {
    done += bytes;
    options.onProgress?.(done, total);
  };
  const result = (g: { onnx: Uint8Array }, b: Fp16GraphBuilder, data: Uint8Array): Fp16Graph => ({ onnx: g.onnx, dataPath: b.dataPath, data, fp16Weights: b.fp16Weights });
  return {
    encoder: result(graphs.encoder, encoder, await fill(encoder, file, fileName, progress)),
    decoder: result(graphs.decoder, decoder, await fill(decoder, file, fileName, progress)),
    precision,
    fp32Ops: precision === 'fp16' ? fp32Ops : [],
  };
}

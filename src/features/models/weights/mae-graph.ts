/**
 * The MAE as two ONNX graphs that follow the model contract (docs/MODEL_CONTRACT.md; the same inputs,
 * outputs and semantics as python/mae_playground/export_onnx.py's graphs) and whose weights are ONNX external data:
 * byte ranges of the user's file, never copied here.
 *
 * Op choices, for speed. torch.onnx.export writes Conv patch embedding, MatMul + Add linears with the
 * weights stored transposed ([in, out]), LayerNormalization, the erf GELU pattern that onnxruntime
 * fuses into one Gelu, and Reshape/Transpose/Gather/MatMul/Softmax attention with one fused qkv
 * MatMul. The file's weights are in PyTorch's layout ([out, in]) and cannot be rewritten, so:
 * - 'matmul' (the default; what the page, the CLI and the tests build): the exported graph's ops
 *   exactly, each weight through a Transpose that onnxruntime folds into a constant at load.
 *   On onnxruntime-web's WASM kernels it ran twice as fast as 'gemm' (npm run bench:weights -- --wasm,
 *   2026-11-29, ViT-B/16: 1024 vs 2122 ms per image); natively the two are alike (docs/BENCHMARKS.md).
 * - 'gemm': the tokens flow as a 2-D [B*N, dim] matrix and every linear layer is one Gemm with
 *   transB=1, which uses the [out, in] weights as they are, with the bias inside; nothing is folded
 *   at load except the Concat that stacks q, k, v into the fused [3*dim, dim] weight. Kept for the
 *   benchmark's comparison and for execution providers where Gemm is the faster kernel.
 * npm run bench:weights measures both against the converted model folder.
 * float16 and bfloat16 weights get a Cast to float, folded at load.
 *
 * External data: the tensors a graph uses are grouped into chunks (contiguous spans of the file up
 * to 1 GiB; more than 1 MB of bytes the graph does not use starts a new chunk: torch.save orders
 * the storages by their keys as strings, so encoder and decoder tensors interleave through the
 * file), each handed to onnxruntime as one `externalData` entry that is a slice of the file. The
 * encoder's and the decoder's weights are thus read once each, and no single buffer approaches the
 * browser's 2 GB ArrayBuffer limit.
 */
import type { MaeArchitecture, MaeWeights } from './architecture.ts';
import { encodeModel, TensorType, type ExternalTensor, type GraphIO, type InlineTensor, type OnnxNode } from './onnx-proto.ts';
import type { TensorEntry } from './tensors.ts';

export const OPSET = 17;
const LAYER_NORM_EPS = 1e-6; // the official models' LayerNorm (Hugging Face's configs say 1e-12; same results within 1e-4)
const MAX_CHUNK_BYTES = 1 << 30;
const MAX_GAP_BYTES = 1 << 20;

export interface ExternalChunk {
  /** the name the graphs use as `location` and the session option's `path` */
  path: string;
  /** byte range [start, end) of the user's file */
  start: number;
  end: number;
}

/**
 * How linear layers are written: 'matmul' (Transpose + MatMul + Add on 3-D tokens, as
 * torch.onnx.export writes them; onnxruntime folds the transposes at load) or 'gemm' (Gemm with
 * transB on 2-D tokens: the file's [out, in] weights are used as they are).
 */
export type GraphOps = 'gemm' | 'matmul';
/** The page's choice (twice as fast on WASM, see above); the CLI and the tests use it too. */
export const DEFAULT_GRAPH_OPS: GraphOps = 'matmul';

export interface BuiltGraph {
  onnx: Uint8Array;
  chunks: ExternalChunk[];
}

/** Groups byte ranges into chunks; returns the chunk of each tensor by name. */
export function planChunks(entries: readonly TensorEntry[], prefix: string): { chunks: ExternalChunk[]; chunkOf: Map<TensorEntry, ExternalChunk> } {
  const sorted = [...new Set(entries)].sort((a, b) => a.byteOffset - b.byteOffset);
  const chunks: ExternalChunk[] = [];
  const chunkOf = new Map<TensorEntry, ExternalChunk>();
  let current: ExternalChunk | undefined;
  for (const t of sorted) {
    const end = t.byteOffset + t.byteLength;
    if (!current || t.byteOffset - current.end > MAX_GAP_BYTES || Math.max(end, current.end) - current.start > MAX_CHUNK_BYTES) {
      current = { path: `${prefix}.weights.${chunks.length}.bin`, start: t.byteOffset, end };
      chunks.push(current);
    }
    current.end = Math.max(current.end, end);
    chunkOf.set(t, current);
  }
  return { chunks, chunkOf };
}

const ONNX_TYPE = { float32: TensorType.FLOAT, float16: TensorType.FLOAT16, bfloat16: TensorType.BFLOAT16 } as Record<string, number>;

/** Writes the graph's nodes and initializers; quantize-int8.ts's builder overrides how weights and linear layers are stored. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: (ExternalTensor | InlineTensor)[] = [];
  /** Each block's softmax weights [B, heads, N, N], in block order (attention-graph.ts makes them outputs). */
  readonly softmaxOutputs: string[] = [];
  private counter = 0;
  private readonly constants = new Map<string, string>();
  private readonly weights = new Map<string, string>();

  constructor(
    protected readonly tensors: Map<string, TensorEntry>,
    protected readonly chunkOf: Map<TensorEntry, ExternalChunk>,
    readonly ops: GraphOps,
  ) {}

  protected fresh(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  node(op: string, inputs: string[], attributes?: OnnxNode['attributes'], hint = op): string {
    const out = this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [out], name: out, attributes });
    return out;
  }

  /** A weight of the file as a float32 value (a Cast for half-precision files), optionally a sub-range of rows. */
  weight(name: string, shape?: number[], byteRange?: [number, number]): string {
    const t = this.tensors.get(name) as TensorEntry;
    const key = `${name}:${byteRange?.join('-') ?? ''}`;
    const known = this.weights.get(key);
    if (known) return known;
    const chunk = this.chunkOf.get(t) as ExternalChunk;
    const [from, to] = byteRange ?? [0, t.byteLength];
    const initName = byteRange ? `${name}[${from}:${to}]` : name;
    this.initializers.push({
      name: initName,
      dataType: ONNX_TYPE[t.dtype],
      dims: shape ?? t.shape,
      location: chunk.path,
      offset: t.byteOffset + from - chunk.start,
      length: to - from,
    });
    const value = t.dtype === 'float32' ? initName : this.node('Cast', [initName], { to: TensorType.FLOAT }, `${name}.float`);
    this.weights.set(key, value);
    return value;
  }

  constInt64(values: number[], dims: number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    const name = this.fresh('const_i64');
    this.initializers.push({ name, dataType: TensorType.INT64, dims, raw });
    this.constants.set(key, name);
    return name;
  }

  constFloat(values: number[], dims: number[] = [values.length]): string {
    const raw = new Uint8Array(values.length * 4);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    const key = `f32:${dims.join('x')}:${values.length > 8 ? this.counter : values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh('const_f32');
    this.initializers.push({ name, dataType: TensorType.FLOAT, dims, raw });
    this.constants.set(key, name);
    return name;
  }

  /** x @ W^T + b for a PyTorch Linear (weight [out, in]): a Gemm on 2-D tokens, or Transpose + MatMul + Add. */
  linear(x: string, prefix: string): string {
    if (this.ops === 'gemm') {
      return this.node('Gemm', [x, this.weight(`${prefix}.weight`), this.weight(`${prefix}.bias`)], { transB: 1 }, `${prefix}.Gemm`);
    }
    const weightT = this.node('Transpose', [this.weight(`${prefix}.weight`)], { perm: [1, 0] }, `${prefix}.weight.T`);
    const y = this.node('MatMul', [x, weightT], undefined, `${prefix}.MatMul`);
    return this.node('Add', [y, this.weight(`${prefix}.bias`)], undefined, `${prefix}.Add`);
  }

  /** The attention's q, k, v projections of block `prefix` as one linear layer: x @ [Wq; Wk; Wv]^T + [bq; bk; bv]. */
  qkvLinear(h: string, prefix: string): string {
    const parts = ['q', 'k', 'v'].map((p) => `${prefix}.attn.${p}`);
    // q, k, v weights (each [dim, dim]) stacked into the fused [3*dim, dim] layout: one GEMM for all three
    const wqkv = this.node('Concat', parts.map((p) => this.weight(`${p}.weight`)), { axis: 0 }, `${prefix}.attn.qkv.weight`);
    const bqkv = this.node('Concat', parts.map((p) => this.weight(`${p}.bias`)), { axis: 0 }, `${prefix}.attn.qkv.bias`);
    if (this.ops === 'gemm') return this.node('Gemm', [h, wqkv, bqkv], { transB: 1 }, `${prefix}.attn.qkv.Gemm`);
    const wqkvT = this.node('Transpose', [wqkv], { perm: [1, 0] }, `${prefix}.attn.qkv.weight.T`);
    return this.node('Add', [this.node('MatMul', [h, wqkvT], undefined, `${prefix}.attn.qkv.MatMul`), bqkv], undefined, `${prefix}.attn.qkv.Add`);
  }

  /** [batch, ...rest]: a shape whose first dimension is the graph's batch size. */
  batchShape(batch: string, rest: number[]): string {
    const key = `shape:${batch}:${rest.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const shape = this.node('Concat', [batch, this.constInt64(rest)], { axis: 0 }, 'batch_shape');
    this.constants.set(key, shape);
    return shape;
  }

  /** The graph's outputs, once the body is written: as the contract says here; attention-graph.ts's builder adds (or swaps in) the attention. */
  finishOutputs(outputs: GraphIO[]): GraphIO[] {
    return outputs;
  }

  layerNorm(x: string, prefix: string): string {
    return this.node('LayerNormalization', [x, this.weight(`${prefix}.weight`), this.weight(`${prefix}.bias`)], { axis: -1, epsilon: { float: LAYER_NORM_EPS } }, prefix);
  }

  /**
   * models_mae.Block: x + attn(norm1(x)), then x + mlp(norm2(x)). With 'gemm' ops the tokens are 2-D
   * ([B*N, dim]) and `batch` (a 1-D tensor holding B) restores the batch axis for attention.
   */
  block(x: string, prefix: string, dim: number, heads: number, batch: string): string {
    const headDim = dim / heads;
    const gemm = this.ops === 'gemm';
    const h = this.layerNorm(x, `${prefix}.norm1`);
    const qkv = this.qkvLinear(h, prefix);
    const qkv5 = gemm ? this.batchShape(batch, [-1, 3, heads, headDim]) : this.constInt64([0, 0, 3, heads, headDim]);
    const split = this.node('Transpose', [this.node('Reshape', [qkv, qkv5])], { perm: [2, 0, 3, 1, 4] });
    const [q, k, v] = [0, 1, 2].map((i) => this.node('Gather', [split, this.constInt64([i], [])], { axis: 0 }));
    const qScaled = this.node('Mul', [q, this.constFloat([headDim ** -0.5], [])]);
    const scores = this.node('MatMul', [qScaled, this.node('Transpose', [k], { perm: [0, 1, 3, 2] })]);
    const attn = this.node('Softmax', [scores], { axis: -1 });
    this.softmaxOutputs.push(attn);
    const context = this.node('Transpose', [this.node('MatMul', [attn, v])], { perm: [0, 2, 1, 3] });
    const merged = this.node('Reshape', [context, this.constInt64(gemm ? [-1, dim] : [0, 0, dim])]);
    const x1 = this.node('Add', [x, this.linear(merged, `${prefix}.attn.proj`)]);
    const h2 = this.layerNorm(x1, `${prefix}.norm2`);
    const fc1 = this.linear(h2, `${prefix}.mlp.fc1`);
    // exact (erf) GELU, as nn.GELU and torch.onnx.export write it: onnxruntime fuses this into Gelu
    const erf = this.node('Erf', [this.node('Div', [fc1, this.constFloat([Math.SQRT2], [])])]);
    const gelu = this.node('Mul', [this.node('Mul', [fc1, this.node('Add', [erf, this.constFloat([1], [])])]), this.constFloat([0.5], [])]);
    return this.node('Add', [x1, this.linear(gelu, `${prefix}.mlp.fc2`)]);
  }
}

/** Makes the builder a graph is written with: GraphBuilder itself, or quantize-int8.ts's. */
export type BuilderFactory = (tensors: Map<string, TensorEntry>, chunkOf: Map<TensorEntry, ExternalChunk>, ops: GraphOps) => GraphBuilder;
const plainBuilder: BuilderFactory = (tensors, chunkOf, ops) => new GraphBuilder(tensors, chunkOf, ops);

function build(
  weights: MaeWeights,
  part: 'encoder' | 'decoder',
  ops: GraphOps,
  names: string[],
  makeBuilder: BuilderFactory,
  body: (g: GraphBuilder, a: MaeArchitecture) => { inputs: GraphIO[]; outputs: GraphIO[]; output: string },
): BuiltGraph {
  const used = names.map((n) => weights.tensors.get(n) as TensorEntry);
  const { chunks, chunkOf } = planChunks(used, part);
  const g = makeBuilder(weights.tensors, chunkOf, ops);
  const { inputs, outputs, output } = body(g, weights.architecture);
  // Name the last node's output after the contract's output.
  const last = g.nodes[g.nodes.length - 1];
  if (last.outputs[0] !== output) throw new Error('graph builder: the output must be the last node');
  last.outputs[0] = outputs[0].name;
  const graphOutputs = g.finishOutputs(outputs);
  const onnx = encodeModel({
    graphName: `mae_${part}`,
    opset: OPSET,
    producer: 'mae-playground weights import',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs: graphOutputs,
  });
  // only the chunks the graph's initializers name (a builder that stores weights elsewhere uses none)
  const locations = new Set(g.initializers.map((t) => ('location' in t ? t.location : '')));
  return { onnx, chunks: chunks.filter((c) => locations.has(c.path)) };
}

/** Rows [from, to) of a [1, N, dim] graph value along axis 1 (Number.MAX_SAFE_INTEGER: to the end). */
function rows(g: GraphBuilder, x: string, from: number, to: number): string {
  return g.node('Slice', [x, g.constInt64([from]), g.constInt64([to]), g.constInt64([1])]);
}

/**
 * Contract v2 (docs/MODEL_CONTRACT.md): image [B, C, H, W] of any H, W that are multiples of the patch
 * size, and the position table for that grid as the input `pos_embed` [1, 1+L, D] (the page computes
 * it: sin-cos, or the file's table resized; see positions.ts). The file's own pos_embed is not in the graph.
 */
export function buildEncoderGraph(weights: MaeWeights, ops: GraphOps = DEFAULT_GRAPH_OPS, makeBuilder: BuilderFactory = plainBuilder): BuiltGraph {
  const names = [...weights.tensors.keys()].filter((n) => !(n.startsWith('decoder_') || n === 'mask_token' || n === 'pos_embed'));
  return build(weights, 'encoder', ops, names, makeBuilder, (g, a) => {
    const D = a.embedDim;
    const posCls = rows(g, 'pos_embed', 0, 1);
    const posPatches = rows(g, 'pos_embed', 1, Number.MAX_SAFE_INTEGER);
    const conv = g.node(
      'Conv',
      ['image', g.weight('patch_embed.proj.weight'), g.weight('patch_embed.proj.bias')],
      { kernel_shape: [a.patchSize, a.patchSize], strides: [a.patchSize, a.patchSize] },
      'patch_embed',
    );
    const patches = g.node('Transpose', [g.node('Reshape', [conv, g.constInt64([0, D, -1])])], { perm: [0, 2, 1] });
    const withPos = g.node('Add', [patches, posPatches]);
    const index = g.node('Expand', [g.node('Unsqueeze', ['ids_keep', g.constInt64([-1])]), g.constInt64([1, 1, D])]);
    const visible = g.node('GatherElements', [withPos, index], { axis: 1 });
    const cls = g.node('Add', [g.weight('cls_token'), posCls], undefined, 'cls_plus_pos');
    const batch = g.node('Shape', ['image'], { start: 0, end: 1 });
    const clsBatch = g.node('Expand', [cls, g.node('Concat', [batch, g.constInt64([1, 1])], { axis: 0 })]);
    let x = g.node('Concat', [clsBatch, visible], { axis: 1 });
    const gemm = g.ops === 'gemm';
    if (gemm) x = g.node('Reshape', [x, g.constInt64([-1, D])]);
    for (let i = 0; i < a.depth; i++) x = g.block(x, `blocks.${i}`, D, a.numHeads, batch);
    let latent = g.layerNorm(x, 'norm');
    if (gemm) latent = g.node('Reshape', [latent, g.batchShape(batch, [-1, D])]);
    return {
      inputs: [
        { name: 'image', elemType: TensorType.FLOAT, shape: ['B', a.inChans, 'H', 'W'] },
        { name: 'ids_keep', elemType: TensorType.INT64, shape: ['B', 'K'] },
        { name: 'pos_embed', elemType: TensorType.FLOAT, shape: [1, 'L1', D] },
      ],
      outputs: [{ name: 'latent', elemType: TensorType.FLOAT, shape: ['B', 'K1', D] }],
      output: latent,
    };
  });
}

/** Contract v2: ids_restore [B, L] for any L, the position table as the input `decoder_pos_embed` [1, 1+L, Dd]. */
export function buildDecoderGraph(weights: MaeWeights, ops: GraphOps = DEFAULT_GRAPH_OPS, makeBuilder: BuilderFactory = plainBuilder): BuiltGraph {
  const names = [...weights.tensors.keys()].filter((n) => (n.startsWith('decoder_') || n === 'mask_token') && n !== 'decoder_pos_embed');
  return build(weights, 'decoder', ops, names, makeBuilder, (g, a) => {
    const D = a.embedDim;
    const Dd = a.decoderEmbedDim;
    const pp3 = a.patchSize * a.patchSize * a.inChans;
    const gemm = g.ops === 'gemm';
    const batch = g.node('Shape', ['latent'], { start: 0, end: 1 });
    const y = gemm
      ? g.node('Reshape', [g.linear(g.node('Reshape', ['latent', g.constInt64([-1, D])]), 'decoder_embed'), g.batchShape(batch, [-1, Dd])])
      : g.linear('latent', 'decoder_embed');
    const cls = rows(g, y, 0, 1);
    const visible = rows(g, y, 1, Number.MAX_SAFE_INTEGER);
    // L - K mask tokens: K + 1 tokens came in, L + 1 go on (L: ids_restore's length, any grid)
    const tokensIn = g.node('Shape', [y], { start: 1, end: 2 });
    const patchCount = g.node('Shape', ['ids_restore'], { start: 1, end: 2 });
    const maskCount = g.node('Sub', [g.node('Add', [patchCount, g.constInt64([1])]), tokensIn]);
    const maskTokens = g.node('Expand', [g.weight('mask_token'), g.node('Concat', [batch, maskCount, g.constInt64([1])], { axis: 0 })]);
    const shuffled = g.node('Concat', [visible, maskTokens], { axis: 1 });
    const index = g.node('Expand', [g.node('Unsqueeze', ['ids_restore', g.constInt64([-1])]), g.constInt64([1, 1, Dd])]);
    const unshuffled = g.node('GatherElements', [shuffled, index], { axis: 1 });
    let x = g.node('Add', [g.node('Concat', [cls, unshuffled], { axis: 1 }), 'decoder_pos_embed']);
    if (gemm) x = g.node('Reshape', [x, g.constInt64([-1, Dd])]);
    for (let i = 0; i < a.decoderDepth; i++) x = g.block(x, `decoder_blocks.${i}`, Dd, a.decoderNumHeads, batch);
    let normed = g.layerNorm(x, 'decoder_norm');
    if (gemm) normed = g.node('Reshape', [normed, g.batchShape(batch, [-1, Dd])]);
    // drop the cls token before the prediction head: the contract's pred has the L patches only
    let patches = rows(g, normed, 1, Number.MAX_SAFE_INTEGER);
    if (gemm) patches = g.node('Reshape', [patches, g.constInt64([-1, Dd])]);
    let pred = g.linear(patches, 'decoder_pred');
    if (gemm) pred = g.node('Reshape', [pred, g.batchShape(batch, [-1, pp3])]);
    return {
      inputs: [
        { name: 'latent', elemType: TensorType.FLOAT, shape: ['B', 'K1', D] },
        { name: 'ids_restore', elemType: TensorType.INT64, shape: ['B', 'L'] },
        { name: 'decoder_pos_embed', elemType: TensorType.FLOAT, shape: [1, 'L1', Dd] },
      ],
      outputs: [{ name: 'pred', elemType: TensorType.FLOAT, shape: ['B', 'L', pp3] }],
      output: pred,
    };
  });
}

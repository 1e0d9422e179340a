/**
 * One image through a model's attention graphs (model contract v2: encoder-attention.onnx and
 * decoder-attention.onnx, or the graphs attention-graph.ts builds for imported weights). Shared by
 * the worker (onnxruntime-web), the Node tests and the CLI (onnxruntime-node): only onnxruntime-common's
 * types are imported, the Tensor class comes in as a parameter (as src/mae/reconstruct.ts does).
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { MaskIds } from '../../mae/masking.ts';

export interface AttentionSessions {
  encoder: InferenceSession;
  decoder: InferenceSession;
}

/** One graph's softmax weights for one image: [depth, heads, tokens, tokens], rows sum to 1. */
export interface AttentionStack {
  data: Float32Array;
  depth: number;
  heads: number;
  tokens: number;
}

export interface AttentionRun {
  /** tokens: cls, then the visible patches in ids_keep order */
  encoder: AttentionStack;
  /** tokens: cls, then patches 0..L-1 */
  decoder: AttentionStack;
  encoderMs: number;
  decoderMs: number;
}

/** Position tables of a v2 model for this image's grid (src/mae/grid-positions.ts's GridTables fit). */
export interface PositionTables {
  encoder: Float32Array;
  encoderDim: number;
  decoder: Float32Array;
  decoderDim: number;
}

function int64(ids: Int32Array): BigInt64Array {
  return BigInt64Array.from(ids, (v) => BigInt(v));
}

/** The `attention` output as a stack, checked against the shape the contract gives it. */
async function stackOf(t: Tensor | undefined, graph: string, tokens: number): Promise<AttentionStack> {
  if (!t) throw new Error(`${graph} has no output "attention"`);
  const d = t.dims;
  if (t.type !== 'float32' || d.length !== 5 || d[0] !== 1 || d[3] !== tokens || d[4] !== tokens) {
    throw new Error(`${graph}'s attention must be float32 [1, depth, heads, ${tokens}, ${tokens}], got ${t.type} [${d.join(', ')}]`);
  }
  const data = ((await t.getData()) as Float32Array).slice();
  return { data, depth: d[1], heads: d[2], tokens };
}

/**
 * image: normalised float32 [3, height, width]. The encoder-attention graph gives the latent and the
 * encoder's weights; the latent goes on to the decoder-attention graph. `positions` feeds v2 graphs
 * (inputs pos_embed / decoder_pos_embed); graphs without those inputs ignore it. Every tensor is disposed.
 */
export async function runAttention(
  sessions: AttentionSessions,
  TensorCtor: typeof Tensor,
  image: Float32Array,
  size: { height: number; width: number },
  masks: MaskIds,
  positions?: PositionTables,
  now: () => number = () => globalThis.performance.now(),
): Promise<AttentionRun> {
  const K = masks.idsKeep.length;
  const L = masks.idsRestore.length;
  const created: Tensor[] = [];
  const outputs: Tensor[] = [];
  const wants = (s: InferenceSession, name: string) => s.inputNames.includes(name);
  const needsPositions = wants(sessions.encoder, 'pos_embed') || wants(sessions.decoder, 'decoder_pos_embed');
  if (needsPositions && !positions) throw new Error('these attention graphs take position tables (contract v2) and none were given');
  try {
    const feeds: Record<string, Tensor> = {
      image: new TensorCtor('float32', image, [1, 3, size.height, size.width]),
      ids_keep: new TensorCtor('int64', int64(masks.idsKeep), [1, K]),
    };
    if (positions && wants(sessions.encoder, 'pos_embed'))
      feeds.pos_embed = new TensorCtor('float32', positions.encoder, [1, L + 1, positions.encoderDim]);
    created.push(...Object.values(feeds));
    const t0 = now();
    const enc = await sessions.encoder.run(feeds);
    const t1 = now();
    outputs.push(...Object.values(enc));
    const latent = enc.latent;
    if (!latent) throw new Error('encoder-attention has no output "latent"');
    const encoder = await stackOf(enc.attention, 'encoder-attention', K + 1);
    const decFeeds: Record<string, Tensor> = { latent, ids_restore: new TensorCtor('int64', int64(masks.idsRestore), [1, L]) };
    created.push(decFeeds.ids_restore);
    if (positions && wants(sessions.decoder, 'decoder_pos_embed')) {
      decFeeds.decoder_pos_embed = new TensorCtor('float32', positions.decoder, [1, L + 1, positions.decoderDim]);
      created.push(decFeeds.decoder_pos_embed);
    }
    const t2 = now();
    const dec = await sessions.decoder.run(decFeeds);
    const t3 = now();
    outputs.push(...Object.values(dec));
    const decoder = await stackOf(dec.attention, 'decoder-attention', L + 1);
    return { encoder, decoder, encoderMs: t1 - t0, decoderMs: t3 - t2 };
  } finally {
    for (const t of [...created, ...outputs]) t.dispose();
  }
}

/**
 * Attention graphs of imported weights (model contract v2, docs/MODEL_CONTRACT.md): the encoder and
 * decoder graphs of mae-graph.ts, written by the same GraphBuilder, with every block's softmax
 * weights stacked into one more output:
 * - encoder-attention: inputs as the encoder's; outputs `latent` and `attention`
 *   [B, depth, heads, 1+K, 1+K] (tokens: cls, then the visible patches in ids_keep order);
 * - decoder-attention: inputs as the decoder's; output `attention` [B, decoderDepth, heads, 1+L, 1+L]
 *   (tokens: cls, then patches 0..L-1, unshuffled); the prediction head is not in the graph.
 *
 * Separate graphs, for a separate session made only when the attention view opens: a Softmax that is
 * also a graph output keeps onnxruntime from fusing it, and the runtime computes every output of a
 * graph, so adding them to the normal graphs would slow every reconstruction. The weights are the
 * same byte ranges of the user's file, under the same chunk names as the normal graphs' (no copy).
 */
import type { MaeWeights } from './architecture.ts';
import { buildDecoderGraph, buildEncoderGraph, DEFAULT_GRAPH_OPS, GraphBuilder, type BuiltGraph, type GraphOps } from './mae-graph.ts';
import { TensorType, type GraphIO } from './onnx-proto.ts';

export const ATTENTION_OUTPUT = 'attention';

/** GraphBuilder whose graph also (or only) outputs the stacked softmax weights of its blocks. */
class AttentionGraphBuilder extends GraphBuilder {
  /** keepOutputs: the contract's outputs stay (encoder: latent); otherwise attention is the only output. */
  keepOutputs = true;

  override finishOutputs(outputs: GraphIO[]): GraphIO[] {
    const perBlock = this.softmaxOutputs.map((s) => this.node('Unsqueeze', [s, this.constInt64([1])], undefined, 'attention_block'));
    this.node('Concat', perBlock, { axis: 1 }, 'attention_stack');
    this.nodes[this.nodes.length - 1].outputs[0] = ATTENTION_OUTPUT;
    const attention: GraphIO = { name: ATTENTION_OUTPUT, elemType: TensorType.FLOAT, shape: ['B', perBlock.length, 'heads', 'N', 'N'] };
    if (this.keepOutputs) return [...outputs, attention];
    this.pruneTo([ATTENTION_OUTPUT]);
    return [attention];
  }

  /** Drops the nodes and initializers that no output needs (the decoder's prediction head). */
  private pruneTo(outputs: string[]): void {
    const needed = new Set(outputs);
    const kept = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!n.outputs.some((o) => needed.has(o))) continue;
      kept.push(n);
      for (const input of n.inputs) needed.add(input);
    }
    this.nodes.splice(0, this.nodes.length, ...kept.reverse());
    const inits = this.initializers.filter((t) => needed.has(t.name));
    this.initializers.splice(0, this.initializers.length, ...inits);
  }
}

/** encoder-attention: the encoder graph with `attention` as a second output. */
export function buildEncoderAttentionGraph(weights: MaeWeights, ops: GraphOps = DEFAULT_GRAPH_OPS): BuiltGraph {
  return buildEncoderGraph(weights, ops, (tensors, chunkOf, o) => new AttentionGraphBuilder(tensors, chunkOf, o));
}

/** decoder-attention: the decoder graph up to its last block, `attention` its only output. */
export function buildDecoderAttentionGraph(weights: MaeWeights, ops: GraphOps = DEFAULT_GRAPH_OPS): BuiltGraph {
  return buildDecoderGraph(weights, ops, (tensors, chunkOf, o) => {
    const g = new AttentionGraphBuilder(tensors, chunkOf, o);
    g.keepOutputs = false;
    return g;
  });
}

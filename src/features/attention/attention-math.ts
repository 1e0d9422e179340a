/**
 * What the attention view shows, computed from the graphs' softmax weights (attention-run.ts):
 * one query token's row of one block (one head or the mean over heads), placed on the patch grid;
 * the share of a decoder row that goes to visible patches, to mask tokens and to cls; and attention
 * rollout of the encoder's cls token (Abnar & Zuidema 2020, "Quantifying Attention Flow in
 * Transformers"): per block the head-mean A, the residual added as identity, 0.5*A + 0.5*I, rows
 * renormalised, multiplied through the blocks. Pure functions, no DOM: the worker's results, the
 * view, the CLI and the tests use the same ones.
 */
import type { AttentionStack } from './attention-run.ts';

export type Graph = 'encoder' | 'decoder';
/** a head index, or the mean over heads */
export type HeadChoice = number | 'mean';

/** One row (query token `query`) of block `block`: a head's weights, or their mean over heads. */
export function attentionRow(s: AttentionStack, block: number, head: HeadChoice, query: number): Float32Array {
  const { depth, heads, tokens: n } = s;
  if (!(block >= 0 && block < depth)) throw new RangeError(`block ${block} is not in 0..${depth - 1}`);
  if (!(query >= 0 && query < n)) throw new RangeError(`token ${query} is not in 0..${n - 1}`);
  const rowAt = (h: number) => ((block * heads + h) * n + query) * n;
  if (head !== 'mean') {
    if (!(head >= 0 && head < heads)) throw new RangeError(`head ${head} is not in 0..${heads - 1}`);
    return s.data.slice(rowAt(head), rowAt(head) + n);
  }
  const out = new Float64Array(n);
  for (let h = 0; h < heads; h++) {
    const at = rowAt(h);
    for (let j = 0; j < n; j++) out[j] += s.data[at + j];
  }
  return Float32Array.from(out, (v) => v / heads);
}

/**
 * Rollout of the encoder's attention for every token (row i: how token i's final state draws on
 * each input token through all blocks), as Abnar & Zuidema: R = Â_depth ... Â_1, Â = rows of
 * (0.5 * mean_heads(A) + 0.5 * I) renormalised. Float64 inside. Returns the cls row [tokens].
 */
export function rolloutCls(s: AttentionStack, upToBlock = s.depth - 1): Float32Array {
  const n = s.tokens;
  let r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) r[i * n + i] = 1;
  for (let b = 0; b <= upToBlock; b++) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = attentionRow(s, b, 'mean', i);
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const v = 0.5 * row[j] + (i === j ? 0.5 : 0);
        a[i * n + j] = v;
        sum += v;
      }
      for (let j = 0; j < n; j++) a[i * n + j] /= sum;
    }
    const next = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const aik = a[i * n + k];
        if (aik === 0) continue;
        for (let j = 0; j < n; j++) next[i * n + j] += aik * r[k * n + j];
      }
    }
    r = next;
  }
  return Float32Array.from(r.subarray(0, n));
}

/** The token a patch is in a graph: encoder tokens are cls + visible patches (ids_keep order); decoder cls + all patches. */
export function tokenOfPatch(graph: Graph, patch: number, idsKeep: ArrayLike<number>): number | null {
  if (graph === 'decoder') return patch + 1;
  for (let i = 0; i < idsKeep.length; i++) if (idsKeep[i] === patch) return i + 1;
  return null; // a hidden patch is not an encoder token
}

/** A row's weights placed on the patch grid: [numPatches] (NaN where the patch is not a key: hidden in the encoder), and cls's. */
export function rowOnPatches(
  graph: Graph,
  row: Float32Array,
  idsKeep: ArrayLike<number>,
  numPatches: number,
): { patches: Float32Array; cls: number } {
  const patches = new Float32Array(numPatches).fill(Number.NaN);
  if (graph === 'decoder') patches.set(row.subarray(1, 1 + numPatches));
  else for (let i = 0; i < idsKeep.length; i++) patches[idsKeep[i]] = row[i + 1];
  return { patches, cls: row[0] };
}

/** A decoder row's split: to visible patches' tokens, to mask tokens (hidden patches: position only), to cls. */
export function decoderShares(row: Float32Array, hidden: ArrayLike<number>): { visible: number; masked: number; cls: number } {
  let visible = 0;
  let masked = 0;
  for (let p = 0; p < hidden.length; p++) {
    if (hidden[p]) masked += row[p + 1];
    else visible += row[p + 1];
  }
  return { visible, masked, cls: row[0] };
}

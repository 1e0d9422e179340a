/**
 * What the attention view shows for a selection (graph, layer, head or mean, query token, rollout):
 * the query row on the patch grid, the colour scale's top, the decoder's split between visible
 * patches, mask tokens and cls. Pure: the panel, the test build's snapshot and the CLI share it.
 */
import { attentionRow, decoderShares, rolloutCls, rowOnPatches, tokenOfPatch, type Graph, type HeadChoice } from './attention-math.ts';
import type { AttentionStack } from './attention-run.ts';
import { scaleMax } from './attention-image.ts';

export interface AttentionData {
  encoder: AttentionStack;
  decoder: AttentionStack;
  idsKeep: ArrayLike<number>;
  /** per patch, 1 = hidden */
  hidden: ArrayLike<number>;
  numPatches: number;
  gridH: number;
  gridW: number;
}

export interface AttentionSelection {
  graph: Graph;
  /** 0-based block */
  layer: number;
  head: HeadChoice;
  /** a patch index, or the cls token */
  query: number | 'cls';
  /** encoder cls only: rollout through blocks 0..layer instead of one block's attention */
  rollout: boolean;
}

export interface AttentionMapView {
  selection: AttentionSelection;
  depth: number;
  heads: number;
  /** per patch: the query's attention to it (NaN: not a key of this graph) */
  patches: Float32Array;
  /** the query's attention to cls */
  cls: number;
  max: number;
  /** decoder rows: how the row splits between visible patches, mask tokens and cls */
  shares: { visible: number; masked: number; cls: number } | null;
  /** why nothing is shown (a hidden patch asked of the encoder), else null */
  note: string | null;
}

export const DEFAULT_SELECTION: AttentionSelection = { graph: 'encoder', layer: -1, head: 'mean', query: 'cls', rollout: false };

/** The selection made valid for this data: layer and head clamped (layer -1 = the last block), rollout only for encoder cls. */
export function settle(sel: AttentionSelection, data: AttentionData): AttentionSelection {
  const s = data[sel.graph];
  const layer = sel.layer < 0 || sel.layer >= s.depth ? s.depth - 1 : sel.layer;
  const head = sel.head === 'mean' || sel.head < s.heads ? sel.head : 'mean';
  const query = sel.query === 'cls' || sel.query < data.numPatches ? sel.query : 'cls';
  return { ...sel, layer, head, query, rollout: sel.rollout && sel.graph === 'encoder' && query === 'cls' };
}

export function mapView(data: AttentionData, selection: AttentionSelection): AttentionMapView {
  const sel = settle(selection, data);
  const s = data[sel.graph];
  const base = { selection: sel, depth: s.depth, heads: s.heads };
  const token = sel.query === 'cls' ? 0 : tokenOfPatch(sel.graph, sel.query, data.idsKeep);
  if (token === null) {
    return {
      ...base,
      patches: new Float32Array(data.numPatches).fill(Number.NaN),
      cls: Number.NaN,
      max: 0,
      shares: null,
      note: 'A hidden patch is not an encoder token (the encoder sees only the visible ones): choose the decoder to see where it copied from.',
    };
  }
  const row = sel.rollout ? rolloutCls(s, sel.layer) : attentionRow(s, sel.layer, sel.head, token);
  const { patches, cls } = rowOnPatches(sel.graph, row, data.idsKeep, data.numPatches);
  return {
    ...base,
    patches,
    cls,
    max: scaleMax(patches),
    shares: sel.graph === 'decoder' ? decoderShares(row, data.hidden) : null,
    note: null,
  };
}

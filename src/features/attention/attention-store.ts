/**
 * The attention view's own small store (one view open at a time, under its row), so that the
 * view's requests and choices never re-render the grid.
 */
import { create } from 'zustand';
import type { AttentionResult } from '../../worker/messages.ts';
import { DEFAULT_SELECTION, mapView, type AttentionData, type AttentionSelection } from './attention-view.ts';

export type AttentionStatus = 'loading' | 'ready' | 'unavailable' | 'error';

export interface AttentionState {
  /** the row whose view is open; null = closed */
  rowId: string | null;
  status: AttentionStatus;
  /** unavailable / error: why */
  reason: string | null;
  data: (AttentionData & Extract<AttentionResult, { available: true }>) | null;
  selection: AttentionSelection;
}

export const useAttention = create<AttentionState>()(() => ({
  rowId: null,
  status: 'loading',
  reason: null,
  data: null,
  selection: DEFAULT_SELECTION,
}));

export function openAttention(rowId: string): void {
  const s = useAttention.getState();
  if (s.rowId === rowId) return;
  useAttention.setState({ rowId, status: 'loading', reason: null, data: null, selection: DEFAULT_SELECTION });
}

export function closeAttention(): void {
  useAttention.setState({ rowId: null, data: null, reason: null });
}

export function select(change: Partial<AttentionSelection>): void {
  useAttention.setState((s) => ({ selection: { ...s.selection, ...change } }));
}

/**
 * The shown map's numbers (the test build's window.__maeDebug.attention(); the e2e specs compare
 * them with PyTorch). NaN (not a key) travels as null.
 */
export function attentionSnapshot() {
  const s = useAttention.getState();
  const base = { open: s.rowId !== null, rowId: s.rowId, status: s.status, reason: s.reason };
  if (!s.data) return { ...base, provider: null, maskRatio: null, seed: null, numPatches: null, idsKeep: null, map: null };
  const v = mapView(s.data, s.selection);
  return {
    ...base,
    provider: s.data.provider,
    maskRatio: s.data.maskRatio,
    seed: s.data.seed,
    numPatches: s.data.numPatches,
    idsKeep: Array.from(s.data.idsKeep),
    map: {
      ...v.selection,
      depth: v.depth,
      heads: v.heads,
      patches: Array.from(v.patches, (x) => (Number.isFinite(x) ? x : null)),
      cls: Number.isFinite(v.cls) ? v.cls : null,
      max: v.max,
      shares: v.shares,
      note: v.note,
    },
  };
}

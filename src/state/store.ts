/**
 * App state (zustand), the one owner of the rows' state. Only plain state and setters live here;
 * side effects (worker, decoding, scheduling) are in the model session and the row pipeline, which
 * subscribe to the parts they need with selectors (subscribeWithSelector).
 */
import { create } from 'zustand';
import { subscribeWithSelector } from 'zustand/middleware';
import type { MaskStrategy, ModelManifest } from '../mae/index.ts';
import type { DecodeResult, LoadPhase, Provider, ProviderRequest, ReconstructResult, SessionsDetail } from '../worker/messages.ts';
import type { ModelEntry } from '../mae/model-index.ts';

export type ModelPhase = 'idle' | LoadPhase | 'error';

export type RowStatus = 'decoding' | 'waiting' | 'done' | 'error';

export interface Row {
  id: string;
  name: string;
  origin: 'sample' | 'upload';
  /** Stable index for per-image seeds (imageSeed); survives removal of other rows. */
  seedIndex: number;
  status: RowStatus;
  /** A newer request than the shown result is pending. */
  busy: boolean;
  error: string | null;
  result: ReconstructResult | null;
  sourceSize: { width: number; height: number } | null;
  /** What the worker's decode found (kind, decoded size, transparency, frames). */
  decodeInfo: DecodeResult | null;
  /** The worker (MaeClient.workerId) the row's latest decode was started on, and the one that finished it. */
  decodeStartedOn: number | null;
  decodedOn: number | null;
  /** Its file could not be fetched or decoded: no model change will fix it. */
  unreadable: boolean;
  /** Near the viewport (IntersectionObserver in the row's view); undefined until first seen. */
  onScreen?: boolean;
}

export interface ModelState {
  phase: ModelPhase;
  message: string;
  loaded: number;
  total: number;
  error: string | null;
  manifest: ModelManifest | null;
  filesMs: number | null;
  probeMs: number | null;
  compileMs: number | null;
  warmupMs: number | null;
  /** inside compileMs: session creation and the weights read piece by piece (LoadResult.sessionsDetail) */
  sessionsDetail?: SessionsDetail | null;
  /** Folder URL of the model that answers (null before the first load succeeds). */
  activeUrl: string | null;
  /** Folder URL of a load in progress (a switch, retry or restart), else null. */
  loadingUrl: string | null;
  /** A switch that failed while another model stayed active: the message, else null. */
  switchError: string | null;
}

export interface ProviderState {
  requested: ProviderRequest;
  active: Provider | null;
  reason: string;
  adapter: string | null;
  /** WASM threads onnxruntime really uses, and why only one (null: more than one, or not known yet). */
  wasmThreads: number | null;
  wasmThreadsWhy: string | null;
}

export interface AppState {
  model: ModelState;
  provider: ProviderState;
  maskRatio: number;
  seed: number;
  sameMaskForAll: boolean;
  /** How masks are made (see src/mae/mask-strategies.ts). */
  maskStrategy: MaskStrategy;
  /** The painted mask shared by every row (per patch, 1 = hidden); null until paint is first used. */
  paintedMask: Uint8Array | null;
  /**
   * The patch grid the painted mask was painted on, when it is a whole photo's (rows × columns);
   * null: the model's square grid. Rows on another grid get it resampled (mask-resample.ts).
   */
  paintedGrid: { gridH: number; gridW: number } | null;
  /** Rows show whole photos at their own aspect ratio (models with a dynamic grid) instead of the centre crop. */
  wholePhotos: boolean;
  rows: Row[];
  nextSeedIndex: number;
  /** Page-level notice (e.g. "pasted clipboard had no image"). */
  notice: string | null;
  /** Files added in the current drop / pick that have no answer yet (progress), or null. */
  uploads: { done: number; total: number } | null;
  /** The model selector's list (models/index.json). */
  models: ModelEntry[];

  setModel: (patch: Partial<ModelState>) => void;
  setProvider: (patch: Partial<ProviderState>) => void;
  setMaskRatio: (ratio: number) => void;
  setSeed: (seed: number) => void;
  setSameMaskForAll: (same: boolean) => void;
  setMaskStrategy: (strategy: MaskStrategy) => void;
  /** A new painted mask (always a new array, so subscribers see the change). */
  /** The painted mask, and the whole photo's grid it was painted on (absent: the model's square grid). */
  setPaintedMask: (mask: Uint8Array | null, grid?: { gridH: number; gridW: number } | null) => void;
  setWholePhotos: (whole: boolean) => void;
  addRow: (row: Pick<Row, 'id' | 'name' | 'origin'>, atTop?: boolean) => Row;
  updateRow: (id: string, patch: Partial<Row>) => void;
  removeRow: (id: string) => void;
  setNotice: (notice: string | null) => void;
  setUploads: (uploads: { done: number; total: number } | null) => void;
  setModels: (models: ModelEntry[]) => void;
}

export const MAX_MASK_RATIO = 0.95;
export const DEFAULT_MASK_RATIO = 0.75;

export function clampRatio(r: number): number {
  if (!Number.isFinite(r)) return DEFAULT_MASK_RATIO;
  return Math.round(Math.min(MAX_MASK_RATIO, Math.max(0, r)) * 100) / 100;
}

export function normaliseSeed(s: number): number {
  if (!Number.isFinite(s)) return 0;
  return Math.trunc(Math.abs(s)) >>> 0;
}

export const useStore = create<AppState>()(
  subscribeWithSelector((set, get) => ({
    model: {
      phase: 'idle',
      message: '',
      loaded: 0,
      total: 0,
      error: null,
      manifest: null,
      filesMs: null,
      probeMs: null,
      compileMs: null,
      warmupMs: null,
      activeUrl: null,
      loadingUrl: null,
      switchError: null,
    },
    provider: { requested: 'auto', active: null, reason: '', adapter: null, wasmThreads: null, wasmThreadsWhy: null },
    maskRatio: DEFAULT_MASK_RATIO,
    seed: 0,
    sameMaskForAll: false,
    maskStrategy: 'random',
    paintedMask: null,
    paintedGrid: null,
    wholePhotos: false,
    rows: [],
    nextSeedIndex: 0,
    notice: null,
    uploads: null,
    models: [],

    setModel: (patch) => set((s) => ({ model: { ...s.model, ...patch } })),
    setProvider: (patch) => set((s) => ({ provider: { ...s.provider, ...patch } })),
    setMaskRatio: (ratio) => set({ maskRatio: clampRatio(ratio) }),
    setSeed: (seed) => set({ seed: normaliseSeed(seed) }),
    setSameMaskForAll: (same) => set({ sameMaskForAll: same }),
    setMaskStrategy: (maskStrategy) => set({ maskStrategy }),
    setPaintedMask: (paintedMask, paintedGrid = null) => set({ paintedMask, paintedGrid }),
    setWholePhotos: (wholePhotos) => set({ wholePhotos }),
    addRow: (partial, atTop = false) => {
      const row: Row = {
        ...partial,
        seedIndex: get().nextSeedIndex,
        status: 'decoding',
        busy: true,
        error: null,
        result: null,
        sourceSize: null,
        decodeInfo: null,
        decodeStartedOn: null,
        decodedOn: null,
        unreadable: false,
      };
      set((s) => ({ rows: atTop ? [row, ...s.rows] : [...s.rows, row], nextSeedIndex: s.nextSeedIndex + 1 }));
      return row;
    },
    updateRow: (id, patch) => set((s) => ({ rows: s.rows.map((r) => (r.id === id ? { ...r, ...patch } : r)) })),
    removeRow: (id) => set((s) => ({ rows: s.rows.filter((r) => r.id !== id) })),
    setNotice: (notice) => set({ notice }),
    setUploads: (uploads) => set({ uploads }),
    setModels: (models) => set({ models }),
  })),
);

/**
 * Mask strategy state beyond plain setters: what a row's request says about its mask, entering
 * paint mode, and painting strokes. Pure functions of the store (no worker here).
 */
import { gridSide, imageSeed, numPatches, paintedRatio, randomMasking, type MaskSpec, type MaskStrategy } from '../../mae/index.ts';
import { useStore, type AppState, type Row } from '../../state/store.ts';
import type { WholeGeometry } from '../../worker/messages.ts';
import { resampleToGrid, type PatchGrid } from './mask-resample.ts';

export const LAST_PATCH_MESSAGE = 'At least one patch must stay visible: the encoder needs something to look at.';

/** The settings that decide the rows' masks. */
export type MaskSettings = Pick<
  AppState,
  'maskRatio' | 'seed' | 'sameMaskForAll' | 'maskStrategy' | 'paintedMask' | 'paintedGrid' | 'wholePhotos'
>;

/** Whether the masks change between two states (the rows run again, the address is rewritten). */
export function maskSettingsChanged(s: MaskSettings, prev: MaskSettings): boolean {
  return (
    s.maskRatio !== prev.maskRatio ||
    s.seed !== prev.seed ||
    s.sameMaskForAll !== prev.sameMaskForAll ||
    s.maskStrategy !== prev.maskStrategy ||
    s.paintedMask !== prev.paintedMask ||
    s.paintedGrid !== prev.paintedGrid ||
    s.wholePhotos !== prev.wholePhotos
  );
}

/** The mask settings of a state (a selector: subscribers compare them with sameMaskSettings). */
export function maskSettingsOf(s: AppState): MaskSettings {
  return {
    maskRatio: s.maskRatio,
    seed: s.seed,
    sameMaskForAll: s.sameMaskForAll,
    maskStrategy: s.maskStrategy,
    paintedMask: s.paintedMask,
    paintedGrid: s.paintedGrid,
    wholePhotos: s.wholePhotos,
  };
}

export function sameMaskSettings(a: MaskSettings, b: MaskSettings): boolean {
  return !maskSettingsChanged(a, b);
}

/** Patch count of the loaded model, or null before one is loaded. */
export function modelPatches(s: AppState): number | null {
  return s.model.manifest ? numPatches(s.model.manifest) : null;
}

/** The whole photo a row shows (whole photos on, and the model kept one for it), else null: the centre crop. */
export function rowWhole(s: AppState, row: Row): WholeGeometry | null {
  return s.wholePhotos ? (row.decodeInfo?.whole ?? null) : null;
}

/** The grid the painted mask is on: its whole photo's, or the model's square one (null before a model). */
function paintedGridOf(s: AppState): PatchGrid | null {
  if (s.paintedGrid) return s.paintedGrid;
  const patches = s.paintedMask?.length ?? 0;
  const side = patches > 0 && Number.isInteger(Math.sqrt(patches)) ? gridSide(patches) : 0;
  return side > 0 ? { gridH: side, gridW: side } : null;
}

/**
 * The painted mask as it applies to a grid (a whole photo's, or null: the model's square one with
 * `patches` patches): resampled when it was painted on another grid. null: nothing painted (or it
 * does not fit: only for a moment while a model switch settles).
 */
export function paintedOnGrid(grid: PatchGrid | null, patches: number | null, s: AppState = useStore.getState()): Uint8Array | null {
  const painted = s.paintedMask;
  const from = paintedGridOf(s);
  if (!painted || !from || patches === null) return null;
  const to = grid ?? (Number.isInteger(Math.sqrt(patches)) ? { gridH: gridSide(patches), gridW: gridSide(patches) } : null);
  if (!to) return null;
  if (!s.paintedGrid && !grid) return painted.length === patches ? painted : null;
  return resampleToGrid(painted, from, to);
}

/**
 * The mask part of a row's request. Paint uses the painted mask (carried to the row's grid when it
 * was painted on another whole photo) and its own ratio; a painted mask that does not fit the model
 * (only possible for a moment while a model switch settles) is not sent: the row gets random masks
 * at the slider's ratio instead. `whole`: the row's whole photo (null: the centre crop).
 */
export function maskRequest(
  s: AppState,
  patches: number | null,
  whole: WholeGeometry | null = null,
): { mask?: MaskSpec; maskRatio: number } {
  const strategy = s.maskStrategy;
  if (strategy === 'random') return { maskRatio: s.maskRatio };
  if (strategy !== 'paint') return { mask: { strategy }, maskRatio: s.maskRatio };
  const painted = paintedOnGrid(whole, whole ? whole.gridH * whole.gridW : patches, s);
  if (!painted) return { maskRatio: s.maskRatio };
  return {
    mask: { strategy: 'paint', hidden: painted },
    maskRatio: paintedRatio(painted),
  };
}

/**
 * The mask to start painting from, and the whole photo's grid it is on (null: the model's square
 * grid): the row's current mask, else the first row's, else a random one.
 */
function startingMask(s: AppState, from: Row | null): { mask: Uint8Array | null; grid: PatchGrid | null } {
  const patches = modelPatches(s);
  const candidates = [from, ...s.rows].filter((r): r is Row => r !== null);
  for (const r of candidates) {
    const mask = r.result?.hiddenMask;
    const grid = r.result?.grid ?? null;
    if (mask && (grid ? mask.length === grid.gridH * grid.gridW : mask.length === patches)) return { mask: mask.slice(), grid };
  }
  if (patches === null) return { mask: null, grid: null };
  return { mask: randomMasking(imageSeed(s.seed, 0, s.sameMaskForAll), patches, s.maskRatio).mask, grid: null };
}

/** Switch to paint, starting from the current mask of `from` (or of the first row). */
export function startPainting(from: Row | null = null): void {
  const s = useStore.getState();
  const start = startingMask(s, from);
  s.setPaintedMask(start.mask, start.grid);
  s.setMaskStrategy('paint');
}

/** Any strategy; paint starts from the first row's current mask. */
export function chooseStrategy(strategy: MaskStrategy): void {
  if (strategy === 'paint') {
    if (useStore.getState().maskStrategy !== 'paint') startPainting(null);
    return;
  }
  useStore.getState().setMaskStrategy(strategy);
}

/**
 * Sets `patches` to hidden (hide) or visible in the painted mask. A stroke that would hide the
 * last visible patch stops short of it and says why. Returns whether anything changed. `grid`: the
 * whole photo's grid the patches are on (null: the model's square grid); a mask painted on another
 * grid is carried onto this one first.
 */
export function paintPatches(patches: readonly number[], hide: boolean, grid: PatchGrid | null = null): boolean {
  const s = useStore.getState();
  const current = paintedOnGrid(grid, grid ? grid.gridH * grid.gridW : modelPatches(s), s);
  if (!current) return false;
  const next = current.slice();
  let visible = 0;
  for (const v of next) if (!v) visible++;
  let changed = false;
  let refused = false;
  for (const p of patches) {
    if (p < 0 || p >= next.length || next[p] === (hide ? 1 : 0)) continue;
    if (hide && visible === 1) {
      refused = true;
      continue;
    }
    next[p] = hide ? 1 : 0;
    visible += hide ? -1 : 1;
    changed = true;
  }
  if (changed) s.setPaintedMask(next, grid);
  if (refused) s.setNotice(LAST_PATCH_MESSAGE);
  else if (changed && s.notice === LAST_PATCH_MESSAGE) s.setNotice(null);
  return changed;
}

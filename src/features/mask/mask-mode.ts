/**
 * Mask strategy state beyond plain setters: what a row's request says about its mask, entering
 * paint mode, and painting strokes. Pure functions of the store (no worker here).
 */
import { imageSeed, numPatches, paintedRatio, randomMasking, type MaskSpec, type MaskStrategy } from '../../mae/index.ts';
import { useStore, type AppState, type Row } from '../../state/store.ts';

export const LAST_PATCH_MESSAGE = 'At least one patch must stay visible: the encoder needs something to look at.';

/** The settings that decide the rows' masks. */
export type MaskSettings = Pick<AppState, 'maskRatio' | 'seed' | 'sameMaskForAll' | 'maskStrategy' | 'paintedMask'>;

/** Whether the masks change between two states (the rows run again, the address is rewritten). */
export function maskSettingsChanged(s: MaskSettings, prev: MaskSettings): boolean {
  return (
    s.maskRatio !== prev.maskRatio ||
    s.seed !== prev.seed ||
    s.sameMaskForAll !== prev.sameMaskForAll ||
    s.maskStrategy !== prev.maskStrategy ||
    s.paintedMask !== prev.paintedMask
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
  };
}

export function sameMaskSettings(a: MaskSettings, b: MaskSettings): boolean {
  return !maskSettingsChanged(a, b);
}

/** Patch count of the loaded model, or null before one is loaded. */
export function modelPatches(s: AppState): number | null {
  return s.model.manifest ? numPatches(s.model.manifest) : null;
}

/**
 * The mask part of a row's request. Paint uses the painted mask and its own ratio; a painted
 * mask that does not fit the model (only possible for a moment while a model switch settles) is
 * not sent: the row gets random masks at the slider's ratio instead.
 */
export function maskRequest(s: AppState, patches: number | null): { mask?: MaskSpec; maskRatio: number } {
  const strategy = s.maskStrategy;
  if (strategy === 'random') return { maskRatio: s.maskRatio };
  if (strategy !== 'paint') return { mask: { strategy }, maskRatio: s.maskRatio };
  const painted = s.paintedMask;
  if (!painted || painted.length !== patches) return { maskRatio: s.maskRatio };
  return {
    mask: { strategy: 'paint', hidden: painted },
    maskRatio: paintedRatio(painted),
  };
}

/** The mask to start painting from: the row's current mask, else the first row's, else a random one. */
function startingMask(s: AppState, from: Row | null): Uint8Array | null {
  const patches = modelPatches(s);
  const candidates = [from, ...s.rows].filter((r): r is Row => r !== null);
  for (const r of candidates) {
    const mask = r.result?.hiddenMask;
    if (mask && mask.length === patches) return mask.slice();
  }
  if (patches === null) return null;
  return randomMasking(imageSeed(s.seed, 0, s.sameMaskForAll), patches, s.maskRatio).mask;
}

/** Switch to paint, starting from the current mask of `from` (or of the first row). */
export function startPainting(from: Row | null = null): void {
  const s = useStore.getState();
  s.setPaintedMask(startingMask(s, from));
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
 * last visible patch stops short of it and says why. Returns whether anything changed.
 */
export function paintPatches(patches: readonly number[], hide: boolean): boolean {
  const s = useStore.getState();
  const current = s.paintedMask;
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
  if (changed) s.setPaintedMask(next);
  if (refused) s.setNotice(LAST_PATCH_MESSAGE);
  else if (changed && s.notice === LAST_PATCH_MESSAGE) s.setNotice(null);
  return changed;
}

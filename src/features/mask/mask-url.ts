/**
 * The masking settings in the address bar, so copying the address shares the view:
 * ?mask=random|block|grid|paint, &hide=<base64url bitset of the painted mask>, &ratio=, &seed=,
 * &same=1. Read once at start; written back (history.replaceState) whenever a control changes.
 */
import { decodeHiddenBits, encodeHiddenBits, gridSide, isMaskStrategy, numPatches, type MaskStrategy } from '../../mae/index.ts';
import { resampleHiddenMask } from './mask-resample.ts';
import { maskSettingsOf, sameMaskSettings, startPainting } from './mask-mode.ts';
import { useStore, type AppState } from '../../state/store.ts';

/** Address bar updates wait for a pause this long (a slider drag would otherwise write every step). */
const URL_WRITE_DELAY_MS = 120;

export interface MaskUrlParams {
  strategy: MaskStrategy;
  /** The painted mask's text (checked against the model's grid once it is loaded). */
  hide: string | null;
  /** Why the address's mask settings were not used, for the notice; null when they were. */
  problem: string | null;
}

export function maskParamsFromUrl(search: string): MaskUrlParams {
  const q = new URLSearchParams(search);
  const mask = q.get('mask');
  const hide = q.get('hide');
  if (mask === null || mask === '') return { strategy: 'random', hide: null, problem: null };
  if (!isMaskStrategy(mask)) {
    return {
      strategy: 'random',
      hide: null,
      problem: `Unknown mask strategy “${mask}” in the address (use random, block, grid or paint): showing random masks.`,
    };
  }
  if (mask === 'paint' && !hide) {
    return {
      strategy: 'random',
      hide: null,
      problem: 'The address asks for a painted mask but has no hide= value: showing random masks.',
    };
  }
  return {
    strategy: mask,
    hide: mask === 'paint' ? hide : null,
    problem: null,
  };
}

/** A painted mask from the address waits here until the model says how many patches there are. */
let pendingHide: string | null = null;
let writeTimer: ReturnType<typeof setTimeout> | null = null;

/** Applies the address's mask settings to the store (call before the engine starts). */
export function applyMaskParams(p: MaskUrlParams): void {
  const s = useStore.getState();
  if (p.problem) s.setNotice(p.problem);
  pendingHide = p.hide;
  s.setMaskStrategy(p.strategy);
}

/** The painted mask (or the lack of one) once the model's grid is known. */
function fitPaintedMask(s: AppState, patches: number): void {
  if (pendingHide !== null) {
    const hidden = decodeHiddenBits(pendingHide, patches);
    pendingHide = null;
    if (hidden) {
      s.setPaintedMask(hidden);
    } else {
      s.setMaskStrategy('random');
      s.setNotice(`The painted mask in the address (hide=) does not fit this model’s ${patches} patches: showing random masks.`);
    }
    return;
  }
  if (s.maskStrategy === 'paint' && !s.paintedMask) {
    startPainting(null); // paint was chosen before any model said how many patches there are
    return;
  }
  if (s.paintedMask && s.paintedMask.length !== patches) {
    // nested grids (one side divides the other) carry the mask over; others cannot
    const resampled = resampleHiddenMask(s.paintedMask, patches);
    s.setPaintedMask(resampled);
    if (s.maskStrategy !== 'paint') return;
    if (resampled) {
      s.setNotice(`The painted mask was carried over to this model’s ${gridSide(patches)}×${gridSide(patches)} patch grid.`);
    } else {
      s.setMaskStrategy('random');
      s.setNotice(`The painted mask was made for another patch grid; this model has ${patches} patches: back to random masks.`);
    }
  }
}

function searchFor(s: AppState, current: string): string {
  const q = new URLSearchParams(current);
  q.set('ratio', String(s.maskRatio));
  q.set('seed', String(s.seed));
  if (s.sameMaskForAll) q.set('same', '1');
  else q.delete('same');
  if (s.maskStrategy === 'random') q.delete('mask');
  else q.set('mask', s.maskStrategy);
  if (s.maskStrategy === 'paint' && s.paintedMask) q.set('hide', encodeHiddenBits(s.paintedMask));
  else q.delete('hide');
  return q.toString();
}

function writeUrl(): void {
  writeTimer = null;
  const search = searchFor(useStore.getState(), window.location.search);
  if (`?${search}` === window.location.search) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${search ? `?${search}` : ''}${window.location.hash}`);
}

/**
 * Keeps the address in step with the masking controls; fits a painted mask to each model.
 * Returns the disposer (unsubscribes and drops a pending address write).
 */
export function installMaskUrlSync(): () => void {
  const offModel = useStore.subscribe(
    (s) => s.model.manifest,
    (manifest) => {
      if (manifest) fitPaintedMask(useStore.getState(), numPatches(manifest));
    },
  );
  const offMask = useStore.subscribe(
    maskSettingsOf,
    () => {
      if (writeTimer === null) writeTimer = setTimeout(writeUrl, URL_WRITE_DELAY_MS);
    },
    { equalityFn: sameMaskSettings },
  );
  return () => {
    offModel();
    offMask();
    if (writeTimer !== null) clearTimeout(writeTimer);
    writeTimer = null;
  };
}

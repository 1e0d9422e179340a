/**
 * The masking settings in the address bar, so copying the address shares the view:
 * ?mask=random|block|grid|paint, &hide=<base64url bitset of the painted mask>, &ratio=, &seed=,
 * &same=1, &photo=whole (whole photos), &pgrid=HxW (the whole photo's grid a painted mask was painted
 * on; absent: the model's square grid). Read once at start; written back (history.replaceState) whenever a control changes.
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
  /** ?photo=whole: rows show whole photos */
  whole: boolean;
  /** ?pgrid=HxW: the grid the painted mask is on (a whole photo's); null: the model's square grid */
  paintGrid: { gridH: number; gridW: number } | null;
}

/** ?pgrid=14x20 → its grid; anything else (or a grid over 10,000 patches) → null. */
function parseGrid(text: string | null): { gridH: number; gridW: number } | null {
  const m = text ? /^(\d{1,3})x(\d{1,3})$/.exec(text) : null;
  if (!m) return null;
  const gridH = Number(m[1]);
  const gridW = Number(m[2]);
  return gridH > 0 && gridW > 0 && gridH * gridW <= 10_000 ? { gridH, gridW } : null;
}

export function maskParamsFromUrl(search: string): MaskUrlParams {
  const q = new URLSearchParams(search);
  const mask = q.get('mask');
  const hide = q.get('hide');
  const whole = q.get('photo') === 'whole';
  const pgrid = q.get('pgrid');
  const paintGrid = parseGrid(pgrid);
  const base = { whole, paintGrid: null };
  if (mask === null || mask === '') return { ...base, strategy: 'random', hide: null, problem: null };
  if (!isMaskStrategy(mask)) {
    return {
      ...base,
      strategy: 'random',
      hide: null,
      problem: `Unknown mask strategy “${mask}” in the address (use random, block, grid or paint): showing random masks.`,
    };
  }
  if (mask === 'paint' && !hide) {
    return {
      ...base,
      strategy: 'random',
      hide: null,
      problem: 'The address asks for a painted mask but has no hide= value: showing random masks.',
    };
  }
  if (mask === 'paint' && pgrid !== null && !paintGrid) {
    return {
      ...base,
      strategy: 'random',
      hide: null,
      problem: `The painted mask’s grid in the address (pgrid=${pgrid}) is not rows×columns like 14x20: showing random masks.`,
    };
  }
  return {
    ...base,
    strategy: mask,
    hide: mask === 'paint' ? hide : null,
    paintGrid: mask === 'paint' ? paintGrid : null,
    problem: null,
  };
}

/** A painted mask from the address waits here until the model says how many patches there are. */
let pendingHide: string | null = null;
let pendingGrid: { gridH: number; gridW: number } | null = null;
let writeTimer: ReturnType<typeof setTimeout> | null = null;

/** Applies the address's mask settings to the store (call before the engine starts). */
export function applyMaskParams(p: MaskUrlParams): void {
  const s = useStore.getState();
  if (p.problem) s.setNotice(p.problem);
  pendingHide = p.hide;
  pendingGrid = p.paintGrid;
  s.setMaskStrategy(p.strategy);
  if (p.whole) s.setWholePhotos(true);
}

/** The painted mask (or the lack of one) once the model's grid is known. */
function fitPaintedMask(s: AppState, patches: number): void {
  if (pendingHide !== null) {
    // a mask painted on a whole photo carries its grid (pgrid=); it is resampled to each row's grid
    const grid = pendingGrid;
    const hidden = decodeHiddenBits(pendingHide, grid ? grid.gridH * grid.gridW : patches);
    pendingHide = null;
    pendingGrid = null;
    if (hidden) {
      s.setPaintedMask(hidden, grid);
    } else {
      s.setMaskStrategy('random');
      s.setNotice(
        grid
          ? `The painted mask in the address (hide=) does not fit its ${grid.gridH}×${grid.gridW} grid (pgrid=): showing random masks.`
          : `The painted mask in the address (hide=) does not fit this model’s ${patches} patches: showing random masks.`,
      );
    }
    return;
  }
  if (s.maskStrategy === 'paint' && !s.paintedMask) {
    startPainting(null); // paint was chosen before any model said how many patches there are
    return;
  }
  // a mask painted on a whole photo's grid is carried to each row's grid when it is used
  if (s.paintedMask && !s.paintedGrid && s.paintedMask.length !== patches) {
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
  if (s.maskStrategy === 'paint' && s.paintedMask && s.paintedGrid) q.set('pgrid', `${s.paintedGrid.gridH}x${s.paintedGrid.gridW}`);
  else q.delete('pgrid');
  if (s.wholePhotos) q.set('photo', 'whole');
  else q.delete('photo');
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

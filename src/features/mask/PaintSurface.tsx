import { useEffect, useRef, type PointerEvent, type ReactNode } from 'react';
import { gridSide } from '../../mae/index.ts';
import { patchAtFraction, patchesBetween } from './paint-geometry.ts';
import { paintPatches, startPainting } from './mask-mode.ts';
import { useStore, type Row } from '../../state/store.ts';

interface Stroke {
  pointerId: number;
  /** true: the stroke hides patches; false: it shows them (decided by the first patch touched) */
  hide: boolean;
  last: number;
  /** patches crossed since the last update of the painted mask */
  pending: number[];
  /** the animation frame that will apply `pending`, if one is asked for */
  frame: number | null;
}

/** Applies a stroke's pending patches now: one painted-mask update (one request per row) for all of them. */
function flush(s: Stroke): void {
  if (s.frame !== null) cancelAnimationFrame(s.frame);
  s.frame = null;
  if (s.pending.length === 0) return;
  const patches = s.pending;
  s.pending = [];
  paintPatches(patches, s.hide);
}

/**
 * Makes a row's masked panel paintable: pointer events, so mouse, touch and pen all work. A
 * stroke toggles the first patch it touches and sets every patch it crosses the same way; a drag
 * updates the painted mask at most once per animation frame. Outside paint mode the first press
 * switches to paint, starting from this row's mask.
 */
export function PaintSurface({ row, children }: { row: Row; children: ReactNode }) {
  const painting = useStore((s) => s.maskStrategy === 'paint');
  const stroke = useRef<Stroke | null>(null);
  const patches = row.result?.numPatches ?? 0;
  const side = patches > 0 ? gridSide(patches) : 0;

  const endStroke = (): void => {
    const s = stroke.current;
    stroke.current = null;
    if (s) flush(s);
  };
  // a stroke still open when the panel goes away: apply what it crossed, drop its frame
  useEffect(() => endStroke, []);

  const patchAt = (e: PointerEvent<HTMLDivElement>): number | null => {
    const canvas = e.currentTarget.querySelector('canvas');
    if (!canvas) return null;
    const rect = canvas.getBoundingClientRect();
    return patchAtFraction((e.clientX - rect.left) / rect.width, (e.clientY - rect.top) / rect.height, side);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0 || !row.result) return;
    const p = patchAt(e);
    if (p === null) return;
    endStroke(); // a second pointer takes over from the first
    if (useStore.getState().maskStrategy !== 'paint') startPainting(row);
    const painted = useStore.getState().paintedMask;
    if (!painted || painted.length !== patches) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    stroke.current = { pointerId: e.pointerId, hide: painted[p] === 0, last: p, pending: [], frame: null };
    paintPatches([p], stroke.current.hide);
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>): void => {
    const s = stroke.current;
    if (!s || s.pointerId !== e.pointerId) return;
    // the button was released where we did not hear it (outside the window, a lost capture)
    if (e.pointerType === 'mouse' && e.buttons === 0) {
      endStroke();
      return;
    }
    const p = patchAt(e);
    if (p === null || p === s.last) return;
    s.pending.push(...patchesBetween(s.last, p, side));
    s.last = p;
    if (s.frame === null) {
      s.frame = requestAnimationFrame(() => {
        s.frame = null;
        flush(s);
      });
    }
  };

  const onPointerEnd = (e: PointerEvent<HTMLDivElement>): void => {
    if (stroke.current?.pointerId === e.pointerId) endStroke();
  };

  return (
    <div
      className={`paint-surface${painting ? ' painting' : ''}`}
      data-testid="paint-surface"
      title={painting ? 'Click or drag to hide or show patches' : 'Click or drag to paint your own mask'}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onLostPointerCapture={onPointerEnd}
    >
      {children}
    </div>
  );
}

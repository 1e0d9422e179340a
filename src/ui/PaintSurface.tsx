import { useRef, type PointerEvent, type ReactNode } from 'react';
import { paintPatches, startPainting } from '../state/mask-mode.ts';
import { useStore, type Row } from '../state/store.ts';

interface Stroke {
  pointerId: number;
  /** true: the stroke hides patches; false: it shows them (decided by the first patch touched) */
  hide: boolean;
  last: number;
}

/** Patches on the straight line between two patches of a side×side grid, both ends included. */
function patchesBetween(from: number, to: number, side: number): number[] {
  const r0 = Math.floor(from / side);
  const c0 = from % side;
  const r1 = Math.floor(to / side);
  const c1 = to % side;
  const steps = Math.max(Math.abs(r1 - r0), Math.abs(c1 - c0));
  const out: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = steps === 0 ? 0 : i / steps;
    out.push(Math.round(r0 + (r1 - r0) * t) * side + Math.round(c0 + (c1 - c0) * t));
  }
  return out;
}

/**
 * Makes a row's masked panel paintable: pointer events, so mouse, touch and pen all work. A
 * stroke toggles the first patch it touches and sets every patch it crosses the same way. Outside
 * paint mode the first press switches to paint, starting from this row's mask.
 */
export function PaintSurface({ row, children }: { row: Row; children: ReactNode }) {
  const painting = useStore((s) => s.maskStrategy === 'paint');
  const stroke = useRef<Stroke | null>(null);
  const patches = row.result?.numPatches ?? 0;
  const side = Math.round(Math.sqrt(patches));

  const patchAt = (e: PointerEvent<HTMLDivElement>): number | null => {
    const canvas = e.currentTarget.querySelector('canvas');
    if (!canvas || side === 0) return null;
    const rect = canvas.getBoundingClientRect();
    const x = (e.clientX - rect.left) / rect.width;
    const y = (e.clientY - rect.top) / rect.height;
    if (!(x >= 0 && x < 1 && y >= 0 && y < 1)) return null;
    return Math.floor(y * side) * side + Math.floor(x * side);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0 || !row.result) return;
    const p = patchAt(e);
    if (p === null) return;
    if (useStore.getState().maskStrategy !== 'paint') startPainting(row);
    const painted = useStore.getState().paintedMask;
    if (!painted || painted.length !== patches) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    stroke.current = {
      pointerId: e.pointerId,
      hide: painted[p] === 0,
      last: p,
    };
    paintPatches([p], stroke.current.hide);
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>): void => {
    const s = stroke.current;
    if (!s || s.pointerId !== e.pointerId) return;
    const p = patchAt(e);
    if (p === null || p === s.last) return;
    paintPatches(patchesBetween(s.last, p, side), s.hide);
    s.last = p;
  };

  const onPointerEnd = (e: PointerEvent<HTMLDivElement>): void => {
    if (stroke.current?.pointerId === e.pointerId) stroke.current = null;
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
    >
      {children}
    </div>
  );
}

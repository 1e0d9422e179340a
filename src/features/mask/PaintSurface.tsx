import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import { gridSide } from '../../mae/index.ts';
import { patchAtFraction, patchesBetween } from './paint-geometry.ts';
import { paintedOnGrid, paintPatches, startPainting } from './mask-mode.ts';
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
  /** the whole photo's grid the stroke paints on (null: the model's square grid) */
  grid: { gridH: number; gridW: number } | null;
}

/** Applies a stroke's pending patches now: one painted-mask update (one request per row) for all of them. */
function flush(s: Stroke): void {
  if (s.frame !== null) cancelAnimationFrame(s.frame);
  s.frame = null;
  if (s.pending.length === 0) return;
  const patches = s.pending;
  s.pending = [];
  paintPatches(patches, s.hide, s.grid);
}

/**
 * Makes a row's masked panel paintable: pointer events, so mouse, touch and pen all work. A
 * stroke toggles the first patch it touches and sets every patch it crosses the same way; a drag
 * updates the painted mask at most once per animation frame. Outside paint mode the first press
 * switches to paint, starting from this row's mask.
 *
 * Keyboard: the panel takes focus (Tab); arrow keys move a cursor over the patch grid, Space or
 * Enter hides or shows the patch under it (switching to paint the first time, as a click does), and
 * a polite live region says where the cursor is and what the patch is now.
 */
export function PaintSurface({ row, children }: { row: Row; children: ReactNode }) {
  const painting = useStore((s) => s.maskStrategy === 'paint');
  const stroke = useRef<Stroke | null>(null);
  const patches = row.result?.numPatches ?? 0;
  // a whole photo's grid (rows × columns), else the model's square one
  const grid = row.result?.grid ?? null;
  const side = grid ? grid.gridW : patches > 0 ? gridSide(patches) : 0;
  const rowsN = grid ? grid.gridH : side;
  /** the keyboard cursor's patch while the panel has focus, else null */
  const [cursor, setCursor] = useState<number | null>(null);
  const [said, setSaid] = useState('');
  const centre = Math.floor(rowsN / 2) * side + Math.floor(side / 2);

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
    return patchAtFraction((e.clientX - rect.left) / rect.width, (e.clientY - rect.top) / rect.height, side, rowsN);
  };

  const onPointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0 || !row.result) return;
    const p = patchAt(e);
    if (p === null) return;
    endStroke(); // a second pointer takes over from the first
    if (useStore.getState().maskStrategy !== 'paint') startPainting(row);
    const painted = paintedOnGrid(grid, patches);
    if (!painted) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    stroke.current = { pointerId: e.pointerId, hide: painted[p] === 0, last: p, pending: [], frame: null, grid };
    paintPatches([p], stroke.current.hide, grid);
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

  const describe = (p: number): string => {
    const mask = paintedOnGrid(grid, patches);
    const state = useStore.getState().maskStrategy === 'paint' && mask ? (mask[p] ? 'hidden' : 'visible') : '';
    return `row ${Math.floor(p / side) + 1}, column ${(p % side) + 1}${state ? `: ${state}` : ''}`;
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (!row.result || side === 0) return;
    const at = cursor ?? centre;
    const r = Math.floor(at / side);
    const c = at % side;
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      const next = Math.min(rowsN - 1, Math.max(0, r + move[0])) * side + Math.min(side - 1, Math.max(0, c + move[1]));
      setCursor(next);
      setSaid(describe(next));
    } else if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      if (useStore.getState().maskStrategy !== 'paint') startPainting(row);
      const painted = paintedOnGrid(grid, patches);
      if (!painted) return;
      paintPatches([at], painted[at] === 0, grid);
      setCursor(at);
      setSaid(describe(at));
    }
  };

  return (
    <div
      className={`paint-surface${painting ? ' painting' : ''}`}
      data-testid="paint-surface"
      title={painting ? 'Click or drag to hide or show patches' : 'Click or drag to paint your own mask'}
      tabIndex={row.result ? 0 : -1}
      role="group"
      aria-label={`Paint the mask of ${row.name}: arrow keys move over the patches, Space hides or shows one`}
      onKeyDown={onKeyDown}
      onFocus={() => {
        if (cursor === null && patches > 0) {
          setCursor(centre);
          setSaid(describe(centre));
        }
      }}
      onBlur={() => setCursor(null)}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerEnd}
      onPointerCancel={onPointerEnd}
      onLostPointerCapture={onPointerEnd}
    >
      {children}
      {cursor !== null && side > 0 && (
        // a square layer over the canvas (the panel's caption is below it)
        <div className="paint-cursor-layer" aria-hidden="true" style={grid ? { aspectRatio: `${grid.gridW} / ${grid.gridH}` } : undefined}>
          <div
            className="paint-cursor"
            data-testid="paint-cursor"
            style={{
              left: `${((cursor % side) / side) * 100}%`,
              top: `${(Math.floor(cursor / side) / rowsN) * 100}%`,
              width: `${100 / side}%`,
              height: `${100 / rowsN}%`,
            }}
          />
        </div>
      )}
      <span className="visually-hidden" aria-live="polite" data-testid="paint-announce">
        {said}
      </span>
    </div>
  );
}

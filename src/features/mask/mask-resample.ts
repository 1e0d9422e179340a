/**
 * A painted mask carried to another patch grid, so a model switch keeps what was painted when the
 * grids nest (one side divides the other): onto a finer grid every hidden patch becomes its k×k
 * fine patches (the same pixels hidden); onto a coarser grid a coarse patch is hidden only when
 * all its fine patches are (nothing that was visible gets hidden). Grids that do not nest have no
 * such mapping: null.
 */
import { expandMask } from '../../mae/compare-mask.ts';
import { gridSide } from '../../mae/grid.ts';

export function resampleHiddenMask(hidden: Uint8Array, toPatches: number): Uint8Array | null {
  const from = gridSide(hidden.length);
  const to = gridSide(toPatches);
  if (to === from) return hidden.slice();
  if (to % from === 0) return expandMask(hidden, to);
  if (from % to !== 0) return null;
  const k = from / to;
  const out = new Uint8Array(to * to);
  for (let r = 0; r < to; r++) {
    for (let c = 0; c < to; c++) {
      let all = 1;
      for (let y = r * k; y < (r + 1) * k && all; y++) for (let x = c * k; x < (c + 1) * k; x++) if (!hidden[y * from + x]) all = 0;
      out[r * to + c] = all;
    }
  }
  // the encoder needs one visible patch (only an all-hidden input, itself invalid, gets here)
  if (!out.includes(0)) out[0] = 0;
  return out;
}

/** A patch grid: rows × columns. */
export interface PatchGrid {
  gridH: number;
  gridW: number;
}

/**
 * A painted mask carried between any two grids (a whole photo's and another, or the square crop):
 * each target patch takes the state of the source patch under its centre, so the same parts of the
 * picture stay hidden. At least one patch stays visible.
 */
export function resampleToGrid(hidden: Uint8Array, from: PatchGrid, to: PatchGrid): Uint8Array {
  if (hidden.length !== from.gridH * from.gridW)
    throw new RangeError(`a ${from.gridH}×${from.gridW} mask has ${from.gridH * from.gridW} patches, got ${hidden.length}`);
  if (from.gridH === to.gridH && from.gridW === to.gridW) return hidden.slice();
  const out = new Uint8Array(to.gridH * to.gridW);
  for (let r = 0; r < to.gridH; r++) {
    const sr = Math.min(from.gridH - 1, Math.floor(((r + 0.5) * from.gridH) / to.gridH));
    for (let c = 0; c < to.gridW; c++) {
      const sc = Math.min(from.gridW - 1, Math.floor(((c + 0.5) * from.gridW) / to.gridW));
      out[r * to.gridW + c] = hidden[sr * from.gridW + sc];
    }
  }
  if (!out.includes(0)) out[0] = 0;
  return out;
}

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

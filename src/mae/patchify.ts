/**
 * The official MAE patch layout (models_mae.py `patchify`, einsum 'nchpwq->nhwpqc'): patches in
 * row-major order over the grid, each patch's pixels row-major, the channels last. The decoder's
 * `pred` uses this layout, so getting it wrong scrambles every reconstruction.
 *
 * Pixel (c, y, x) of an image of width W lands in patch (y/p|0)*(W/p) + (x/p|0) at index
 * ((y%p)*p + x%p)*C + c.
 */

function gridSide(imgSize: number, patchSize: number): number {
  if (!Number.isInteger(imgSize) || !Number.isInteger(patchSize) || patchSize <= 0 || imgSize <= 0 || imgSize % patchSize !== 0) {
    throw new RangeError(`imgSize (${imgSize}) must be a positive multiple of patchSize (${patchSize})`);
  }
  return imgSize / patchSize;
}

/**
 * [C,H,W] → [L, p*p*C] with L = (H/p)(W/p); `imgSize` is H, `width` W (default: a square). Patches
 * row-major over the h×w grid, as models_mae.py patchify orders them for any grid.
 */
export function patchify(chw: Float32Array, imgSize: number, patchSize: number, chans = 3, width = imgSize): Float32Array {
  const gh = gridSide(imgSize, patchSize);
  const g = gridSide(width, patchSize);
  const p = patchSize;
  const hw = imgSize * width;
  if (chw.length !== chans * hw) throw new RangeError(`patchify: expected ${chans * hw} values, got ${chw.length}`);
  const dim = p * p * chans;
  const out = new Float32Array(gh * g * dim);
  for (let c = 0; c < chans; c++) {
    for (let y = 0; y < imgSize; y++) {
      const rowIn = c * hw + y * width;
      const patchRow = ((y / p) | 0) * g;
      const inPatchRow = (y % p) * p;
      for (let x = 0; x < width; x++) {
        const patch = patchRow + ((x / p) | 0);
        out[patch * dim + (inPatchRow + (x % p)) * chans + c] = chw[rowIn + x];
      }
    }
  }
  return out;
}

/** [L, p*p*C] → [C,H,W]; the inverse of `patchify` (`imgSize` = H, `width` = W, default square). */
export function unpatchify(patches: Float32Array, imgSize: number, patchSize: number, chans = 3, width = imgSize): Float32Array {
  const gh = gridSide(imgSize, patchSize);
  const g = gridSide(width, patchSize);
  const p = patchSize;
  const hw = imgSize * width;
  const dim = p * p * chans;
  if (patches.length !== gh * g * dim) {
    throw new RangeError(`unpatchify: expected ${gh * g} patches of ${dim} values (${gh * g * dim}), got ${patches.length}`);
  }
  const out = new Float32Array(chans * hw);
  for (let c = 0; c < chans; c++) {
    for (let y = 0; y < imgSize; y++) {
      const rowOut = c * hw + y * width;
      const patchRow = ((y / p) | 0) * g;
      const inPatchRow = (y % p) * p;
      for (let x = 0; x < width; x++) {
        const patch = patchRow + ((x / p) | 0);
        out[rowOut + x] = patches[patch * dim + (inPatchRow + (x % p)) * chans + c];
      }
    }
  }
  return out;
}

/** Top-left pixel (x, y) of patch `index` on a grid of `width/patchSize` patches per row (`width` default: imgSize). */
export function patchOrigin(index: number, imgSize: number, patchSize: number, width = imgSize): { x: number; y: number } {
  const g = gridSide(width, patchSize);
  return { x: (index % g) * patchSize, y: Math.floor(index / g) * patchSize };
}

/**
 * Position embeddings for a patch grid of any shape (model contract v2): the fixed 2-D sin-cos table
 * MAE uses, computed for gridH x gridW patches, and bicubic interpolation of a learned (or otherwise
 * not sin-cos) table from its training grid to another one, as Hugging Face's
 * `interpolate_pos_encoding` does. Pure functions over flat float32 tables [(1 + L) * dim], row 0 the
 * cls token's position, rows 1.. the patches row-major (as patchify orders them).
 *
 * Reference: python/mae_playground/models_mae.py get_2d_sincos_pos_embed (the official code's
 * channel order: np.meshgrid(w, h) makes the first half of the channels encode the column and the
 * second half the row).
 */

function checkGrid(gridH: number, gridW: number, what = 'grid'): void {
  if (!Number.isInteger(gridH) || !Number.isInteger(gridW) || gridH <= 0 || gridW <= 0) {
    throw new RangeError(`${what} must be whole positive numbers of patches, got ${gridH}×${gridW}`);
  }
}

/** omega_i = 1 / 10000^(i / (dim/2)), i < dim/2: the frequencies of a 1-D sin-cos embedding of width `dim` (float64, as numpy). */
function omegas(dim: number): Float64Array {
  const half = dim / 2;
  const omega = new Float64Array(half);
  // numpy: 1 / 10000 ** (arange(half) / (dim / 2))
  for (let i = 0; i < half; i++) omega[i] = 1 / 10000 ** (i / half);
  return omega;
}

/**
 * The fixed 2-D sin-cos position table for a gridH x gridW patch grid: [(1 + gridH*gridW) * embedDim],
 * cls row zeros. Channels [0, D/2) encode the patch's column, [D/2, D) its row; each half is
 * sin(pos * omega) then cos(pos * omega) with omega_i = 1 / 10000^(i / (D/4)). float64 math rounded
 * once to float32, as the official numpy code (h == w gives the official table).
 */
export function sincos2d(embedDim: number, gridH: number, gridW: number): Float32Array {
  if (!Number.isInteger(embedDim) || embedDim <= 0 || embedDim % 4 !== 0) {
    throw new RangeError(`the sin-cos position embedding needs a width divisible by 4, got ${embedDim}`);
  }
  checkGrid(gridH, gridW);
  const D = embedDim;
  const quarter = D / 4;
  const omega = omegas(D / 2);
  const out = new Float32Array((1 + gridH * gridW) * D);
  for (let r = 0; r < gridH; r++) {
    for (let c = 0; c < gridW; c++) {
      const base = (1 + r * gridW + c) * D;
      for (let i = 0; i < quarter; i++) {
        const colArg = c * omega[i];
        const rowArg = r * omega[i];
        out[base + i] = Math.sin(colArg);
        out[base + quarter + i] = Math.cos(colArg);
        out[base + 2 * quarter + i] = Math.sin(rowArg);
        out[base + 3 * quarter + i] = Math.cos(rowArg);
      }
    }
  }
  return out;
}

const CUBIC_A = -0.75; // PyTorch's (and OpenCV's) bicubic kernel parameter

/** PyTorch's cubic convolution weights for the 4 taps at offsets -1, 0, 1, 2 of fraction t. */
function cubicWeights(t: number): [number, number, number, number] {
  const A = CUBIC_A;
  const near = (x: number): number => ((A + 2) * x - (A + 3)) * x * x + 1; // |x| <= 1
  const far = (x: number): number => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; // 1 < |x| < 2
  return [far(t + 1), near(t), near(1 - t), far(2 - t)];
}

/**
 * Per output position along one axis: the 4 clamped input indices and their weights, as
 * torch.nn.functional.interpolate(mode='bicubic', align_corners=False, size=...) computes them:
 * source = scale * (dst + 0.5) - 0.5 with scale = in / out (float32 in PyTorch, hence fround), no
 * clamping of the source itself, taps clamped to the border.
 */
function axisTaps(inSize: number, outSize: number): { index: Int32Array; weight: Float64Array } {
  const index = new Int32Array(outSize * 4);
  const weight = new Float64Array(outSize * 4);
  const scale = Math.fround(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.fround(Math.fround(scale * (o + 0.5)) - 0.5);
    const base = Math.floor(src);
    const w = cubicWeights(Math.fround(src - base));
    for (let k = 0; k < 4; k++) {
      index[o * 4 + k] = Math.min(Math.max(base - 1 + k, 0), inSize - 1);
      weight[o * 4 + k] = w[k];
    }
  }
  return { index, weight };
}

/**
 * A position table [(1 + fromH*fromW) * embedDim] resampled to a toH x toW grid: the patch rows as
 * an embedDim-channel fromH x fromW image through bicubic interpolation (a = -0.75,
 * align_corners=False, as torch.nn.functional.interpolate and Hugging Face's
 * interpolate_pos_encoding); the cls row is kept as it is.
 */
export function interpolatePosTable(
  table: Float32Array,
  embedDim: number,
  fromH: number,
  fromW: number,
  toH: number,
  toW: number,
): Float32Array {
  checkGrid(fromH, fromW, 'the table’s grid');
  checkGrid(toH, toW, 'the target grid');
  const D = embedDim;
  if (table.length !== (1 + fromH * fromW) * D) {
    throw new RangeError(`a ${fromH}×${fromW} position table of width ${D} holds ${(1 + fromH * fromW) * D} values, got ${table.length}`);
  }
  const out = new Float32Array((1 + toH * toW) * D);
  out.set(table.subarray(0, D), 0);
  if (fromH === toH && fromW === toW) {
    out.set(table.subarray(D), D); // PyTorch copies when the size does not change
    return out;
  }
  const rows = axisTaps(fromH, toH);
  const cols = axisTaps(fromW, toW);
  const acc = new Float64Array(D);
  for (let oy = 0; oy < toH; oy++) {
    for (let ox = 0; ox < toW; ox++) {
      acc.fill(0);
      for (let ky = 0; ky < 4; ky++) {
        const wy = rows.weight[oy * 4 + ky];
        const iy = rows.index[oy * 4 + ky];
        for (let kx = 0; kx < 4; kx++) {
          const w = wy * cols.weight[ox * 4 + kx];
          const src = (1 + iy * fromW + cols.index[ox * 4 + kx]) * D;
          for (let d = 0; d < D; d++) acc[d] += w * table[src + d];
        }
      }
      out.set(acc, (1 + oy * toW + ox) * D);
    }
  }
  return out;
}

/**
 * Whether a stored table is the fixed sin-cos one for its grid (then the page may compute the table
 * for any grid exactly) or something else (learned, interpolated: then it is interpolated).
 * maxAbsDiff over every row, the cls row included (the official cls position is zeros).
 */
export function isSincosTable(
  table: Float32Array,
  embedDim: number,
  gridH: number,
  gridW: number,
  tol = 1e-5,
): { match: boolean; maxAbsDiff: number } {
  if (embedDim % 4 !== 0 || table.length !== (1 + gridH * gridW) * embedDim) return { match: false, maxAbsDiff: Infinity };
  const ref = sincos2d(embedDim, gridH, gridW);
  let maxAbsDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(table[i] - ref[i]);
    // NaN compares false: a table with NaN is no sin-cos table
    if (!(d <= maxAbsDiff)) maxAbsDiff = Number.isNaN(d) ? Infinity : d;
  }
  return { match: maxAbsDiff <= tol, maxAbsDiff };
}

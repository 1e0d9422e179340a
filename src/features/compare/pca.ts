/**
 * Feature maps as colour: the first three principal components of an image's patch features become
 * R, G and B (the usual way to look at ViT features). Patches the encoder treats alike get alike
 * colours, so a map that follows object parts says "semantic", one that follows colour and edges
 * says "low-level".
 */

import type { RgbaImage } from '../../mae/image.ts';

export interface PrincipalComponents {
  /** [k, dim] unit vectors, strongest first */
  components: Float64Array[];
  /** variance along each component */
  variances: number[];
  mean: Float64Array;
}

/**
 * Top-k principal components of `rows` ([n, dim] row-major) by power iteration with deflation on the
 * dim x dim covariance. Deterministic: fixed start vector, and each component's sign is chosen so that
 * its largest-magnitude entry is positive (PCA signs are otherwise arbitrary, and colours would flip).
 */
export function principalComponents(rows: Float32Array, n: number, dim: number, k = 3, iters = 200): PrincipalComponents {
  if (rows.length !== n * dim) throw new RangeError(`expected ${n}x${dim} = ${n * dim} values, got ${rows.length}`);
  if (n < 2) throw new RangeError('PCA needs at least two rows');
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += rows[i * dim + j] / n;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) centred[j] = rows[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let c = 0; c < Math.min(k, dim); c++) {
    let v = new Float64Array(dim);
    for (let j = 0; j < dim; j++) v[j] = 1 / Math.sqrt(dim) + j * 1e-3; // not orthogonal to any component in practice
    let lambda = 0;
    for (let it = 0; it < iters; it++) {
      const w = new Float64Array(dim);
      for (let a = 0; a < dim; a++) {
        let s = 0;
        for (let b = 0; b < dim; b++) s += cov[a * dim + b] * v[b];
        w[a] = s;
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      for (let j = 0; j < dim; j++) w[j] /= norm;
      lambda = norm;
      v = w;
    }
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
    if (v[big] < 0) for (let j = 0; j < dim; j++) v[j] = -v[j];
    components.push(v);
    variances.push(lambda);
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] -= lambda * v[a] * v[b];
  }
  return { components, variances, mean };
}

/**
 * RGB per row from the first three components: each projection is scaled to [0, 255] between its 2nd
 * and 98th percentile (a few outlier patches, e.g. a bright highlight, would otherwise grey out the rest).
 */
export function pcaColours(rows: Float32Array, n: number, dim: number): Uint8ClampedArray {
  const pcs = principalComponents(rows, n, dim, 3);
  const rgb = new Uint8ClampedArray(n * 3);
  pcs.components.forEach((comp, c) => {
    const proj = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (rows[i * dim + j] - pcs.mean[j]) * comp[j];
      proj[i] = s;
    }
    const sorted = Array.from(proj).sort((a, b) => a - b);
    const lo = sorted[Math.floor(0.02 * (n - 1))];
    const hi = sorted[Math.ceil(0.98 * (n - 1))];
    const span = hi - lo || 1;
    for (let i = 0; i < n; i++) rgb[i * 3 + c] = Math.round(((proj[i] - lo) / span) * 255);
  });
  return rgb;
}

/** The patch-feature colours blown up to the model's image size: one flat square per patch. */
export function featureMapImage(rgb: Uint8ClampedArray, side: number, patchSize: number): RgbaImage {
  const size = side * patchSize;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = Math.floor(y / patchSize) * side + Math.floor(x / patchSize);
      const o = (y * size + x) * 4;
      data[o] = rgb[p * 3];
      data[o + 1] = rgb[p * 3 + 1];
      data[o + 2] = rgb[p * 3 + 2];
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

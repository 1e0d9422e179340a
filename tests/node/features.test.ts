// The compare view's pieces with a real model through onnxruntime-node: the encoder's patch features
// (nothing hidden), their PCA colours, and the shared mask run through maskFromHidden.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodePatchFeatures,
  positionFeeds,
  maskFromHidden,
  numPatches,
  reconstruct,
  resizeShorterSideCenterCrop,
  sharedMasks,
  toNormalizedChw,
} from '../../src/mae/index.ts';
import { pcaColours } from '../../src/features/compare/pca.ts';
import { loadNodeModel, ort, type NodeModel } from '../../src/cli/node-model.ts';
import { MODEL_DIR, readImage } from '../unit/support.ts';

let model: NodeModel;
let chw: Float32Array;

beforeAll(async () => {
  model = await loadNodeModel(MODEL_DIR, { threads: 1 });
  const m = model.manifest;
  const img = readImage('public/samples/golden_retriever.jpg');
  chw = toNormalizedChw(resizeShorterSideCenterCrop(img, m.imgSize), m.mean, m.std);
});
afterAll(async () => {
  await model?.release();
});

describe('encodePatchFeatures', () => {
  it('gives one token per patch, equal to the encoder run on the patches in another order', async () => {
    const m = model.manifest;
    const L = numPatches(m);
    const f = await encodePatchFeatures(model.sessions, ort.Tensor, chw, m.imgSize, L);
    expect(f.numPatches).toBe(L);
    expect(f.dim).toBe(m.encoder.embedDim);
    expect(f.data.length).toBe(L * f.dim);
    // Position embeddings are added before the gather, so the encoder is permutation-equivariant over
    // kept patches: reversed ids must give the same tokens, reversed.
    const reversed = Array.from({ length: L }, (_, i) => L - 1 - i);
    const ids = new ort.Tensor('int64', BigInt64Array.from(reversed.map(BigInt)), [1, L]);
    const pos = positionFeeds(model.sessions, ort.Tensor, m.imgSize, L).encoder; // contract v2 graphs take their table
    const out = await model.sessions.encoder.run({
      image: new ort.Tensor('float32', chw, [1, 3, m.imgSize, m.imgSize]),
      ids_keep: ids,
      ...pos,
    });
    const latent = out.latent.data as Float32Array;
    let worst = 0;
    for (let k = 0; k < L; k++) {
      const patch = reversed[k];
      for (let d = 0; d < f.dim; d++) worst = Math.max(worst, Math.abs(latent[(1 + k) * f.dim + d] - f.data[patch * f.dim + d]));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('PCA colours vary across the image (a photo is not one flat colour)', async () => {
    const m = model.manifest;
    const L = numPatches(m);
    const f = await encodePatchFeatures(model.sessions, ort.Tensor, chw, m.imgSize, L);
    const rgb = pcaColours(f.data, L, f.dim);
    const distinct = new Set(Array.from({ length: L }, (_, i) => `${rgb[i * 3]},${rgb[i * 3 + 1]},${rgb[i * 3 + 2]}`));
    expect(distinct.size).toBeGreaterThan(L / 4);
  });
});

describe('shared compare mask through the model', () => {
  it('a 7x7 mask expanded to the 14x14 grid hides 4 patches per hidden coarse patch and reconstructs', async () => {
    const m = model.manifest;
    const L = numPatches(m);
    const [coarse, hidden] = sharedMasks([7, Math.sqrt(L)], 0.75, 0);
    const masks = maskFromHidden(hidden);
    expect(masks.idsKeep.length).toBe(4 * (49 - coarse.reduce((s, v) => s + v, 0)));
    const r = await reconstruct(model.sessions, ort.Tensor, chw, m.imgSize, masks);
    expect(r.pred.length).toBe(L * m.patchSize * m.patchSize * 3);
    expect(r.pred.every(Number.isFinite)).toBe(true);
  });
});

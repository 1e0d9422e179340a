// models/default-int8 (python/mae_playground/quantize_dynamic.py of models/default) stays close to the fp32 model:
// same reconstructions within a small masked-MSE change, and it was made from the current fp32 files.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSeed, maskedPatchMse, numPatches, patchify, randomMasking, reconstruct } from '../../src/mae/index.ts';
import { loadNodeModel, ort, type NodeModel } from '../../src/cli/node-model.ts';
import { MODEL_DIR, ROOT, compare, loadReference } from '../unit/support.ts';

const INT8_DIR = `${ROOT}models/default-int8/`;
const ref = loadReference();
let fp32: NodeModel;
let int8: NodeModel;

beforeAll(async () => {
  fp32 = await loadNodeModel(MODEL_DIR, { threads: 1 });
  int8 = await loadNodeModel(INT8_DIR, { threads: 1 });
});
afterAll(async () => {
  await fp32?.release();
  await int8?.release();
});

describe('int8 variant of the bundled model', () => {
  it('was quantised from the current fp32 files (else: PYTHONPATH=python python3 -m mae_playground.quantize_dynamic models/default models/default-int8)', () => {
    const q = JSON.parse(readFileSync(`${INT8_DIR}manifest.json`, 'utf8')) as {
      quantization?: { sourceFiles?: Record<string, { sha256?: string }> };
    };
    const f = JSON.parse(readFileSync(`${MODEL_DIR}manifest.json`, 'utf8')) as { files: Record<string, { sha256?: string }> };
    // every file of the fp32 folder (format 2: the weights are in the .data files, not in the graphs)
    expect(Object.keys(f.files)).toContain('encoder.onnx');
    for (const file of Object.keys(f.files)) expect(q.quantization?.sourceFiles?.[file]?.sha256, file).toBe(f.files[file].sha256);
  });

  // Measured on the 12 sample photos x 2 masks at 0.75 (npm run bench:quant): masked MSE +0.1%,
  // mean |Δpred| 0.012 normalised units (under one grey level); here relL2 vs fp32 ≈ 0.03. The
  // bounds are 10x (MSE) and 3x (relL2) over those.
  it.each([0.5, 0.75, 0.9])('ratio %s: masked MSE within 2 percent of fp32, predictions close', async (ratio) => {
    const m = fp32.manifest;
    const L = numPatches(m);
    let mseF = 0;
    let mseQ = 0;
    let worstRel = 0;
    for (const [i, im] of ref.meta.images.entries()) {
      const image = ref.float32(`${im.name}/image`);
      const masks = randomMasking(imageSeed(3, i, false), L, ratio);
      const a = await reconstruct(fp32.sessions, ort.Tensor, image, m.imgSize, masks);
      const b = await reconstruct(int8.sessions, ort.Tensor, image, m.imgSize, masks);
      const target = patchify(image, m.imgSize, m.patchSize);
      const P = m.patchSize * m.patchSize * 3;
      mseF += maskedPatchMse(a.pred, target, masks.mask, P) as number;
      mseQ += maskedPatchMse(b.pred, target, masks.mask, P) as number;
      worstRel = Math.max(worstRel, compare(b.pred, a.pred).relL2);
    }
    const change = (mseQ - mseF) / mseF;
    console.log(
      `ratio ${ratio}: masked MSE fp32 ${(mseF / ref.meta.images.length).toFixed(4)}, int8 ${(mseQ / ref.meta.images.length).toFixed(4)} (${(100 * change).toFixed(2)}%), pred relL2 vs fp32 ≤ ${worstRel.toExponential(2)}`,
    );
    expect(Math.abs(change)).toBeLessThan(0.02);
    expect(worstRel).toBeLessThan(0.1);
  });
});

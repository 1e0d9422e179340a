// reconstructBatch (B rows in one encoder call and one decoder call) gives the same predictions as
// reconstruct() one image at a time: the app batches the grid when that is faster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSeed, numPatches, randomMasking, reconstruct, reconstructBatch, type BatchItem } from '../../src/mae/index.ts';
import { loadNodeModel, ort, type NodeModel } from '../../src/cli/node-model.ts';
import { MODEL_DIR, compare, loadReference } from '../unit/support.ts';

const ref = loadReference();
let model: NodeModel;

beforeAll(async () => {
  model = await loadNodeModel(MODEL_DIR, { threads: 1 });
});
afterAll(async () => {
  await model?.release();
});

/** The reference images, plus a synthetic one, so the batch mixes different inputs. */
function images(): Float32Array[] {
  const out = ref.meta.images.map((im) => ref.float32(`${im.name}/image`));
  const n = out[0].length;
  out.push(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01) * 1.5));
  return out;
}

// Batched and single runs use the same kernels on different matrix shapes, so summation order may
// differ: at most float rounding (values here reach ~3).
const TOL = 1e-5;

describe.each([0, 0.75, 0.95])('reconstructBatch at ratio %s', (ratio) => {
  it('matches reconstruct() row by row within 1e-5', async () => {
    const m = model.manifest;
    const L = numPatches(m);
    const items: BatchItem[] = images().map((image, b) => ({ image, masks: randomMasking(imageSeed(7, b, false), L, ratio) }));
    const batch = await reconstructBatch(model.sessions, ort.Tensor, items, m.imgSize);
    expect(batch.preds).toHaveLength(items.length);
    expect(batch.latentDims[0]).toBe(items.length);
    expect(batch.latentDims[1]).toBe(1 + items[0].masks.idsKeep.length);
    let worst = 0;
    for (let b = 0; b < items.length; b++) {
      const single = await reconstruct(model.sessions, ort.Tensor, items[b].image, m.imgSize, items[b].masks);
      expect(batch.preds[b].length).toBe(single.pred.length);
      const d = compare(batch.preds[b], single.pred);
      worst = Math.max(worst, d.maxAbsDiff);
      expect(d.maxAbsDiff).toBeLessThanOrEqual(TOL);
    }
    console.log(`ratio ${ratio}, B=${items.length}: batched vs single max|Δ| ${worst.toExponential(2)}`);
  });
});

describe('reconstructBatch input checks', () => {
  it('refuses items with different numbers of visible patches', async () => {
    const m = model.manifest;
    const L = numPatches(m);
    const [a, b] = images();
    await expect(
      reconstructBatch(
        model.sessions,
        ort.Tensor,
        [
          { image: a, masks: randomMasking(1, L, 0.75) },
          { image: b, masks: randomMasking(2, L, 0.5) },
        ],
        m.imgSize,
      ),
    ).rejects.toThrow(/same|keep/);
  });

  it('refuses an empty batch and a wrongly sized image', async () => {
    const m = model.manifest;
    const L = numPatches(m);
    await expect(reconstructBatch(model.sessions, ort.Tensor, [], m.imgSize)).rejects.toThrow(RangeError);
    await expect(
      reconstructBatch(model.sessions, ort.Tensor, [{ image: new Float32Array(10), masks: randomMasking(1, L, 0.75) }], m.imgSize),
    ).rejects.toThrow(/image must hold/);
  });
});

/**
 * Imported weights on non-square patch grids (contract v2), the page's path in Node: importWeights
 * builds v2 graphs, decides per file whether its position tables are sin-cos (computed for any grid)
 * or stored ones (resized bicubically), and onnxruntime-web (WASM) runs them through reconstructBatch.
 * Against PyTorch (tests/fixtures/grid-v2/make_weights_grid_refs.py: models_mae.py with the tables
 * for the h×w grid): random stored tables (tiny fixture at 3×5 and 5×3; the e2e fixture at 224×320 and
 * 320×224 from its 7×7 tables), exact sin-cos tables (3×5, 5×3), and a random ViT-B/16 (tests/reference/vit-b-random: 224×320 and 320×224 photos, exact sin-cos).
 * Tolerance: the contract's, max|Δ| <= 1e-4 · max(1, max|ref|) (measured: ViT-B 3.3e-6).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { importWeights, importedModelFiles } from '../../src/features/models/weights/index.ts';
import { imageSeed, positionSourceFromManifest, randomMasking, reconstructBatch, type GridManifest } from '../../src/mae/index.ts';
import { parseReference } from '../../src/testing/reference.ts';
import { ROOT, compare, maxAbs } from '../unit/support.ts';
import { FIXTURE_HEADS } from '../unit/weights-support.ts';

ortWeb.env.wasm.numThreads = 1;

interface Case {
  file: string;
  positions: 'sincos-2d' | 'table';
  grid: [number, number];
  patchSize: number;
  key: string;
  seeds: number[];
  maskRatio: number;
  predStride: number;
}
const dir = `${ROOT}tests/fixtures/grid-v2/`;
const meta = JSON.parse(readFileSync(`${dir}weights-grid.json`, 'utf8')) as {
  cases: Case[];
  entries: Record<string, { offset: number; shape: number[] }>;
};
const bin = readFileSync(`${dir}weights-grid.bin`);
function f32(name: string): Float32Array {
  const e = meta.entries[name];
  const n = e.shape.reduce((a, b) => a * b, 1);
  return new Float32Array(bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + n * 4));
}

/** The script's pattern(): sin(0.37 y + 0.91 x + 1.3 c + 2.1 n) * 1.5, image n of the batch, [3, h, w]. */
function pattern(n: number, h: number, w: number): Float32Array {
  const out = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) out[(c * h + y) * w + x] = Math.sin(0.37 * y + 0.91 * x + 1.3 * c + 2.1 * n) * 1.5;
  return out;
}

describe('imported weights on non-square grids match PyTorch (onnxruntime-web WASM)', () => {
  for (const c of meta.cases) {
    it(`${c.key} (${c.positions})`, async () => {
      const name = c.file.slice(c.file.lastIndexOf('/') + 1);
      const heads = c.file.startsWith('e2e/') ? {} : FIXTURE_HEADS;
      const imported = await importWeights(await openAsBlob(`${ROOT}${c.file}`), name, heads);
      const m = imported.manifest as typeof imported.manifest & GridManifest;
      // the page's decision: exact sin-cos tables are computed for any grid, others are resized
      expect(m.format).toBe('mae-playground/2');
      expect(m.grid?.positions).toBe(c.positions);
      expect(imported.positions.kind).toBe(c.positions);
      const files = importedModelFiles(imported);
      const create = (part: 'encoder' | 'decoder') =>
        ortWeb.InferenceSession.create(files.get(m[part].file) as Uint8Array, {
          executionProviders: ['wasm'],
          externalData: (m[part].externalData ?? []).map((path) => ({ path, data: files.get(path) as Blob })),
        });
      const encoder = await create('encoder');
      const decoder = await create('decoder');
      try {
        // positions as the page's loader reads them: from the manifest and its files
        const positions = positionSourceFromManifest(
          m,
          m.grid?.positionsFile ? (files.get(m.grid.positionsFile) as Uint8Array) : undefined,
        );
        const [h, w] = c.grid;
        const p = c.patchSize;
        const L = h * w;
        const items = c.seeds.map((seed, n) => ({ image: pattern(n, h * p, w * p), masks: randomMasking(seed, L, c.maskRatio) }));
        const r = await reconstructBatch({ encoder, decoder, positions }, ortWeb.Tensor, items, { height: h * p, width: w * p });
        const want = f32(`${c.key}/pred`);
        const per = p * p * 3;
        const rows = Math.ceil(L / c.predStride);
        let diff = 0;
        let ref = 0;
        r.preds.forEach((pred, b) => {
          expect(pred.length).toBe(L * per);
          for (let j = 0; j < rows; j++) {
            const got = pred.subarray(j * c.predStride * per, (j * c.predStride + 1) * per);
            const exp = want.subarray((b * rows + j) * per, (b * rows + j + 1) * per);
            for (let i = 0; i < per; i++) {
              diff = Math.max(diff, Math.abs(got[i] - exp[i]));
              ref = Math.max(ref, Math.abs(exp[i]));
            }
          }
        });
        expect(diff).toBeLessThanOrEqual(1e-4 * Math.max(1, ref));
      } finally {
        await encoder.release();
        await decoder.release();
      }
    });
  }
});

// A random ViT-B/16 in the official layout (exact sin-cos tables), as tests/reference/vit-b-random
// describes it: its 450 MB file is written again from its seed when missing (reference.json "model").
const vitB = JSON.parse(readFileSync(`${ROOT}tests/reference/vit-b-random/reference.json`, 'utf8')) as {
  model: { weights: string; sha256: string; make: string };
  gridCases: { key: string; imageTensor: string; gridH: number; gridW: number; maskRatio: number; seed: number }[];
  gridImages: { tensor: string; height: number; width: number }[];
};
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const vitBPath = `${ROOT}${vitB.model.weights}`;

describe('a random ViT-B/16 (official layout) on 224×320 and 320×224 matches PyTorch (tests/reference/vit-b-random)', () => {
  it.skipIf(!hasTorch && !existsSync(vitBPath))(
    'whole photos through the imported v2 graphs (sin-cos tables computed for 14×20 and 20×14)',
    async () => {
      const sha = () => createHash('sha256').update(readFileSync(vitBPath)).digest('hex');
      if (!existsSync(vitBPath) || sha() !== vitB.model.sha256) {
        execFileSync(PYTHON, ['-m', 'mae_playground.attention_reference', '--vit-b-weights', vitBPath], {
          cwd: ROOT,
          env: { ...process.env, PYTHONPATH: `${ROOT}python` },
        });
      }
      expect(sha()).toBe(vitB.model.sha256);
      const imported = await importWeights(await openAsBlob(vitBPath), 'attention-vit-b.pth');
      expect(imported.positions.kind).toBe('sincos-2d');
      const files = importedModelFiles(imported);
      const m = imported.manifest;
      const create = (part: 'encoder' | 'decoder') =>
        ortWeb.InferenceSession.create(files.get(m[part].file) as Uint8Array, {
          executionProviders: ['wasm'],
          externalData: (m[part].externalData ?? []).map((path) => ({ path, data: files.get(path) as Blob })),
        });
      const encoder = await create('encoder');
      const decoder = await create('decoder');
      const bin = readFileSync(`${ROOT}tests/reference/vit-b-random/reference.bin`);
      const ref = parseReference(vitB, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
      try {
        for (const c of vitB.gridCases) {
          const L = c.gridH * c.gridW;
          const image = ref.float32(c.imageTensor);
          const masks = randomMasking(imageSeed(c.seed, 0, true), L, c.maskRatio);
          expect(Array.from(masks.idsKeep)).toEqual(ref.int64(`${c.key}/ids_keep`));
          const r = await reconstructBatch({ encoder, decoder, positions: imported.positions }, ortWeb.Tensor, [{ image, masks }], {
            height: c.gridH * 16,
            width: c.gridW * 16,
          });
          const want = ref.float32(`${c.key}/pred`);
          const d = compare(r.preds[0], want).maxAbsDiff;
          console.log(`ViT-B ${c.key}: max|pred - PyTorch| = ${d.toExponential(2)}`);
          expect(d).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(want)));
        }
      } finally {
        await encoder.release();
        await decoder.release();
      }
    },
    600_000,
  );
});

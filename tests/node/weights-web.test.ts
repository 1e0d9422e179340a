// The browser's path, run in Node: onnxruntime-web (WASM) creates the imported graphs' sessions with
// external data given as Blob slices of the file (`{ path, data: Blob }`, as the worker will hand
// them over) and reproduces PyTorch. Tolerance as in weights-import.test.ts: 1e-4 · max(1, max|ref|).
// The graphs are the ones the page builds: the worker's import (weights-local.ts) is checked to give
// MatMul graphs, and the same options give the graphs run here.
import { openAsBlob } from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { importLocalWeights } from '../../src/features/models/weights-local.ts';
import { importWeights, importedModelFiles } from '../../src/features/models/weights/index.ts';
import { gridPositions, positionSourceFromManifest, type GridManifest } from '../../src/mae/index.ts';
import { ROOT } from '../unit/support.ts';
import { FIXTURE_HEADS, f32, fixture, references } from '../unit/weights-support.ts';

/** The op types in an ONNX graph's bytes (node op_type strings are stored as plain UTF-8). */
const hasOp = (graph: Uint8Array, op: string): boolean => Buffer.from(graph).includes(Buffer.from(op));

ortWeb.env.wasm.numThreads = 1;

function maxError(got: Float32Array, want: Float32Array): { diff: number; bound: number } {
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - want[i]));
    ref = Math.max(ref, Math.abs(want[i]));
  }
  return { diff, bound: 1e-4 * Math.max(1, ref) };
}

describe('onnxruntime-web (WASM) with Blob external data', () => {
  it("the page's import (weights-local.ts) builds MatMul graphs, no Gemm: the graphs run below", async () => {
    const path = `${ROOT}e2e/fixtures/weights/mae_visualize_vit_e2e.pth`;
    const page = await importLocalWeights([{ path: 'mae_visualize_vit_e2e.pth', blob: await openAsBlob(path) }], () => undefined);
    const here = await importWeights(await fixture('mae_visualize_vit_tiny.pth'), 'x.pth', FIXTURE_HEADS);
    for (const graph of [page.imported.encoder, page.imported.decoder, here.encoder, here.decoder]) {
      expect(hasOp(graph, 'MatMul')).toBe(true);
      expect(hasOp(graph, 'Gemm')).toBe(false);
    }
  });

  for (const file of ['mae_visualize_vit_tiny.pth', 'hf/pytorch_model.bin']) {
    it(file, async () => {
      const imported = await importWeights(await fixture(file), file, FIXTURE_HEADS);
      // as a loader that looks files up by manifest name would: graphs as bytes, weights as Blob slices
      const files = importedModelFiles(imported);
      const m = imported.manifest;
      for (const e of imported.externalData) expect(files.get(e.path)).toBeInstanceOf(Blob);
      const create = (part: 'encoder' | 'decoder') =>
        ortWeb.InferenceSession.create(files.get(m[part].file) as Uint8Array, {
          executionProviders: ['wasm'],
          externalData: (m[part].externalData ?? []).map((path) => ({ path, data: files.get(path) as Blob })),
        });
      const encoder = await create('encoder');
      const decoder = await create('decoder');
      const ref = references.models[file];
      const c = ref.cases[0];
      const ids = (rows: number[][]) =>
        new ortWeb.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
      // contract v2: the position tables the manifest declares (this fixture's are random: 'table', from pos-embed.bin)
      const grid = (m as GridManifest).grid;
      expect(grid?.positions).toBe('table');
      const positions = positionSourceFromManifest(m, files.get(grid?.positionsFile ?? '') as Uint8Array);
      const L = c.idsRestore[0].length;
      const t = gridPositions({ encoder, decoder, positions }, ref.imageShape[2], ref.imageShape[3], L);
      const { latent } = await encoder.run({
        image: new ortWeb.Tensor('float32', f32(ref.image), ref.imageShape),
        ids_keep: ids(c.idsKeep),
        pos_embed: new ortWeb.Tensor('float32', t.encoder, [1, L + 1, t.encoderDim]),
      });
      const { pred } = await decoder.run({
        latent,
        ids_restore: ids(c.idsRestore),
        decoder_pos_embed: new ortWeb.Tensor('float32', t.decoder, [1, L + 1, t.decoderDim]),
      });
      expect(pred.dims).toEqual(c.predShape);
      const l = maxError(latent.data as Float32Array, f32(c.latent));
      const p = maxError(pred.data as Float32Array, f32(c.pred));
      expect(l.diff).toBeLessThanOrEqual(l.bound);
      expect(p.diff).toBeLessThanOrEqual(p.bound);
      await encoder.release();
      await decoder.release();
    });
  }
});

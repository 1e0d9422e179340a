// Imported weights through onnxruntime-node reproduce PyTorch (python/mae_fixtures/weight_fixtures.py)
// in every layout: official .pth with fused qkv (float32, and a float16 *_full file), Hugging Face
// model.safetensors (split q/k/v) and pytorch_model.bin (bfloat16).
// Tolerance: the model contract's, max|Δ| <= 1e-4 * max(1, max|ref|) (measured: about 5e-6 here).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createImportedSessions, loadNodeWeights, type NodeWeightsModel } from '../../src/cli/node-weights.ts';
import { ort } from '../../src/cli/node-model.ts';
import { importWeights } from '../../src/features/models/weights/index.ts';
import { gridPositions, type MaeSessions } from '../../src/mae/index.ts';
import { FIXTURE_HEADS, LAYOUTS, WEIGHTS, f32, fixture, references } from '../unit/weights-support.ts';

function worstError(got: Float32Array, want: Float32Array): { maxAbsDiff: number; bound: number } {
  expect(got.length).toBe(want.length);
  let maxAbsDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - want[i]));
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  return { maxAbsDiff, bound: 1e-4 * Math.max(1, maxRef) };
}

const ids = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);

/** Contract v2 graphs take the position tables as inputs: those the model declares, for the image's grid. */
function positionFeeds(sessions: MaeSessions, imageShape: number[], numPatches: number) {
  const t = gridPositions(sessions, imageShape[2], imageShape[3], numPatches);
  return {
    pos_embed: new ort.Tensor('float32', t.encoder, [1, numPatches + 1, t.encoderDim]),
    decoder_pos_embed: new ort.Tensor('float32', t.decoder, [1, numPatches + 1, t.decoderDim]),
  };
}

describe('imported weights reproduce PyTorch through onnxruntime-node', () => {
  const loaded: NodeWeightsModel[] = [];
  afterAll(async () => {
    for (const m of loaded) await m.release();
  });

  // every layout with the default (MatMul) graphs, and the Gemm variant the benchmark compares
  const runs = [...LAYOUTS.map((file) => [file, 'matmul'] as const), ['mae_visualize_vit_tiny.pth', 'gemm'] as const];
  for (const [file, graphOps] of runs) {
    it(`${file} (${graphOps} graphs)`, async () => {
      const model = await loadNodeWeights(`${WEIGHTS}${file}`, { ...FIXTURE_HEADS, graphOps, threads: 1 });
      loaded.push(model);
      const ref = references.models[file];
      const image = new ort.Tensor('float32', f32(ref.image), ref.imageShape);
      for (const c of ref.cases) {
        const pos = positionFeeds(model.sessions, ref.imageShape, c.idsRestore[0].length);
        const { latent } = await model.sessions.encoder.run({ image, ids_keep: ids(c.idsKeep), pos_embed: pos.pos_embed });
        expect(latent.dims).toEqual(c.latentShape);
        const l = worstError(latent.data as Float32Array, f32(c.latent));
        expect(l.maxAbsDiff, `latent at ratio ${c.maskRatio}`).toBeLessThanOrEqual(l.bound);
        const { pred } = await model.sessions.decoder.run({
          latent,
          ids_restore: ids(c.idsRestore),
          decoder_pos_embed: pos.decoder_pos_embed,
        });
        expect(pred.dims).toEqual(c.predShape);
        const p = worstError(pred.data as Float32Array, f32(c.pred));
        expect(p.maxAbsDiff, `pred at ratio ${c.maskRatio}`).toBeLessThanOrEqual(p.bound);
      }
    });
  }

  it('the same file read with the wrong head count does not reproduce PyTorch (the heads matter)', async () => {
    const imported = await importWeights(await fixture('mae_visualize_vit_tiny.pth'), 'x.pth', { numHeads: 1, decoderNumHeads: 2 });
    const sessions = await createImportedSessions(imported, 1);
    const ref = references.models['mae_visualize_vit_tiny.pth'];
    const c = ref.cases[0];
    const { latent } = await sessions.encoder.run({
      image: new ort.Tensor('float32', f32(ref.image), ref.imageShape),
      ids_keep: ids(c.idsKeep),
      pos_embed: positionFeeds({ ...sessions, positions: imported.positions }, ref.imageShape, c.idsRestore[0].length).pos_embed,
    });
    const l = worstError(latent.data as Float32Array, f32(c.latent));
    expect(l.maxAbsDiff).toBeGreaterThan(100 * l.bound);
    await sessions.encoder.release();
    await sessions.decoder.release();
  });
});

describe('the graphs are valid ONNX for the reference implementation (Python onnx.checker)', () => {
  const python = '/usr/bin/python3';
  const hasOnnx = spawnSync(python, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasOnnx)('encoder.onnx and decoder.onnx pass the full checker with their external data beside them', async () => {
    const imported = await importWeights(await fixture('hf/model.safetensors'), 'model.safetensors', FIXTURE_HEADS);
    const dir = mkdtempSync(join(tmpdir(), 'weights-onnx-'));
    try {
      writeFileSync(join(dir, 'encoder.onnx'), imported.encoder);
      writeFileSync(join(dir, 'decoder.onnx'), imported.decoder);
      for (const e of imported.externalData) writeFileSync(join(dir, e.path), new Uint8Array(await e.data.arrayBuffer()));
      const script = [
        'import onnx, sys',
        'for f in ("encoder", "decoder"):',
        '    p = sys.argv[1] + "/" + f + ".onnx"',
        '    onnx.checker.check_model(p, full_check=True)',
        '    m = onnx.load(p)',
        '    print(f, [i.name for i in m.graph.input], [o.name for o in m.graph.output], m.opset_import[0].version)',
      ].join('\n');
      const out = execFileSync(python, ['-c', script, dir], { encoding: 'utf8' });
      expect(out).toContain("encoder ['image', 'ids_keep', 'pos_embed'] ['latent'] 17");
      expect(out).toContain("decoder ['latent', 'ids_restore', 'decoder_pos_embed'] ['pred'] 17");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

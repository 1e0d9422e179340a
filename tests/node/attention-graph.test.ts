// Attention graphs of imported weights (src/features/models/weights/attention-graph.ts) on
// onnxruntime-web's WASM kernels in Node (the page's kernels) against PyTorch's softmax weights
// (python/mae_playground/attention_reference.py, tests/fixtures/attention/*.json):
// (a) the bundled trained default, as an official checkpoint of its own ONNX weights
//     (python/mae_fixtures/default_official.py), 12 blocks x 3 heads, decoder 4 x 4;
// (b) a random ViT-B/16 in the official layout whose 12 (decoder 16) heads each have their own
//     query/key scale, so a wrong head split or order fails; its 450 MB file is written again from
//     its seed when missing (the reference holds the file's sha256).
// Compared: every stored head of the stored blocks, the head mean of every block (so every block
// index), and the encoder's cls rollout. Tolerance: max |d| <= 1e-5 per weight (measured: at most 2.9e-6) (weights are in [0, 1]).
// The attention graphs also leave the reconstruction as it was: their latent, decoded by the normal
// decoder graph, reproduces PyTorch's pred.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, openAsBlob, readFileSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseManifest,
  positionSourceFromManifest,
  positionTables,
  randomMasking,
  reconstruct,
  type PositionSource,
} from '../../src/mae/index.ts';
import { attentionRow, rolloutCls } from '../../src/features/attention/attention-math.ts';
import {
  runAttention,
  type AttentionRun,
  type AttentionSessions,
  type AttentionStack,
  type PositionTables,
} from '../../src/features/attention/attention-run.ts';
import { buildDecoderAttentionGraph, buildEncoderAttentionGraph } from '../../src/features/models/weights/attention-graph.ts';
import { buildDecoderGraph, buildEncoderGraph, type BuiltGraph } from '../../src/features/models/weights/mae-graph.ts';
import { readMaeWeights } from '../../src/features/models/weights/import-weights.ts';
import { importedPositions } from '../../src/features/models/weights/positions.ts';
import type { MaeWeights } from '../../src/features/models/weights/architecture.ts';
import { compare, loadReference, maxAbs, ROOT } from '../unit/support.ts';

ort.env.wasm.numThreads = 1;

const PYTHON = '/usr/bin/python3';
const hasTorchAndOnnx = spawnSync(PYTHON, ['-c', 'import onnx, torch'], { stdio: 'ignore' }).status === 0;
const TOLERANCE = 1e-5;

interface GraphRecord {
  depth: number;
  heads: number;
  tokens: number;
  rows: number[];
  headBlocks: number[];
  perHead: string;
  mean: string;
  rollout?: string;
}
interface AttentionCase {
  seed: number;
  maskRatio: number;
  idsKeep: number[];
  encoder: GraphRecord;
  decoder: GraphRecord;
}
interface AttentionReference {
  sha256?: string;
  cases: AttentionCase[];
}

const f32 = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};
const readRef = (name: string) => JSON.parse(readFileSync(`${ROOT}tests/fixtures/attention/${name}`, 'utf8')) as AttentionReference;

function python(args: string[]): string {
  return execFileSync(PYTHON, args, { cwd: ROOT, env: { ...process.env, PYTHONPATH: `${ROOT}python` }, encoding: 'utf8' });
}

async function sessionOf(g: BuiltGraph, file: Blob): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(g.onnx, {
    executionProviders: ['wasm'],
    externalData: g.chunks.map((c) => ({ path: c.path, data: file.slice(c.start, c.end) })),
  });
}

/** Largest |TypeScript - PyTorch| over everything the reference stores for one graph. */
function worstDiff(s: AttentionStack, rec: GraphRecord): { perHead: number; mean: number; rollout: number } {
  expect([s.depth, s.heads, s.tokens]).toEqual([rec.depth, rec.heads, rec.tokens]);
  const perHead = f32(rec.perHead);
  const mean = f32(rec.mean);
  const n = rec.tokens;
  const R = rec.rows.length;
  let dHead = 0;
  let dMean = 0;
  rec.headBlocks.forEach((block, bi) => {
    for (let h = 0; h < rec.heads; h++) {
      rec.rows.forEach((q, ri) => {
        const want = perHead.subarray(((bi * rec.heads + h) * R + ri) * n, ((bi * rec.heads + h) * R + ri + 1) * n);
        dHead = Math.max(dHead, compare(attentionRow(s, block, h, q), want).maxAbsDiff);
      });
    }
  });
  for (let block = 0; block < rec.depth; block++) {
    rec.rows.forEach((q, ri) => {
      dMean = Math.max(
        dMean,
        compare(attentionRow(s, block, 'mean', q), mean.subarray((block * R + ri) * n, (block * R + ri + 1) * n)).maxAbsDiff,
      );
    });
  }
  const rollout = rec.rollout ? compare(rolloutCls(s), f32(rec.rollout)).maxAbsDiff : 0;
  return { perHead: dHead, mean: dMean, rollout };
}

function describeModel(label: string, refFile: string, weightsPath: () => string, name: string) {
  describe.skipIf(!hasTorchAndOnnx)(label, () => {
    const ref = readRef(refFile);
    const images = loadReference();
    let weights: MaeWeights;
    let file: Blob;
    let attention: AttentionSessions;
    let source: PositionSource;
    let positions: PositionTables;
    const runs: AttentionRun[] = [];

    beforeAll(async () => {
      file = await openAsBlob(weightsPath());
      weights = await readMaeWeights(file, name);
      attention = {
        encoder: await sessionOf(buildEncoderAttentionGraph(weights), file),
        decoder: await sessionOf(buildDecoderAttentionGraph(weights), file),
      };
      const a = weights.architecture;
      const side = a.imgSize / a.patchSize;
      const L = side * side;
      // contract v2 graphs take the position tables: the file's own (sin-cos here, as PyTorch's tables)
      source = (await importedPositions(file, name, weights)).source;
      positions = positionTables({ ...source, encoderDim: a.embedDim, decoderDim: a.decoderEmbedDim }, side, side);
      for (const c of ref.cases) {
        const masks = randomMasking(c.seed, L, c.maskRatio);
        expect(Array.from(masks.idsKeep)).toEqual(c.idsKeep);
        const size = weights.architecture.imgSize;
        runs.push(
          await runAttention(attention, ort.Tensor, images.float32('goldfinch/image'), { height: size, width: size }, masks, positions),
        );
      }
    }, 300_000);
    afterAll(async () => {
      await attention?.encoder.release();
      await attention?.decoder.release();
    });

    it(`encoder: every stored head, the head mean of every block and the cls rollout within ${TOLERANCE} of PyTorch`, () => {
      ref.cases.forEach((c, i) => {
        const d = worstDiff(runs[i].encoder, c.encoder);
        console.log(
          `${label} encoder: max|d| per head ${d.perHead.toExponential(2)}, mean ${d.mean.toExponential(2)}, rollout ${d.rollout.toExponential(2)}`,
        );
        expect(d.perHead).toBeLessThanOrEqual(TOLERANCE);
        expect(d.mean).toBeLessThanOrEqual(TOLERANCE);
        expect(d.rollout).toBeLessThanOrEqual(TOLERANCE);
      });
    });

    it(`decoder: every stored head and the head mean of every block within ${TOLERANCE} of PyTorch`, () => {
      ref.cases.forEach((c, i) => {
        const d = worstDiff(runs[i].decoder, c.decoder);
        console.log(`${label} decoder: max|d| per head ${d.perHead.toExponential(2)}, mean ${d.mean.toExponential(2)}`);
        expect(d.perHead).toBeLessThanOrEqual(TOLERANCE);
        expect(d.mean).toBeLessThanOrEqual(TOLERANCE);
      });
    });

    it('the heads differ (a wrong split would show): per-head rows of one block are not all alike', () => {
      const s = runs[0].encoder;
      const first = attentionRow(s, 0, 0, 0);
      const last = attentionRow(s, 0, s.heads - 1, 0);
      expect(compare(first, last).maxAbsDiff).toBeGreaterThan(0.01);
    });

    it("the encoder-attention graph's latent is the encoder's: decoded by the normal decoder graph it gives the normal graphs' pred", async () => {
      const enc = await sessionOf(buildEncoderGraph(weights), file);
      const dec = await sessionOf(buildDecoderGraph(weights), file);
      try {
        const c = ref.cases[0];
        const L = (weights.architecture.imgSize / weights.architecture.patchSize) ** 2;
        const masks = randomMasking(c.seed, L, c.maskRatio);
        const image = images.float32('goldfinch/image');
        const size = weights.architecture.imgSize;
        const normal = await reconstruct({ encoder: enc, decoder: dec, positions: source }, ort.Tensor, image, size, masks);
        const mixed = await reconstruct({ encoder: attention.encoder, decoder: dec, positions: source }, ort.Tensor, image, size, masks);
        expect(compare(mixed.pred, normal.pred).maxAbsDiff).toBeLessThanOrEqual(1e-5 * Math.max(1, maxAbs(normal.pred)));
      } finally {
        await enc.release();
        await dec.release();
      }
    }, 120_000);
  });
}

/** The default model's weights as an official .pth (as tests/node/weights-int8.test.ts writes it). */
function defaultCheckpoint(): string {
  const path = `${ROOT}.cache/weights/default-official.pth`;
  const newest = Math.max(...['encoder.onnx', 'decoder.onnx'].map((f) => statSync(`${ROOT}models/default/${f}`).mtimeMs));
  if (!existsSync(path) || statSync(path).mtimeMs < newest) python(['-m', 'mae_fixtures.default_official', 'models/default', path]);
  return path;
}

function vitBCheckpoint(): string {
  const path = `${ROOT}.cache/weights/attention-vit-b.pth`;
  const want = readRef('vit-b.json').sha256;
  const sha = () => createHash('sha256').update(readFileSync(path)).digest('hex');
  if (!existsSync(path) || sha() !== want) python(['-m', 'mae_playground.attention_reference', '--vit-b-weights', path]);
  if (sha() !== want)
    throw new Error(
      `${path} written again is not the file the reference was made from (sha256 ${sha()} vs ${want}): run attention_reference.py`,
    );
  return path;
}

describeModel('the bundled default (ViT-Ti/16, 3 heads; decoder 4 heads)', 'default.json', defaultCheckpoint, 'default-official.pth');
describeModel(
  'a random ViT-B/16, official layout (12 heads; decoder 16 heads)',
  'vit-b.json',
  vitBCheckpoint,
  'mae_visualize_vit_base.pth',
);

// (c) the bundled folder's own attention graphs (contract v2: encoder-attention.onnx and
//     decoder-attention.onnx, written by the Python exporter, weights in encoder.onnx.data /
//     decoder.onnx.data), fed the exact sin-cos tables its manifest declares.
describe('the bundled v2 folder’s own attention graphs (models/default)', () => {
  const dir = `${ROOT}models/default/`;
  const manifest = parseManifest(readFileSync(`${dir}manifest.json`, 'utf8'));
  const ref = readRef('default.json');
  it.skipIf(!manifest.attention)(
    `reproduce PyTorch within ${TOLERANCE} (encoder per head, mean, rollout; decoder per head, mean)`,
    async () => {
      const att = manifest.attention!;
      const bytes = (f: string) => new Uint8Array(readFileSync(`${dir}${f}`));
      const create = (p: { file: string; externalData?: string[] }) =>
        ort.InferenceSession.create(bytes(p.file), {
          executionProviders: ['wasm'],
          externalData: (p.externalData ?? []).map((path) => ({ path, data: bytes(path) })),
        });
      const sessions = { encoder: await create(att.encoder), decoder: await create(att.decoder) };
      try {
        const side = manifest.imgSize / manifest.patchSize;
        const source = positionSourceFromManifest(manifest);
        const tables = positionTables(
          { ...source, encoderDim: manifest.encoder.embedDim, decoderDim: manifest.decoder.embedDim },
          side,
          side,
        );
        const c = ref.cases[0];
        const masks = randomMasking(c.seed, side * side, c.maskRatio);
        const size = manifest.imgSize;
        const r = await runAttention(
          sessions,
          ort.Tensor,
          loadReference().float32('goldfinch/image'),
          { height: size, width: size },
          masks,
          tables,
        );
        const e = worstDiff(r.encoder, c.encoder);
        const d = worstDiff(r.decoder, c.decoder);
        console.log(
          `models/default attention graphs: encoder max|d| ${e.perHead.toExponential(2)} (rollout ${e.rollout.toExponential(2)}), decoder ${d.perHead.toExponential(2)}`,
        );
        expect(Math.max(e.perHead, e.mean, e.rollout, d.perHead, d.mean)).toBeLessThanOrEqual(TOLERANCE);
      } finally {
        await sessions.encoder.release();
        await sessions.decoder.release();
      }
    },
    120_000,
  );
});

// (d) the same graphs on the reference set's attention rows (python/mae_playground/export_onnx.py's
//     own reference, every block and head at four query rows): the 14x14 crop and a whole photo on
//     a 14x20 grid (224x320: the contract's dynamic grid, sin-cos tables computed for it).
describe('models/default attention graphs on the reference set’s rows, square and whole-photo grids', () => {
  const dir = `${ROOT}models/default/`;
  const manifest = parseManifest(readFileSync(`${dir}manifest.json`, 'utf8'));
  const ref = loadReference();
  interface AttentionCaseMeta {
    key: string;
    image: string;
    imageTensor?: string;
    height?: number;
    width?: number;
    gridH?: number;
    gridW?: number;
    attention?: { encoder: string; encoderRows: number[]; decoder: string; decoderRows: number[] };
  }
  const meta = ref.meta as unknown as { cases: AttentionCaseMeta[]; gridCases?: AttentionCaseMeta[] };
  const cases = [...meta.cases, ...(meta.gridCases ?? [])].filter((c) => c.attention);
  it.skipIf(!manifest.attention || cases.length === 0)(
    `every block and head within ${TOLERANCE} of PyTorch (${cases.length} cases)`,
    async () => {
      const att = manifest.attention!;
      const bytes = (f: string) => new Uint8Array(readFileSync(`${dir}${f}`));
      const create = (p: { file: string; externalData?: string[] }) =>
        ort.InferenceSession.create(bytes(p.file), {
          executionProviders: ['wasm'],
          externalData: (p.externalData ?? []).map((path) => ({ path, data: bytes(path) })),
        });
      const sessions = { encoder: await create(att.encoder), decoder: await create(att.decoder) };
      try {
        for (const c of cases) {
          const height = c.height ?? manifest.imgSize;
          const width = c.width ?? manifest.imgSize;
          const gridH = c.gridH ?? height / manifest.patchSize;
          const gridW = c.gridW ?? width / manifest.patchSize;
          const source = positionSourceFromManifest(manifest);
          const tables = positionTables(
            { ...source, encoderDim: manifest.encoder.embedDim, decoderDim: manifest.decoder.embedDim },
            gridH,
            gridW,
          );
          const masks = {
            idsKeep: Int32Array.from(ref.int64(`${c.key}/ids_keep`)),
            idsRestore: Int32Array.from(ref.int64(`${c.key}/ids_restore`)),
            mask: Uint8Array.from(ref.float32(`${c.key}/mask`)),
          };
          const image = ref.float32(c.imageTensor ?? `${c.image}/image`);
          const r = await runAttention(sessions, ort.Tensor, image, { height, width }, masks, tables);
          let worst = 0;
          for (const [stack, name, rows] of [
            [r.encoder, c.attention!.encoder, c.attention!.encoderRows],
            [r.decoder, c.attention!.decoder, c.attention!.decoderRows],
          ] as const) {
            const want = ref.float32(name);
            const n = stack.tokens;
            for (let b = 0; b < stack.depth; b++) {
              for (let h = 0; h < stack.heads; h++) {
                rows.forEach((q, ri) => {
                  const at = ((b * stack.heads + h) * rows.length + ri) * n;
                  worst = Math.max(worst, compare(attentionRow(stack, b, h, q), want.subarray(at, at + n)).maxAbsDiff);
                });
              }
            }
          }
          console.log(`${c.key} (${gridH}x${gridW} grid): max|d| ${worst.toExponential(2)}`);
          expect(worst, c.key).toBeLessThanOrEqual(TOLERANCE);
        }
      } finally {
        await sessions.encoder.release();
        await sessions.decoder.release();
      }
    },
    180_000,
  );
});

/**
 * reconstruct() on contract v2 graphs (dynamic H, W; position tables as inputs) against PyTorch:
 * tests/fixtures/grid-v2 holds a tiny seeded MAE exported by make_grid_v2_fixture.py and
 * models_mae.py's outputs for a 24×40 image (3×5 patches, batch of two masks), with the sin-cos tables
 * for that grid and with a stored table resized by torch's bicubic interpolation.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gridOf,
  gridPositions,
  maskFromIdsKeep,
  positionSourceFromManifest,
  randomMasking,
  reconstructBatch,
  takesPositions,
  type MaeSessions,
} from '../../src/mae/index.ts';

const dir = new URL('../fixtures/grid-v2/', import.meta.url);
interface Entry {
  offset: number;
  shape: number[];
  dtype: 'float32' | 'int32';
}
const meta = JSON.parse(readFileSync(new URL('reference.json', dir), 'utf8')) as {
  grid: [number, number];
  patchSize: number;
  maskRatio: number;
  seeds: number[];
  encoderDim: number;
  decoderDim: number;
  trainingGrid: [number, number];
  entries: Record<string, Entry>;
};
const bin = readFileSync(new URL('reference.bin', dir));
function arr(name: string): Float32Array | Int32Array {
  const e = meta.entries[name];
  const n = e.shape.reduce((a, b) => a * b, 1);
  const buf = bin.buffer.slice(bin.byteOffset + e.offset, bin.byteOffset + e.offset + n * 4);
  return e.dtype === 'int32' ? new Int32Array(buf) : new Float32Array(buf);
}
const f32 = (name: string): Float32Array => arr(name) as Float32Array;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const [h, w] = meta.grid;
const p = meta.patchSize;
const L = h * w;
let encoder: ort.InferenceSession;
let decoder: ort.InferenceSession;
const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

beforeAll(async () => {
  encoder = await ort.InferenceSession.create(new URL('model/encoder.onnx', dir).pathname, opts);
  decoder = await ort.InferenceSession.create(new URL('model/decoder.onnx', dir).pathname, opts);
});
afterAll(async () => {
  await encoder?.release();
  await decoder?.release();
});

function items() {
  const image = f32('image');
  const per = 3 * h * p * w * p;
  return meta.seeds.map((seed, b) => ({ image: image.slice(b * per, (b + 1) * per), masks: randomMasking(seed, L, meta.maskRatio) }));
}

describe('reconstructBatch on v2 graphs (non-square grid)', () => {
  it('masks the 15-patch grid as Python does', () => {
    const keep = arr('ids_keep');
    const restore = arr('ids_restore');
    items().forEach((it, b) => {
      expect(Array.from(it.masks.idsKeep)).toEqual(
        Array.from(keep.subarray(b * it.masks.idsKeep.length, (b + 1) * it.masks.idsKeep.length)),
      );
      expect(Array.from(it.masks.idsRestore)).toEqual(Array.from(restore.subarray(b * L, (b + 1) * L)));
    });
  });

  // fp32 graph vs PyTorch, different kernels: rounding only (measured about 1e-6 on values near 1)
  const TOL = 1e-4;

  it('feeds the sin-cos tables of a 3×5 grid (read widths from the graph) and matches PyTorch', async () => {
    const sessions: MaeSessions = { encoder, decoder };
    expect(takesPositions(sessions)).toBe(true);
    const r = await reconstructBatch(sessions, ort.Tensor, items(), { height: h * p, width: w * p });
    expect(r.latentDims).toEqual([2, 1 + items()[0].masks.idsKeep.length, meta.encoderDim]);
    expect(maxAbsDiff(new Float32Array([...r.preds[0], ...r.preds[1]]), f32('sincos/pred'))).toBeLessThan(TOL);
  });

  it('interpolates a stored table bicubically to the 3×5 grid and matches PyTorch', async () => {
    const sessions: MaeSessions = {
      encoder,
      decoder,
      positions: {
        kind: 'table',
        encoder: f32('table/encoder-4x4'),
        decoder: f32('table/decoder-4x4'),
        encoderDim: meta.encoderDim,
        decoderDim: meta.decoderDim,
        gridH: meta.trainingGrid[0],
        gridW: meta.trainingGrid[1],
      },
    };
    const r = await reconstructBatch(sessions, ort.Tensor, items(), { height: h * p, width: w * p });
    const pred = new Float32Array([...r.preds[0], ...r.preds[1]]);
    expect(maxAbsDiff(pred, f32('table/pred'))).toBeLessThan(TOL);
    // and the sin-cos tables would have given something else: the table was used
    expect(maxAbsDiff(pred, f32('sincos/pred'))).toBeGreaterThan(0.05);
  });

  it('computes a grid’s tables once per model and says when an image does not fit the patch count', async () => {
    const sessions: MaeSessions = { encoder, decoder };
    const a = gridPositions(sessions, h * p, w * p, L);
    expect(gridPositions(sessions, h * p, w * p, L)).toBe(a);
    expect(gridOf(24, 40, 15)).toEqual({ gridH: 3, gridW: 5, patchSize: 8 });
    expect(() => gridOf(24, 41, 15)).toThrow('a 41×24 image does not cut into 15 square patches');
    const one = items()[0];
    await expect(reconstructBatch(sessions, ort.Tensor, [one], { height: h * p, width: w * p - 1 })).rejects.toThrow(
      /image must hold 3×24×39/,
    );
    // a square 32 px image on the same graphs: the 4×4 training grid
    const square = { image: new Float32Array(3 * 32 * 32).fill(0.1), masks: maskFromIdsKeep([0, 5, 10], 16) };
    const r = await reconstructBatch(sessions, ort.Tensor, [square], 32);
    expect(r.preds[0].length).toBe(16 * p * p * 3);
  });
});

describe('positionSourceFromManifest', () => {
  const manifest = { imgSize: 32, patchSize: 8, encoder: { embedDim: 32 }, decoder: { embedDim: 16 } };
  it('reads pos-embed.bin (encoder table then decoder table, little-endian) for a "table" folder', () => {
    const enc = f32('table/encoder-4x4');
    const dec = f32('table/decoder-4x4');
    const bytes = new Uint8Array(4 + (enc.length + dec.length) * 4).subarray(4); // an unaligned view
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    [...enc, ...dec].forEach((v, i) => view.setFloat32(i * 4, v, true));
    const src = positionSourceFromManifest({ ...manifest, grid: { positions: 'table' } }, bytes);
    expect(src.kind).toBe('table');
    if (src.kind !== 'table') return;
    expect(Array.from(src.encoder)).toEqual(Array.from(enc));
    expect(Array.from(src.decoder)).toEqual(Array.from(dec));
    expect([src.gridH, src.gridW, src.encoderDim, src.decoderDim]).toEqual([4, 4, 32, 16]);
  });
  it('says what is wrong with a missing, short or unknown positions declaration', () => {
    expect(positionSourceFromManifest(manifest)).toEqual({ kind: 'sincos-2d', encoderDim: 32, decoderDim: 16 });
    expect(() => positionSourceFromManifest({ ...manifest, grid: { positions: 'table' } })).toThrow(/positionsFile was not loaded/);
    expect(() => positionSourceFromManifest({ ...manifest, grid: { positions: 'table' } }, new Uint8Array(10))).toThrow(
      'the position tables file must hold 17×32 + 17×16 float32 values (3264 bytes), got 10 bytes',
    );
    expect(() => positionSourceFromManifest({ ...manifest, grid: { positions: 'rope' } })).toThrow(/"sincos-2d" or "table", got "rope"/);
  });
});

// Sessions whose external data onnxruntime-web reads one tensor at a time (src/worker/external-data.ts)
// give PyTorch's outputs, and never read more than one tensor at once. The page's worker reads with
// FileReaderSync; here the same array reads the bundled default's .data files with fs.readSync.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { afterAll, describe, expect, it } from 'vitest';
import { imageSeed, positionSourceFromManifest, randomMasking, reconstruct, type ModelManifest } from '../../src/mae/index.ts';
import {
  externalDataEntry,
  externalDataFailure,
  openExternalData,
  RangeBackedBytes,
  rememberStoredReader,
  type SyncRangeReader,
} from '../../src/worker/external-data.ts';
import { MODEL_DIR, compare, loadReference, maxAbs } from '../unit/support.ts';
import { readFileSync } from 'node:fs';

ort.env.wasm.numThreads = 1;

const manifest = JSON.parse(readFileSync(`${MODEL_DIR}manifest.json`, 'utf8')) as ModelManifest;
const ref = loadReference();
const fds: number[] = [];
afterAll(() => fds.forEach((fd) => closeSync(fd)));

/** bytes [start, end) of a file on disk, read when asked (what FileReaderSync does in the worker) */
function fileReader(path: string): SyncRangeReader {
  const fd = openSync(path, 'r');
  fds.push(fd);
  return (start, end) => {
    const out = new Uint8Array(end - start);
    const n = readSync(fd, out, 0, out.length, start);
    if (n !== out.length) throw new Error(`short read: ${n} of ${out.length}`);
    return out;
  };
}

function rangeBacked(name: string): RangeBackedBytes {
  const path = `${MODEL_DIR}${name}`;
  return new RangeBackedBytes(statSync(path).size, fileReader(path));
}

const create = (part: ModelManifest['encoder'], data: RangeBackedBytes) =>
  ort.InferenceSession.create(readFileSync(`${MODEL_DIR}${part.file}`), {
    executionProviders: ['wasm'],
    externalData: [{ path: (part.externalData ?? [])[0], data }],
  });

describe('external data read by range (issue 23: one copy of the weights)', () => {
  it('the bundled default made from range reads matches PyTorch, one tensor per read', async () => {
    const encoderData = rangeBacked('encoder.onnx.data');
    const decoderData = rangeBacked('decoder.onnx.data');
    const sessions = {
      encoder: await create(manifest.encoder, encoderData),
      decoder: await create(manifest.decoder, decoderData),
      positions: positionSourceFromManifest(manifest, undefined),
    };
    try {
      for (const c of ref.meta.cases) {
        const masks = randomMasking(imageSeed(c.seed, 0, true), ref.meta.numPatches, c.maskRatio);
        const r = await reconstruct(sessions, ort.Tensor, ref.float32(`${c.image}/image`), ref.meta.imgSize, masks);
        const predRef = ref.float32(`${c.key}/pred`);
        const d = compare(r.pred, predRef);
        // the bound of tests/node/inference.test.ts (same graphs, same runtime family)
        expect(d.maxAbsDiff).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(predRef)));
        expect(d.relL2).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      await Promise.all([sessions.encoder.release(), sessions.decoder.release()]);
    }
    // The largest single read is the largest weight, counted by hand: encoder (192-d, MLP 768) fc1 is
    // 768 × 192 floats and the patch embedding 192 × 3 × 16 × 16, both 589,824 bytes; decoder (128-d)
    // decoder_pred is 128 × (16 × 16 × 3) floats, 393,216 bytes. Never the whole file at once.
    expect(encoderData.reads.largest).toBe(589_824);
    expect(decoderData.reads.largest).toBe(393_216);
    // every weight read (no byte twice, none left out): the files hold the weights and nothing else
    expect(encoderData.reads.bytes).toBe(manifest.files?.['encoder.onnx.data']?.bytes);
    expect(decoderData.reads.bytes).toBe(manifest.files?.['decoder.onnx.data']?.bytes);
    expect(encoderData.reads.calls).toBeGreaterThan(12 * 4);
    expect(encoderData.reads.failure).toBeNull();
  });

  it('a read that fails fails the session, and says which file and why', async () => {
    const size = statSync(`${MODEL_DIR}encoder.onnx.data`).size;
    let calls = 0;
    const data = new RangeBackedBytes(size, (start, end) => {
      calls += 1;
      if (calls === 3) throw new Error('the file changed on disk after it was chosen');
      return new Uint8Array(end - start);
    });
    await expect(create(manifest.encoder, data)).rejects.toThrow();
    expect(externalDataFailure([{ path: 'encoder.onnx.data', data }])).toBe(
      'encoder.onnx.data could not be read (the file changed on disk after it was chosen)',
    );
  });

  it('a read of the wrong length is a failure, not short weights', () => {
    const data = new RangeBackedBytes(100, () => new Uint8Array(3));
    expect(() => data.subarray(0, 10)).toThrow('read 3 bytes where 10 were asked for');
    expect(data.reads.failure).toBe('read 3 bytes where 10 were asked for');
  });

  it('without a synchronous reader (Node, a page) a Blob goes to onnxruntime as it is', () => {
    const blob = new Blob([new Uint8Array(8)]);
    expect(externalDataEntry('w.bin', blob).data).toBe(blob);
    const bytes = new Uint8Array(4);
    expect(externalDataEntry('w.bin', bytes).data).toBe(bytes);
  });

  it('a stored file is read through its own reader (the sync access handle), closed once the session exists', async () => {
    const path = `${MODEL_DIR}encoder.onnx.data`;
    const blob = new Blob([readFileSync(path)]);
    const read = fileReader(path);
    let reads = 0;
    let closed = 0;
    rememberStoredReader(blob, () =>
      Promise.resolve({
        read: (a: number, b: number) => {
          reads += 1;
          return read(a, b);
        },
        close: () => (closed += 1),
      }),
    );
    const opened = await openExternalData([{ path: 'encoder.onnx.data', data: blob }]);
    expect(opened.entries[0].data).toBeInstanceOf(RangeBackedBytes);
    const session = await ort.InferenceSession.create(readFileSync(`${MODEL_DIR}encoder.onnx`), {
      executionProviders: ['wasm'],
      externalData: opened.entries,
    });
    opened.close();
    await session.release();
    expect(reads).toBe((opened.entries[0].data as RangeBackedBytes).reads.calls);
    expect(reads).toBeGreaterThan(12 * 4);
    expect(closed).toBe(1);
    // a reader that cannot open (another tab holds the lock): the Blob as it is, nothing to close
    const other = new Blob([new Uint8Array(4)]);
    rememberStoredReader(other, () => Promise.reject(new Error('locked')));
    const fallback = await openExternalData([{ path: 'w.bin', data: other }]);
    expect(fallback.entries[0].data).toBe(other);
  });
});

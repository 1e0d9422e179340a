/**
 * The wire (src/worker/wire.ts). Its transfer lists, through a real MessageChannel: every buffer of
 * an answer is moved, not copied (the sender's views are detached afterwards and the receiver gets
 * the same bytes), the row's hidden mask and raw output included, a buffer two views share is
 * listed once, and what is not a plain buffer (a Blob, a SharedArrayBuffer) stays. With a stand-in
 * worker: a sweep's updates and its cancellation, and a crash.
 */
import { expect, test } from 'vitest';
import { isAbortError, isCrash, MaeClient } from '../../src/worker/mae-client.ts';
import type { ReconstructResult, ResultMessage, SweepProgressMessage, WorkerRequest, WorkerResponse } from '../../src/worker/messages.ts';
import { transferablesOf } from '../../src/worker/wire.ts';

function image(fill: number) {
  return { width: 2, height: 1, data: new Uint8ClampedArray(8).fill(fill) };
}

function rowResult(imageId: string, pred: Float32Array): ReconstructResult {
  return {
    imageId,
    maskRatio: 0.5,
    seed: 1,
    provider: 'wasm',
    numPatches: 4,
    visible: 2,
    panels: { masked: image(1), reconstruction: image(2), reconstructionWithVisible: image(3), original: image(4) },
    usesTrueHiddenPatchStats: false,
    pred,
    mse: 0.5,
    psnr: 20,
    visibleMeanMse: 1,
    encoderMs: 1,
    decoderMs: 1,
    totalMs: 2,
    maskStrategy: 'random',
    hiddenMask: Uint8Array.of(1, 0, 1, 0),
  };
}

/** Posts `msg` over a real channel with its transfer list; resolves with what the other end got. */
async function send<T>(msg: T): Promise<T> {
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<T>((resolve) => {
    port2.onmessage = (ev: MessageEvent<T>) => resolve(ev.data);
  });
  port1.postMessage(msg, transferablesOf(msg));
  const data = await got;
  port1.close();
  port2.close();
  return data;
}

test('a row result moves every buffer: panels, raw output and the hidden mask', async () => {
  const result = rowResult('a', Float32Array.of(0.25, -1));
  const p = result.panels;
  const views = [p.masked.data, p.reconstruction.data, p.reconstructionWithVisible.data, p.original.data, result.pred!, result.hiddenMask!];
  const msg: ResultMessage = { type: 'result', id: 1, request: 'reconstruct', result };
  const got = await send(msg);
  for (const v of views) expect(v.byteLength).toBe(0); // detached: transferred, not copied
  if (got.request !== 'reconstruct') throw new Error('wrong answer');
  expect(Array.from(got.result.hiddenMask!)).toEqual([1, 0, 1, 0]);
  expect(Array.from(got.result.pred!)).toEqual([0.25, -1]);
  expect(Array.from(got.result.panels.original.data)).toEqual(new Array(8).fill(4));
});

test('a batch whose raw outputs share one buffer lists it once, and every row gets its own slice', async () => {
  const shared = Float32Array.of(1, 2, 3, 4);
  const msg: ResultMessage = {
    type: 'result',
    id: 2,
    request: 'reconstructBatch',
    result: { results: [rowResult('a', shared.subarray(0, 2)), rowResult('b', shared.subarray(2, 4))], failed: [] },
  };
  expect(transferablesOf(msg).filter((b) => b === shared.buffer)).toHaveLength(1);
  const got = await send(msg);
  expect(shared.byteLength).toBe(0);
  if (got.request !== 'reconstructBatch') throw new Error('wrong answer');
  expect(got.result.results.map((r) => Array.from(r.pred!))).toEqual([
    [1, 2],
    [3, 4],
  ]);
});

test('sweep points move their panels; Blobs and SharedArrayBuffers are not listed', () => {
  const point: SweepProgressMessage = {
    type: 'sweepProgress',
    id: 3,
    done: 1,
    total: 2,
    point: {
      maskRatio: 0.5,
      visible: 2,
      numPatches: 4,
      seeds: [1],
      mse: [0.5],
      psnr: [20],
      baselineMse: [1],
      masked: image(5),
      reconstructionWithVisible: image(6),
    },
  };
  expect(transferablesOf(point)).toEqual([point.point.masked.data.buffer, point.point.reconstructionWithVisible.data.buffer]);
  const sab = new Uint8Array(new SharedArrayBuffer(4));
  expect(transferablesOf({ blob: new Blob(['x']), sab, list: [sab] })).toEqual([]);
});

/** A stand-in Worker for the client over the wire: records requests; the test answers or crashes it. */
class FakeWorker {
  onmessage: ((ev: MessageEvent<unknown>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  readonly received: WorkerRequest[] = [];
  terminated = false;
  postMessage(msg: WorkerRequest): void {
    this.received.push(msg);
  }
  terminate(): void {
    this.terminated = true;
  }
  reply(msg: WorkerResponse): void {
    this.onmessage?.({ data: msg } as MessageEvent<unknown>);
  }
  crash(message: string): void {
    this.onerror?.({ message, preventDefault: () => undefined } as ErrorEvent);
  }
}

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: unknown) => (isAbortError(e) ? 'aborted' : isCrash(e) ? 'crashed' : `error: ${String(e)}`),
  );

test('a sweep: its points reach the caller; aborting rejects at once, tells the worker which sweep to stop, and drops the late answer', async () => {
  const fake = new FakeWorker();
  const client = new MaeClient(() => fake as unknown as Worker);
  const points: number[] = [];
  const ac = new AbortController();
  const result = outcome(client.sweep({ imageId: 'a', ratios: [0.25, 0.5], seeds: [1] }, (p) => points.push(p.maskRatio), ac.signal));
  const sweep = fake.received[0];
  if (sweep.type !== 'sweep') throw new Error('no sweep sent');
  const point = {
    maskRatio: 0.25,
    visible: 3,
    numPatches: 4,
    seeds: [1],
    mse: [1],
    psnr: [1],
    baselineMse: [1],
    masked: image(0),
    reconstructionWithVisible: image(0),
  };
  fake.reply({ type: 'sweepProgress', id: sweep.id, done: 1, total: 2, point });
  expect(points).toEqual([0.25]);
  ac.abort();
  expect(await result).toBe('aborted');
  expect(fake.received[1]).toMatchObject({ type: 'cancelSweep', sweepId: sweep.id });
  fake.reply({ type: 'sweepProgress', id: sweep.id, done: 2, total: 2, point: { ...point, maskRatio: 0.5 } });
  expect(points).toEqual([0.25]); // nothing after the abort
});

test('a crash rejects every pending and queued request as crashed, tells the owner once, and the client takes no more work', async () => {
  const fake = new FakeWorker();
  const crashes: string[] = [];
  const client = new MaeClient(() => fake as unknown as Worker, { onCrash: (m) => crashes.push(m) });
  const decode = outcome(client.decode('a', 'a.jpg', new Blob([])));
  const running = outcome(client.reconstruct({ imageId: 'a', maskRatio: 0.5, seed: 1 }));
  const queued = outcome(client.reconstruct({ imageId: 'b', maskRatio: 0.5, seed: 2 }));
  fake.crash('boom');
  fake.crash('again');
  expect(await Promise.all([decode, running, queued])).toEqual(['crashed', 'crashed', 'crashed']);
  expect(crashes).toEqual(['boom']);
  expect(fake.terminated).toBe(true);
  expect(await outcome(client.decode('c', 'c.jpg', new Blob([])))).toBe('aborted');
});

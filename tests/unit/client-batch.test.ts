/**
 * Browser-free checks of the bridge's batching (plain Node, fake worker): queued images at one
 * ratio go to the worker as one reconstructBatch request; per-image answers, failures and cancels.
 */
import { expect, test } from 'vitest';
import { isAbortError, MaeClient } from '../../src/worker/mae-client.ts';
import type { ReconstructResult, WorkerRequest, WorkerResponse } from '../../src/worker/messages.ts';

function fakeResult(imageId: string, maskRatio: number, seed: number): ReconstructResult {
  const img = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
  return {
    imageId,
    maskRatio,
    seed,
    provider: 'wasm',
    numPatches: 196,
    visible: 49,
    panels: { masked: img, reconstruction: img, reconstructionWithVisible: img, original: img },
    usesTrueHiddenPatchStats: false,
    pred: new Float32Array(1),
    mse: 0.5,
    psnr: 20,
    visibleMeanMse: 1,
    encoderMs: 1,
    decoderMs: 1,
    totalMs: 2,
  };
}

class FakeWorker {
  onmessage: ((ev: MessageEvent<WorkerResponse>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  readonly received: WorkerRequest[] = [];
  postMessage(msg: WorkerRequest): void {
    this.received.push(msg);
  }
  terminate(): void {}
  reply(msg: WorkerResponse): void {
    this.onmessage?.({ data: msg } as MessageEvent<WorkerResponse>);
  }
  /** Answers a request; for a batch, images listed in `unknown` fail as the worker would. */
  answer(req: WorkerRequest, unknown: string[] = []): void {
    if (req.type === 'reconstruct') {
      this.reply({ type: 'result', id: req.id, request: 'reconstruct', result: fakeResult(req.imageId, req.maskRatio, req.seed) });
    } else if (req.type === 'reconstructBatch') {
      const results = req.items
        .filter((it) => !unknown.includes(it.imageId))
        .map((it) => ({ ...fakeResult(it.imageId, req.maskRatio, it.seed), batchSize: req.items.length }));
      const failed = unknown.map((imageId) => ({ imageId, message: `Unknown image ${imageId}`, code: 'unknown-image' as const }));
      this.reply({ type: 'result', id: req.id, request: 'reconstructBatch', result: { results, failed } });
    } else {
      throw new Error(`cannot answer ${req.type}`);
    }
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function describeReq(r: WorkerRequest): string {
  if (r.type === 'reconstruct') return `${r.imageId}@${r.maskRatio}`;
  if (r.type === 'reconstructBatch') return `[${r.items.map((i) => i.imageId).join(',')}]@${r.maskRatio}`;
  return r.type;
}

test('queued images at the same ratio go as one batch, at most maxBatch, other ratios wait', async () => {
  const fake = new FakeWorker();
  const client = new MaeClient(() => fake as unknown as Worker, { maxBatch: 3 });
  const settled: string[] = [];
  const track = (p: Promise<ReconstructResult>) =>
    p.then(
      (r) => settled.push(`${r.imageId}:${r.maskRatio}:${r.batchSize ?? 1}`),
      (e: unknown) => settled.push(isAbortError(e) ? 'aborted' : `error:${(e as Error).message}`),
    );
  // Asked for in one synchronous loop (as a slider move asks for every row): one batch, not 'a' alone.
  const first = ['a', 'b', 'c', 'd', 'e'].map((id, i) => track(client.reconstruct({ imageId: id, maskRatio: 0.5, seed: 1 + i })));
  const other = track(client.reconstruct({ imageId: 'f', maskRatio: 0.6, seed: 9 }));
  await flush();
  expect(fake.received.map(describeReq)).toEqual(['[a,b,c]@0.5']);
  const batch = fake.received[0];
  expect(batch.type === 'reconstructBatch' && batch.items.map((i) => i.seed)).toEqual([1, 2, 3]);
  fake.answer(batch);
  await Promise.all(first.slice(0, 3));
  await flush();
  expect(fake.received.map(describeReq)).toEqual(['[a,b,c]@0.5', '[d,e]@0.5']);
  fake.answer(fake.received[1]);
  await flush();
  // 'f' (0.6) can't share a call with 0.5 rows.
  expect(fake.received.map(describeReq)).toEqual(['[a,b,c]@0.5', '[d,e]@0.5', 'f@0.6']);
  fake.answer(fake.received[2]);
  await Promise.all([...first, other]);
  expect(settled).toEqual(['a:0.5:3', 'b:0.5:3', 'c:0.5:3', 'd:0.5:2', 'e:0.5:2', 'f:0.6:1']);
  expect(client.stats).toEqual({ requested: 6, dispatched: 6, superseded: 0 });
  expect(client.busy).toBe(false);
});

test('in a running batch: a cancelled image drops only its own answer; an unknown image fails alone', async () => {
  const fake = new FakeWorker();
  const client = new MaeClient(() => fake as unknown as Worker, { maxBatch: 8 });
  const blocker = client.reconstruct({ imageId: 'x', maskRatio: 0.75, seed: 0 });
  await flush(); // 'x' goes alone
  const ctl = new AbortController();
  const pa = client.reconstruct({ imageId: 'a', maskRatio: 0.75, seed: 1 }, ctl.signal);
  const pb = client.reconstruct({ imageId: 'b', maskRatio: 0.75, seed: 2 });
  const pc = client.reconstruct({ imageId: 'c', maskRatio: 0.75, seed: 3 });
  fake.answer(fake.received[0]);
  await blocker;
  await flush();
  expect(describeReq(fake.received[1])).toBe('[a,b,c]@0.75');
  ctl.abort(); // while the batch runs
  await expect(pa).rejects.toMatchObject({ name: 'AbortError' });
  fake.answer(fake.received[1], ['c']);
  await expect(pb).resolves.toMatchObject({ imageId: 'b', batchSize: 3 });
  await expect(pc).rejects.toMatchObject({ code: 'unknown-image' });
  expect(client.busy).toBe(false);
});

test('leadAlone: the first waiting image goes alone, the rest as one batch; each wave starts alone again', async () => {
  const fake = new FakeWorker();
  const client = new MaeClient(() => fake as unknown as Worker, { maxBatch: 3, leadAlone: true });
  const wave = (ratio: number) => ['a', 'b', 'c', 'd', 'e'].map((id, i) => client.reconstruct({ imageId: id, maskRatio: ratio, seed: i }));
  const first = wave(0.5);
  await flush();
  expect(fake.received.map(describeReq)).toEqual(['a@0.5']);
  fake.answer(fake.received[0]);
  await flush();
  expect(fake.received.map(describeReq)).toEqual(['a@0.5', '[b,c,d]@0.5']);
  fake.answer(fake.received[1]);
  await flush();
  // 'e' is all that is left: alone because nothing else waits.
  expect(fake.received.map(describeReq)).toEqual(['a@0.5', '[b,c,d]@0.5', 'e@0.5']);
  fake.answer(fake.received[2]);
  await Promise.all(first);
  // The next wave (a new slider value) again starts with its lead alone.
  const second = wave(0.6);
  await flush();
  expect(fake.received.slice(3).map(describeReq)).toEqual(['a@0.6']);
  fake.answer(fake.received[3]);
  await flush();
  expect(fake.received.slice(3).map(describeReq)).toEqual(['a@0.6', '[b,c,d]@0.6']);
  fake.answer(fake.received[4]);
  await flush();
  fake.answer(fake.received[5]);
  await Promise.all(second);
  expect(client.stats).toEqual({ requested: 10, dispatched: 10, superseded: 0 });
  expect(client.busy).toBe(false);
});

test('maxBatch 1 never batches', async () => {
  const fake = new FakeWorker();
  const client = new MaeClient(() => fake as unknown as Worker, { maxBatch: 1 });
  const ps = ['a', 'b', 'c'].map((id) => client.reconstruct({ imageId: id, maskRatio: 0.75, seed: 0 }));
  for (let i = 0; i < 3; i++) {
    await flush();
    expect(fake.received[i]?.type).toBe('reconstruct');
    fake.answer(fake.received[i]);
  }
  await Promise.all(ps);
  expect(fake.received.map(describeReq)).toEqual(['a@0.75', 'b@0.75', 'c@0.75']);
});

/**
 * Node checks (no browser) of the main-thread bridge and the provider choice (plain Node, no page):
 * latest-wins scheduling with a fake worker, AbortSignal cancel, and the software-adapter rule.
 */
import { expect, test } from 'vitest';
import { isAbortError, MaeClient } from '../../src/worker/mae-client.ts';
import type { ReconstructResult, WorkerRequest, WorkerResponse } from '../../src/worker/messages.ts';
import { chooseProvider, isSoftwareAdapter, providerFromSearch } from '../../src/worker/provider.ts';

/** A stand-in Worker: records requests; the test answers them when it wants. */
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
  answer(req: WorkerRequest): void {
    if (req.type !== 'reconstruct') throw new Error('not a reconstruct');
    const img = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
    const result: ReconstructResult = {
      imageId: req.imageId,
      maskRatio: req.maskRatio,
      seed: req.seed,
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
    this.reply({ type: 'result', id: req.id, request: 'reconstruct', result });
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

function setup(): { fake: FakeWorker; client: MaeClient } {
  const fake = new FakeWorker();
  const client = new MaeClient(() => fake as unknown as Worker);
  return { fake, client };
}

test('latest wins: one in flight, queued requests for the same image are replaced', async () => {
  const { fake, client } = setup();
  const settled: string[] = [];
  const track = (label: string, p: Promise<ReconstructResult>) =>
    p.then(
      (r) => settled.push(`${label}:ok:${r.maskRatio}`),
      (e: unknown) => settled.push(`${label}:${isAbortError(e) ? 'aborted' : 'error'}`),
    );

  const a1 = track('a1', client.reconstruct({ imageId: 'a', maskRatio: 0.1, seed: 1 }));
  const b1 = track('b1', client.reconstruct({ imageId: 'b', maskRatio: 0.1, seed: 2 }));
  const a2 = track('a2', client.reconstruct({ imageId: 'a', maskRatio: 0.2, seed: 1 }));
  const a3 = track('a3', client.reconstruct({ imageId: 'a', maskRatio: 0.3, seed: 1 }));
  await flush();
  // Only a1 went to the worker; a2 was replaced by a3 while queued.
  expect(fake.received.map((r) => r.type === 'reconstruct' && `${r.imageId}@${r.maskRatio}`)).toEqual(['a@0.1']);
  await a2;
  expect(settled).toEqual(['a2:aborted']);
  expect(client.queuedCount).toBe(2);

  fake.answer(fake.received[0]);
  await a1;
  await flush();
  // Queue order is the images' first-request order: b before a.
  expect(fake.received.map((r) => r.type === 'reconstruct' && `${r.imageId}@${r.maskRatio}`)).toEqual(['a@0.1', 'b@0.1']);
  fake.answer(fake.received[1]);
  await b1;
  await flush();
  fake.answer(fake.received[2]);
  await a3;
  expect(settled).toEqual(['a2:aborted', 'a1:ok:0.1', 'b1:ok:0.1', 'a3:ok:0.3']);
  expect(client.stats).toEqual({ requested: 4, dispatched: 3, superseded: 1 });
  expect(client.busy).toBe(false);
});

test('AbortSignal cancels a queued request, and drops the answer of an in-flight one', async () => {
  const { fake, client } = setup();
  const inflight = new AbortController();
  const queued = new AbortController();
  const p1 = client.reconstruct({ imageId: 'a', maskRatio: 0.5, seed: 0 }, inflight.signal);
  const p2 = client.reconstruct({ imageId: 'b', maskRatio: 0.5, seed: 0 }, queued.signal);
  await flush();
  queued.abort();
  await expect(p2).rejects.toMatchObject({ name: 'AbortError' });
  inflight.abort();
  await expect(p1).rejects.toMatchObject({ name: 'AbortError' });
  // The worker still answers; the answer is dropped and the line moves on.
  fake.answer(fake.received[0]);
  await flush();
  const p3 = client.reconstruct({ imageId: 'c', maskRatio: 0.5, seed: 0 });
  await flush();
  expect(fake.received).toHaveLength(2);
  fake.answer(fake.received[1]);
  await expect(p3).resolves.toMatchObject({ imageId: 'c' });
});

test('worker errors reject with the message and code', async () => {
  const { fake, client } = setup();
  const p = client.decode('x', 'x.jpg', new Blob(['nope']));
  const req = fake.received[0];
  fake.reply({ type: 'error', id: req.id, request: 'decode', message: 'Could not decode “x.jpg”', code: 'decode' });
  await expect(p).rejects.toMatchObject({ message: 'Could not decode “x.jpg”', code: 'decode' });
});

test('provider choice: software adapters run WASM unless WebGPU is forced', () => {
  const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: '', isFallback: true };
  const gpu = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100', isFallback: false };
  expect(isSoftwareAdapter(swiftshader)).toBe(true);
  expect(isSoftwareAdapter({ ...swiftshader, isFallback: false })).toBe(true);
  expect(isSoftwareAdapter(gpu)).toBe(false);
  expect(chooseProvider('auto', swiftshader)).toEqual({
    provider: 'wasm',
    reason: 'WebGPU adapter is software (SwiftShader): using WASM, which is faster here',
  });
  expect(chooseProvider('webgpu', swiftshader).provider).toBe('webgpu');
  expect(chooseProvider('auto', gpu).provider).toBe('webgpu');
  expect(chooseProvider('wasm', gpu).provider).toBe('wasm');
  expect(chooseProvider('auto', null, 'no navigator.gpu')).toEqual({
    provider: 'wasm',
    reason: 'WebGPU unavailable (no navigator.gpu): using WASM',
  });
  expect(chooseProvider('webgpu', null).provider).toBe('wasm');
  expect(providerFromSearch('?ep=webgpu')).toBe('webgpu');
  expect(providerFromSearch('?ep=wasm&x=1')).toBe('wasm');
  expect(providerFromSearch('?ep=cuda')).toBeNull();
});

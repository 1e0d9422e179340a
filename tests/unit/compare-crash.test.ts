/**
 * The compare view's workers live under the crash policy every worker of the page lives under
 * (src/worker/crash-policy.ts): they come from the model session (so they get its setups, as the
 * test build's adapter faults), a crashed one is restarted by the next run, and after more than
 * MAX_RESTARTS crashes within the window the view stops restarting it and says so, until it closes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CompareController, useCompareStore } from '../../src/features/compare/compare-controller.ts';
import type { ZooEntry } from '../../src/features/compare/zoo-index.ts';
import { ModelSession } from '../../src/features/models/model-session.ts';
import { MAX_RESTARTS } from '../../src/worker/crash-policy.ts';
import type { WorkerRequest } from '../../src/worker/messages.ts';

/** A stand-in Worker: records requests; the test crashes it. */
class FakeWorker {
  onmessage: ((ev: MessageEvent<unknown>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  onmessageerror: (() => void) | null = null;
  readonly received: WorkerRequest[] = [];
  postMessage(msg: WorkerRequest): void {
    this.received.push(msg);
  }
  terminate(): void {}
  crash(message: string): void {
    this.onerror?.({ message, preventDefault: () => undefined } as ErrorEvent);
  }
}

const ZOO_MODEL: ZooEntry = {
  kind: 'zoo',
  id: 'tiny-p16',
  name: 'tiny',
  patchSize: 16,
  trainMaskRatio: 0.75,
  numPatches: 49,
  steps: 1,
  trainMinutes: 1,
  mse075: 0.5,
  gaussian075: 0.6,
  mseAtTrainRatio: 0.5,
  probeAccuracy: 0.7,
  probeStderr: 0.01,
};

function setup() {
  const workers: FakeWorker[] = [];
  const session = new ModelSession({
    modelUrl: '/models/default/',
    provider: 'wasm',
    workerFactory: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
  });
  const setUp: number[] = [];
  session.onNewClient((c) => setUp.push(c.workerId));
  const compare = new CompareController(
    (options) => session.newClient(options),
    () => Promise.resolve(new Blob([])),
    () => 'wasm',
  );
  useCompareStore.setState({ zoo: { models: [ZOO_MODEL], controls: {} } });
  const card = () => useCompareStore.getState().models.find((m) => m.entry.id === ZOO_MODEL.id);
  return { workers, setUp, compare, card };
}

afterEach(() => {
  useCompareStore.setState({ status: 'closed', zoo: null, models: [], rowId: null });
});

describe('compare view workers and the crash policy', () => {
  it('restarts a crashed model worker on the next run; past MAX_RESTARTS in the window it stops, until the view closes', async () => {
    const { workers, setUp, compare, card } = setup();
    void compare.open('r1', 0);
    for (let crash = 1; crash <= MAX_RESTARTS + 1; crash++) {
      await vi.waitFor(() => expect(workers).toHaveLength(crash));
      expect(workers[crash - 1].received[0]).toMatchObject({
        type: 'load',
        modelUrl: expect.stringContaining('models/tiny-p16/') as string,
      });
      workers[crash - 1].crash(`boom ${crash}`);
      await vi.waitFor(() => expect(card()?.status).toBe('error'));
      if (crash <= MAX_RESTARTS) {
        expect(card()?.error).toContain('the next run restarts it');
        compare.setMask(0.5, crash); // the next run
      }
    }
    expect(card()?.error).toBe(
      `The worker for this model crashed ${MAX_RESTARTS + 1} times in a minute (last: boom ${MAX_RESTARTS + 1}); stopped restarting it.`,
    );
    compare.setMask(0.6, 9);
    await vi.waitFor(() => expect(useCompareStore.getState().status).toBe('error'));
    expect(workers).toHaveLength(MAX_RESTARTS + 1); // no fifth worker
    // Every one of them came from the session, with its setups.
    expect(setUp).toHaveLength(MAX_RESTARTS + 1);

    compare.close();
    void compare.open('r1');
    await vi.waitFor(() => expect(workers).toHaveLength(MAX_RESTARTS + 2));
    compare.close();
  });
});

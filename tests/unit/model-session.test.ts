/**
 * The model session's crash policy, on the real ModelSession, MaeClient and store with stand-in
 * workers (the worker itself is not what these tests are about; e2e/faults.spec.ts crashes a real
 * one). docs/RELIABILITY.md promises: a crashed worker is restarted with the same model, and more
 * than 3 crashes within a minute stop the restarts with an error and a Retry button.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelSession } from '../../src/features/models/model-session.ts';
import { useStore } from '../../src/state/store.ts';
import type { LoadResult, WorkerRequest, WorkerResponse } from '../../src/worker/messages.ts';

/** A stand-in Worker: records requests; the test answers loads and makes it crash. */
class FakeWorker {
  onmessage: ((ev: MessageEvent<WorkerResponse>) => void) | null = null;
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
  /** Answers the load request it got. */
  loaded(): void {
    const req = this.received.find((r) => r.type === 'load');
    if (!req) throw new Error('no load request');
    const result = {
      provider: 'wasm',
      reason: 'WASM forced by setting (?ep=wasm)',
      manifest: { name: 'tiny' },
      adapter: null,
      wasmThreads: 1,
      filesMs: 1,
      probeMs: 1,
      compileMs: 1,
      warmupMs: 1,
    } as unknown as LoadResult;
    this.onmessage?.({ data: { type: 'result', id: req.id, request: 'load', result } } as MessageEvent<WorkerResponse>);
  }
  /** An uncaught error in the worker, as the browser reports it. */
  crash(message: string): void {
    this.onerror?.({ message, preventDefault: () => undefined } as ErrorEvent);
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

let now = 1_000_000;
function session(): { workers: FakeWorker[]; session: ModelSession } {
  const workers: FakeWorker[] = [];
  const s = new ModelSession({
    modelUrl: '/models/default/',
    provider: 'wasm',
    workerFactory: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
  });
  return { workers, session: s };
}

afterEach(() => {
  vi.restoreAllMocks();
  useStore.setState({ notice: null });
  useStore.getState().setModel({ phase: 'idle', error: null, manifest: null, activeUrl: null, loadingUrl: null });
});

describe('crash policy', () => {
  it('restarts a crashed worker three times within a minute; the fourth crash stops the restarts with an error', async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const { workers, session: s } = session();
    s.start();
    expect(workers).toHaveLength(1);
    workers[0].loaded();
    await flush();
    expect(useStore.getState().model.phase).toBe('ready');
    expect(s.current).not.toBeNull();

    for (let crash = 1; crash <= 3; crash++) {
      now += 10_000; // all within one minute
      workers[crash - 1].crash(`boom ${crash}`);
      expect(workers[crash - 1].terminated).toBe(true);
      expect(workers).toHaveLength(crash + 1); // a new worker, loading the same model
      const load = workers[crash].received.find((r) => r.type === 'load');
      expect(load).toMatchObject({ modelUrl: '/models/default/', provider: 'wasm' });
      expect(useStore.getState().notice).toContain(`The worker stopped unexpectedly (boom ${crash})`);
      workers[crash].loaded();
      await flush();
      expect(useStore.getState().model.phase).toBe('ready');
    }

    now += 10_000;
    workers[3].crash('boom 4');
    expect(workers).toHaveLength(4); // no fifth worker
    const model = useStore.getState().model;
    expect(model.phase).toBe('error');
    expect(model.error).toBe('The worker crashed 4 times in a minute (last: boom 4); stopped restarting it.');
    expect(s.current).toBeNull();
    expect(await s.ready()).toBeNull();

    // Retry loads the same model again in a fresh worker
    s.retryModel();
    expect(workers).toHaveLength(5);
    expect(workers[4].received.find((r) => r.type === 'load')).toMatchObject({ modelUrl: '/models/default/' });
    s.stop();
  });

  it('crashes more than a minute apart never use up the restarts', async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const { workers, session: s } = session();
    s.start();
    workers[0].loaded();
    await flush();
    for (let crash = 1; crash <= 6; crash++) {
      now += 61_000;
      workers[crash - 1].crash(`boom ${crash}`);
      expect(workers).toHaveLength(crash + 1);
      workers[crash].loaded();
      await flush();
      expect(useStore.getState().model.phase).toBe('ready');
    }
    s.stop();
  });

  /** Three crashes of the active worker within one minute: each restarts it (a fourth would give up). */
  async function threeRestartsLeft(workers: FakeWorker[], active: number): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const count = workers.length;
      now += 1_000;
      workers[active].crash(`active ${i}`);
      expect(workers, `crash ${i + 1} of the active worker restarts it`).toHaveLength(count + 1);
      active = count;
      workers[active].loaded();
      await flush();
      expect(useStore.getState().model.phase).toBe('ready');
    }
  }

  it("a crash of the worker loading another model is no crash of the page's model: the switch fails, the model stays, no restart is used", async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const { workers, session: s } = session();
    s.start();
    workers[0].loaded();
    await flush();
    // three switches whose new worker crashes while loading (within the same minute)
    for (let i = 1; i <= 3; i++) {
      now += 1_000;
      s.switchModel('other');
      expect(workers).toHaveLength(i + 1);
      workers[i].crash(`loading ${i}`);
      await flush();
      expect(workers, 'no restart for a crash of a loading worker').toHaveLength(i + 1);
      expect(workers[0].terminated).toBe(false);
      const model = useStore.getState().model;
      expect(model.phase).toBe('ready');
      expect(model.switchError).toBe(`Could not load the model “other”: The worker crashed: loading ${i}. Still using “tiny”.`);
    }
    expect(s.current).not.toBeNull();
    // Had the three counted, the next crash of the active worker would be the fourth in the minute.
    await threeRestartsLeft(workers, 0);
    s.stop();
  });

  it('a worker replaced by a model switch is terminated: its late crashes neither restart nor count', async () => {
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const { workers, session: s } = session();
    s.start();
    workers[0].loaded();
    await flush();
    s.switchModel('other');
    workers[1].loaded();
    await flush();
    expect(workers[0].terminated).toBe(true);
    for (let i = 0; i < 5; i++) workers[0].crash('late');
    expect(workers).toHaveLength(2);
    expect(useStore.getState().model.phase).toBe('ready');
    await threeRestartsLeft(workers, 1);
    s.stop();
  });
});

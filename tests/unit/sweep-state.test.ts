/**
 * The sweep panel's state machine around rows and models that will never be decoded, on the real
 * Engine and store (no worker is started: a sweep that can run is not what these tests are about,
 * see e2e/sweep.spec.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/app/engine.ts';
import { SweepUnavailableError } from '../../src/features/sweep/sweep-source.ts';
import { useStore } from '../../src/state/store.ts';
import { useSweep } from '../../src/features/sweep/sweep-controller.ts';

const engines: Engine[] = [];
function engine(): Engine {
  // Never started: no worker is made (the factory would say so).
  const e = new Engine({ modelUrl: '/models/default/', provider: 'wasm', samples: [], sampleLimit: 0 }, () => {
    throw new Error('these tests start no worker');
  });
  engines.push(e);
  return e;
}

function freshStore(): void {
  useStore.setState({ rows: [], nextSeedIndex: 0 });
  useStore.getState().setModel({ phase: 'probing', error: null, manifest: null });
}

afterEach(() => {
  for (const e of engines.splice(0)) {
    e.sweep.close();
    e.stop();
  }
  freshStore();
});

describe('sweep of a row that will not be decoded', () => {
  it('the sweep source: a pending row waits (AbortError), an unreadable row or a failed model is a SweepUnavailableError', async () => {
    freshStore();
    const en = engine();
    useStore.getState().addRow({ id: 'r1', name: 'cat.jpg', origin: 'upload' });
    const signal = new AbortController().signal;
    const params = { ratios: [0.5], seeds: [0], strategy: 'random' as const };
    expect(en.sweep.source.blocker('r1')).toBeNull();
    await expect(en.sweep.source.run('r1', params, () => undefined, signal)).rejects.toMatchObject({ name: 'AbortError' });

    useStore.getState().updateRow('r1', { status: 'error', error: 'not an image' });
    expect(en.sweep.source.blocker('r1')).toContain('not an image');
    await expect(en.sweep.source.run('r1', params, () => undefined, signal)).rejects.toBeInstanceOf(SweepUnavailableError);

    useStore.getState().updateRow('r1', { status: 'decoding', error: null });
    useStore.getState().setModel({ phase: 'error', error: 'the graph is broken' });
    const e = await en.sweep.source.run('r1', params, () => undefined, signal).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SweepUnavailableError);
    expect((e as Error).message).toContain('the model failed (the graph is broken)');
  });

  it('the panel leaves “waiting” for an error once the row or the model fails, and closes with its row', async () => {
    freshStore();
    const en = engine();
    useStore.getState().addRow({ id: 'r1', name: 'dog.jpg', origin: 'sample' });
    en.sweep.open('r1');
    await Promise.resolve(); // the rejection of the not-yet-decoded row
    await Promise.resolve();
    expect(useSweep.getState().status).toBe('waiting');

    useStore.getState().setModel({ phase: 'error', error: 'out of memory' });
    expect(useSweep.getState().status).toBe('error');
    expect(useSweep.getState().error).toContain('out of memory');

    // opening it on a row that failed says so at once
    useStore.getState().setModel({ phase: 'probing', error: null });
    useStore.getState().addRow({ id: 'r2', name: 'broken.png', origin: 'upload' });
    useStore.getState().updateRow('r2', { status: 'error', error: 'not a PNG' });
    en.sweep.open('r2');
    await expect.poll(() => useSweep.getState().status).toBe('error');
    expect(useSweep.getState().error).toContain('“broken.png” was not processed (not a PNG)');

    useStore.getState().removeRow('r2');
    expect(useSweep.getState().rowId).toBeNull();
  });

  it('engine.stop() releases the sweep’s store subscription', async () => {
    freshStore();
    const en = engine();
    useStore.getState().addRow({ id: 'r1', name: 'a.jpg', origin: 'sample' });
    en.sweep.open('r1');
    await expect.poll(() => useSweep.getState().status).toBe('waiting');
    en.stop();
    useStore.getState().setModel({ phase: 'error', error: 'gone' });
    // nobody listens any more: the panel is not touched
    expect(useSweep.getState().status).toBe('waiting');
  });
});

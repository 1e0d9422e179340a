/**
 * The worker's dispatcher (src/worker/dispatch.ts) with handlers written here: queued requests run
 * one at a time in arrival order, `now` handlers answer while queued work runs, errors carry their
 * code, and a request nobody registered is answered with an error, never dropped.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher, type HandlerTable } from '../../src/worker/dispatch.ts';
import type { WorkerRequest, WorkerResponse } from '../../src/worker/messages.ts';
import { WorkerError, type WorkerRuntime } from '../../src/worker/runtime.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup() {
  const log: string[] = [];
  const posted: WorkerResponse[] = [];
  const slow = (name: string, ms: number) => async (req: { id: number }) => {
    log.push(`start ${name} ${req.id}`);
    await tick(ms);
    log.push(`end ${name} ${req.id}`);
    return { imageId: `${name}-${req.id}` };
  };
  const unused = {
    run: () => {
      throw new Error('not in this test');
    },
  };
  const table = {
    load: unused,
    reconstruct: unused,
    reconstructBatch: unused,
    compare: unused,
    sweep: unused,
    decode: { run: slow('decode', 20) },
    forget: { when: 'now', run: (req: { imageId: string }) => ({ imageId: req.imageId }) },
    cancelSweep: {
      when: 'now',
      run: () => {
        throw new WorkerError('no such sweep', 'not-ready');
      },
    },
  } as unknown as HandlerTable;
  // The handlers above never touch the runtime.
  const d = createDispatcher(table, {} as WorkerRuntime, (m) => posted.push(m));
  return { d, log, posted };
}

const decode = (id: number): WorkerRequest => ({ type: 'decode', id, imageId: `i${id}`, name: 'x', blob: new Blob([]) });

describe('createDispatcher', () => {
  it('runs queued requests one at a time, in order; a `now` request answers while they run', async () => {
    const { d, log, posted } = setup();
    d.dispatch(decode(1));
    d.dispatch(decode(2));
    d.dispatch({ type: 'forget', id: 3, imageId: 'i1' });
    await tick(5);
    expect(posted.map((m) => m.id)).toEqual([3]); // forget did not wait for the decodes
    await tick(60);
    expect(log).toEqual(['start decode 1', 'end decode 1', 'start decode 2', 'end decode 2']);
    expect(posted.map((m) => m.id)).toEqual([3, 1, 2]);
    expect(posted[1]).toEqual({ type: 'result', id: 1, request: 'decode', result: { imageId: 'decode-1' } });
  });

  it('a failing handler is answered with its code; later requests still run', async () => {
    const { d, posted } = setup();
    d.dispatch({ type: 'cancelSweep', id: 7, sweepId: 1 });
    d.dispatch(decode(8));
    await tick(40);
    expect(posted[0]).toEqual({ type: 'error', id: 7, request: 'cancelSweep', message: 'no such sweep', code: 'not-ready' });
    expect(posted[1]).toMatchObject({ type: 'result', id: 8 });
  });

  it('a request type nobody registered gets an error; an extra handler answers with extraResult', async () => {
    const { d, posted } = setup();
    d.dispatch({ type: 'runRaw', id: 4 });
    await tick(5);
    expect(posted[0]).toEqual({
      type: 'error',
      id: 4,
      request: 'runRaw',
      message: 'This worker has no "runRaw" request.',
      code: 'internal',
    });
    d.extras.set('echo', { run: (req) => ({ result: { back: req.value } }) });
    d.dispatch({ type: 'echo', id: 5, value: 42 });
    await tick(5);
    expect(posted[1]).toEqual({ type: 'extraResult', id: 5, result: { back: 42 } });
  });
});

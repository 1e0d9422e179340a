/**
 * The worker's dispatcher (src/worker/dispatch.ts) with handlers written here: queued requests run
 * one at a time in arrival order, `now` handlers answer while queued work runs, errors carry their
 * code, a request nobody registered is answered with an error (never dropped), and a second
 * request table (as the test build adds its own) answers its requests. No timers: each step waits
 * on the handler that started, or on the answer that was posted.
 */
import { describe, expect, it } from 'vitest';
import { createDispatcher, type HandlerTable } from '../../src/worker/dispatch.ts';
import type { AppProtocol, WorkerRequest, WorkerResponse } from '../../src/worker/messages.ts';
import { WorkerError, type WorkerRuntime } from '../../src/worker/runtime.ts';
import type { Call, ResultMessageOf } from '../../src/worker/wire.ts';

/** A promise and its resolve, for a handler that waits until the test lets it go. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Keyed deferreds, made on first use by whichever side asks first. */
function gates<T = void>(): (id: number) => { promise: Promise<T>; resolve: (v: T) => void } {
  const all = new Map<number, ReturnType<typeof deferred<T>>>();
  return (id) => {
    let g = all.get(id);
    if (!g) all.set(id, (g = deferred<T>()));
    return g;
  };
}

type Posted = WorkerResponse | ResultMessageOf<EchoProtocol>;
type EchoProtocol = { echo: Call<{ type: 'echo'; id: number; value: number }, { back: number }> };

function setup() {
  const log: string[] = [];
  const posted: Posted[] = [];
  const started = gates();
  const release = gates();
  const answered = gates<Posted>();
  const post = (m: Posted): void => {
    posted.push(m);
    answered(m.id).resolve(m);
  };
  const unused = {
    run: () => {
      throw new Error('not in this test');
    },
  };
  const table: HandlerTable = {
    load: unused,
    reconstruct: unused,
    reconstructBatch: unused,
    compare: unused,
    sweep: unused,
    attention: unused,
    decode: {
      async run(req) {
        log.push(`start decode ${req.id}`);
        started(req.id).resolve();
        await release(req.id).promise;
        log.push(`end decode ${req.id}`);
        return { imageId: `decode-${req.id}` } as unknown as AppProtocol['decode']['result'];
      },
    },
    forget: { when: 'now', run: (req) => ({ imageId: req.imageId }) },
    cancelSweep: {
      when: 'now',
      run: () => {
        throw new WorkerError('no such sweep', 'not-ready');
      },
    },
  };
  // The handlers above never touch the runtime.
  const d = createDispatcher(table, {} as WorkerRuntime, post);
  const answer = (id: number): Promise<Posted> => answered(id).promise;
  return { d, log, posted, started, release, answer, post };
}

const req = (r: WorkerRequest): WorkerRequest => r;
const decode = (id: number): WorkerRequest => req({ type: 'decode', id, imageId: `i${id}`, name: 'x', blob: new Blob([]) });

describe('createDispatcher', () => {
  it('runs queued requests one at a time, in order; a `now` request answers while they run', async () => {
    const { d, log, posted, started, release, answer } = setup();
    d.dispatch(decode(1));
    d.dispatch(decode(2));
    d.dispatch(req({ type: 'forget', id: 3, imageId: 'i1' }));
    await started(1).promise;
    await answer(3);
    // forget did not wait for decode 1, which is still held; decode 2 waits behind it.
    expect(posted.map((m) => m.id)).toEqual([3]);
    expect(log).toEqual(['start decode 1']);
    release(1).resolve();
    await started(2).promise;
    expect(log).toEqual(['start decode 1', 'end decode 1', 'start decode 2']);
    release(2).resolve();
    await answer(2);
    expect(log).toEqual(['start decode 1', 'end decode 1', 'start decode 2', 'end decode 2']);
    expect(posted.map((m) => m.id)).toEqual([3, 1, 2]);
    expect(posted[1]).toEqual({ type: 'result', id: 1, request: 'decode', result: { imageId: 'decode-1' } });
  });

  it('a failing handler is answered with its code; later requests still run', async () => {
    const { d, posted, release, answer } = setup();
    d.dispatch(req({ type: 'cancelSweep', id: 7, sweepId: 1 }));
    d.dispatch(decode(8));
    release(8).resolve();
    await Promise.all([answer(7), answer(8)]);
    expect(posted[0]).toEqual({ type: 'error', id: 7, request: 'cancelSweep', message: 'no such sweep', code: 'not-ready' });
    expect(posted[1]).toMatchObject({ type: 'result', id: 8 });
  });

  it('a request type nobody registered gets an error, a prototype key too; a second table answers its own requests', async () => {
    const { d, posted, answer, post } = setup();
    d.dispatch({ type: 'runRaw', id: 4 });
    d.dispatch({ type: 'constructor', id: 5 });
    await Promise.all([answer(4), answer(5)]);
    expect(posted).toEqual([
      { type: 'error', id: 4, request: 'runRaw', message: 'This worker has no "runRaw" request.', code: 'internal' },
      { type: 'error', id: 5, request: 'constructor', message: 'This worker has no "constructor" request.', code: 'internal' },
    ]);
    const echo: HandlerTable<EchoProtocol> = { echo: { run: (req) => ({ back: req.value * 2 }) } };
    const both = createDispatcher<EchoProtocol>(echo, {} as WorkerRuntime, post);
    const echoRequest: EchoProtocol['echo']['request'] = { type: 'echo', id: 6, value: 21 };
    both.dispatch(echoRequest);
    expect(await answer(6)).toEqual({ type: 'result', id: 6, request: 'echo', result: { back: 42 } });
  });
});

/// <reference lib="webworker" />
/**
 * The worker's dispatcher, built from a typed table of handlers, one per request of a request
 * table (src/app/mae-worker.ts assembles the app's from the features' handlers; the test build's
 * worker adds its own table's, src/testing/worker-hooks.ts). A request no handler answers gets an
 * error, never silence. Queued handlers run one at a time on one promise chain:
 * ONNX sessions are not re-entrant, and the client (MaeClient) already drops stale requests before
 * they get here. Handlers marked `now` run as soon as their message arrives (a cancel must not wait
 * behind the work it cancels); a `now` handler that needs the model queues its own steps with
 * `ctx.enqueue` (the sweep does, ratio by ratio).
 */
import { errorText } from '../mae/error-text.ts';
import type { AppProtocol, WorkerResponse } from './messages.ts';
import { WorkerError, type WorkerRuntime } from './runtime.ts';
import type { Protocol, RequestOf, ResultMessageOf } from './wire.ts';

export interface WorkerContext {
  runtime: WorkerRuntime;
  post: (msg: WorkerResponse) => void;
  /** Runs `work` on the serial chain, after what is already queued. */
  enqueue: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface Handler<Req, Result> {
  /** 'queued' (default): on the serial chain; 'now': as soon as the message arrives. */
  when?: 'queued' | 'now';
  run(req: Req, ctx: WorkerContext): Promise<Result> | Result;
}

/** One handler per request of a table: the compiler checks that none is missing. */
export type HandlerTable<P extends Protocol = AppProtocol> = { [K in keyof P & string]: Handler<RequestOf<P, K>, P[K]['result']> };

/** One serial chain: each piece of work starts after the previous one settled (failed or not). */
export function serialChain(): <T>(work: () => Promise<T>) => Promise<T> {
  let chain: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>): Promise<T> => {
    const done = chain.then(work);
    chain = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  };
}

export function createDispatcher<P extends Protocol>(
  table: HandlerTable<P>,
  runtime: WorkerRuntime,
  post: (msg: WorkerResponse | ResultMessageOf<P>) => void,
): { ctx: WorkerContext; dispatch: (req: { type: string; id: number }) => void } {
  const ctx: WorkerContext = { runtime, post, enqueue: serialChain() };
  // Own properties only: a request's type is the worker's input, not a key to look up on a prototype.
  const handlerOf = (type: string): Handler<unknown, unknown> | undefined =>
    Object.hasOwn(table, type) ? (table as Record<string, Handler<unknown, unknown>>)[type] : undefined;

  async function answer(req: { type: string; id: number }): Promise<void> {
    try {
      const handler = handlerOf(req.type);
      if (!handler) throw new WorkerError(`This worker has no "${req.type}" request.`, 'internal');
      const result = await handler.run(req, ctx);
      post({ type: 'result', id: req.id, request: req.type, result });
    } catch (e) {
      post({ type: 'error', id: req.id, request: req.type, message: errorText(e), code: e instanceof WorkerError ? e.code : 'internal' });
    }
  }

  return {
    ctx,
    dispatch: (req) => {
      if (handlerOf(req.type)?.when === 'now') void answer(req);
      else void ctx.enqueue(() => answer(req));
    },
  };
}

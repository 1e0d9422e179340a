/// <reference lib="webworker" />
/**
 * The worker's dispatcher, built from a typed table of handlers that the features register
 * (src/worker/mae-worker.ts assembles it). Queued handlers run one at a time on one promise chain:
 * ONNX sessions are not re-entrant, and the client (MaeClient) already drops stale requests before
 * they get here. Handlers marked `now` run as soon as their message arrives (a cancel must not wait
 * behind the work it cancels); a `now` handler that needs the model queues its own steps with
 * `ctx.enqueue` (the sweep does, ratio by ratio).
 */
import { errorText } from '../mae/error-text.ts';
import type { ExtraRequest, RequestType, ResultMap, WorkerRequest, WorkerResponse } from './messages.ts';
import { WorkerError, type WorkerRuntime } from './runtime.ts';

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

/** One handler per request of the protocol: the compiler checks that none is missing. */
export type HandlerTable = { [K in RequestType]: Handler<Extract<WorkerRequest, { type: K }>, ResultMap[K]> };

/** Handlers for requests outside the protocol (only the test build registers any). */
export type ExtraHandlers = Map<string, Handler<ExtraRequest, { result: unknown; transfer?: Transferable[] }>>;

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

export function createDispatcher(
  table: HandlerTable,
  runtime: WorkerRuntime,
  post: (msg: WorkerResponse) => void,
): { ctx: WorkerContext; extras: ExtraHandlers; dispatch: (req: WorkerRequest | ExtraRequest) => void } {
  const ctx: WorkerContext = { runtime, post, enqueue: serialChain() };
  const extras: ExtraHandlers = new Map();

  const fail = (req: { id: number; type: string }, e: unknown): void =>
    post({ type: 'error', id: req.id, request: req.type, message: errorText(e), code: e instanceof WorkerError ? e.code : 'internal' });

  async function answer(req: WorkerRequest | ExtraRequest): Promise<void> {
    try {
      const core = (table as Record<string, Handler<unknown, unknown> | undefined>)[req.type];
      if (core) {
        const result = await core.run(req, ctx);
        post({ type: 'result', id: req.id, request: req.type, result } as WorkerResponse);
        return;
      }
      const extra = extras.get(req.type);
      if (!extra) throw new WorkerError(`This worker has no "${req.type}" request.`, 'internal');
      const { result, transfer } = await extra.run(req as ExtraRequest, ctx);
      post({ type: 'extraResult', id: req.id, result, ...(transfer ? { transfer } : {}) });
    } catch (e) {
      fail(req, e);
    }
  }

  return {
    ctx,
    extras,
    dispatch: (req) => {
      const handler = (table as Record<string, Handler<unknown, unknown> | undefined>)[req.type] ?? extras.get(req.type);
      if (handler?.when === 'now') void answer(req);
      else void ctx.enqueue(() => answer(req));
    },
  };
}

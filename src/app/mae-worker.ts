/// <reference lib="webworker" />
/**
 * The MAE worker: owns onnxruntime-web (WebGPU via JSEP, or multi-threaded WASM), decodes and
 * preprocesses images, runs encoder + decoder, builds the four panels and the metrics. The main
 * thread only draws pixels.
 *
 * This file only assembles the parts: the runtime (src/worker/runtime.ts: onnxruntime, sessions,
 * GPU-loss fallback), the dispatcher (src/worker/dispatch.ts), and the app's request table, one
 * handler per request, each from the feature it belongs to (src/features/<name>/*-handler.ts).
 */
import { compareHandler } from '../features/compare/compare-handler.ts';
import { decodeHandler, forgetHandler, rowHandlers, type RowHandlerOptions } from '../features/grid/rows-handler.ts';
import { loadHandler } from '../features/models/load-handler.ts';
import { sweepHandlers } from '../features/sweep/sweep-handler.ts';
import { attentionHandler } from '../features/attention/attention-handler.ts';
import { withAttentionSource } from '../features/attention/attention-source.ts';
import { createDispatcher, type HandlerTable } from '../worker/dispatch.ts';
import type { WorkerResponse } from '../worker/messages.ts';
import { WorkerRuntime } from '../worker/runtime.ts';
import { transferablesOf, type Protocol, type ResultMessageOf } from '../worker/wire.ts';

declare const self: DedicatedWorkerGlobalScope;

/** Every answer's buffers are transferred, not copied (transferablesOf finds them). */
function post(msg: WorkerResponse | ResultMessageOf<Protocol>): void {
  self.postMessage(msg, transferablesOf(msg));
}

/** The app's request table: one handler per request of src/worker/messages.ts. */
export function appHandlers(rows: RowHandlerOptions): HandlerTable {
  return {
    // the load also records where the model came from, for the attention view's graphs (issue 24)
    load: withAttentionSource(loadHandler),
    decode: decodeHandler,
    ...rowHandlers(rows),
    forget: forgetHandler,
    compare: compareHandler,
    ...sweepHandlers(),
    attention: attentionHandler,
  };
}

const runtime = new WorkerRuntime(post);

// The page's CSP report covers the page; the worker has its own policy (its script's header).
self.addEventListener('securitypolicyviolation', (ev: Event) => {
  const e = ev as SecurityPolicyViolationEvent;
  post({ type: 'event', id: 0, kind: 'csp-violation', directive: e.effectiveDirective, blockedURI: e.blockedURI });
});

/** Any message with a type and an id: the dispatcher answers a type its table lacks with an error. */
type Dispatch = (req: { type: string; id: number }) => void;
type Incoming = Parameters<Dispatch>[0];

/**
 * Only the test build (vite build --mode e2e) answers the test build's own request table
 * (src/testing/worker-hooks.ts): in any other build this branch and the module it imports are not
 * in the bundle (scripts/check-prod-build.mjs checks it), and the dispatcher knows the app's
 * requests only. Requests that arrive while the test table loads wait for it, in order.
 */
let dispatch: Dispatch | null = null;
let pending: Incoming[] = [];
if (import.meta.env.MODE === 'e2e') {
  void import('../testing/worker-hooks.ts').then((hooks) => {
    dispatch = hooks.testBuildDispatcher(appHandlers({ withPred: true }), runtime, post);
    for (const req of pending) dispatch(req);
    pending = [];
  });
} else {
  dispatch = createDispatcher(appHandlers({ withPred: false }), runtime, post).dispatch;
}

self.onmessage = (ev: MessageEvent<Incoming>) => {
  if (dispatch) dispatch(ev.data);
  else pending.push(ev.data);
};

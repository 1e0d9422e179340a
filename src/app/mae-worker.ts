/// <reference lib="webworker" />
/**
 * The MAE worker: owns onnxruntime-web (WebGPU via JSEP, or multi-threaded WASM), decodes and
 * preprocesses images, runs encoder + decoder, builds the four panels and the metrics. The main
 * thread only draws pixels.
 *
 * This file only assembles the parts: the runtime (runtime.ts: onnxruntime, sessions, GPU-loss
 * fallback), the dispatcher (dispatch.ts), and the handler of every request, each from the feature
 * it belongs to (src/features/<name>/*-handler.ts).
 */
import { compareHandler } from '../features/compare/compare-handler.ts';
import { decodeHandler, forgetHandler, reconstructBatchHandler, reconstructHandler } from '../features/grid/rows-handler.ts';
import { loadHandler } from '../features/models/load-handler.ts';
import { sweepHandlers } from '../features/sweep/sweep-handler.ts';
import { createDispatcher, type HandlerTable } from './dispatch.ts';
import { transferablesOf, type ExtraRequest, type WorkerRequest, type WorkerResponse } from './messages.ts';
import { WorkerRuntime } from './runtime.ts';

declare const self: DedicatedWorkerGlobalScope;

function post(msg: WorkerResponse): void {
  self.postMessage(msg, transferablesOf(msg));
}

const table: HandlerTable = {
  load: loadHandler,
  decode: decodeHandler,
  reconstruct: reconstructHandler,
  reconstructBatch: reconstructBatchHandler,
  forget: forgetHandler,
  compare: compareHandler,
  ...sweepHandlers(),
};

const runtime = new WorkerRuntime(post);
const { ctx, extras, dispatch } = createDispatcher(table, runtime, post);

// The page's CSP report covers the page; the worker has its own policy (its script's header).
self.addEventListener('securitypolicyviolation', (ev: Event) => {
  const e = ev as SecurityPolicyViolationEvent;
  post({ type: 'event', id: 0, kind: 'csp-violation', directive: e.effectiveDirective, blockedURI: e.blockedURI });
});

// Only the test build (vite build --mode e2e) has test hooks: in any other build this branch and
// the module it imports are not in the bundle (scripts/check-prod-build.mjs checks it). Requests
// that arrive while the hooks load wait for them, in order.
let hooksReady: Promise<void> | null = null;
if (import.meta.env.MODE === 'e2e') {
  hooksReady = import('../testing/worker-hooks.ts').then((hooks) => {
    hooks.installWorkerHooks(ctx, extras);
    hooksReady = null;
  });
}

self.onmessage = (ev: MessageEvent<WorkerRequest | ExtraRequest>) => {
  const req = ev.data;
  if (hooksReady) void hooksReady.then(() => dispatch(req));
  else dispatch(req);
};

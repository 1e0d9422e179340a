/**
 * The app's one onnxruntime-web configuration, for both places that start a runtime: the page's
 * worker (src/worker/runtime.ts) and the theory section, which runs its tiny models on the main
 * thread (src/features/theory/theory-models.ts). Settings must be made before the first session of
 * that runtime: onnxruntime reads them once, when its WASM backend starts.
 */
import type * as ort from 'onnxruntime-web';

export type OrtRuntime = typeof ort;

/**
 * How many WASM threads to ask onnxruntime for. Threads need SharedArrayBuffer, which only a
 * cross-origin isolated page (COOP/COEP headers) has: elsewhere 1. Isolated: what the page asked
 * for (`?threads=N`), else every core the browser reports.
 */
export function wasmThreadsFor(isolated: boolean, cores: number | undefined, asked: number | null): number {
  if (!isolated) return 1;
  if (asked !== null && asked >= 1) return Math.floor(asked);
  return Math.max(1, Math.floor(cores ?? 1) || 1);
}

/** This context's default: every core where threads can run, else 1 (the worker's and the page's globals alike). */
export function defaultWasmThreads(): number {
  return wasmThreadsFor(globalThis.crossOriginIsolated === true, globalThis.navigator?.hardwareConcurrency, null);
}

/**
 * Configures a freshly imported onnxruntime-web: its .wasm/.mjs files from the app's own folder
 * (`appBase`, absolute and ending in "/": public/ort/ is copied there; no CDN), `threads` WASM
 * threads, no proxy worker (each runtime already runs where it belongs: the page's model in its own
 * worker, the theory models on the main thread), and errors only in the console.
 */
export function configureOrt<R extends OrtRuntime>(rt: R, settings: { appBase: string; threads: number }): R {
  rt.env.wasm.wasmPaths = new URL('ort/', settings.appBase).href;
  rt.env.wasm.numThreads = settings.threads;
  rt.env.wasm.proxy = false;
  rt.env.logLevel = 'error';
  return rt;
}

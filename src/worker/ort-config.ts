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

/**
 * Thread counts worth measuring on a machine that reports `cores` (issue 23 item 4): 1, onnxruntime's
 * own default min(4, ceil(cores / 2)), and every core up to 8 (the page's default before a
 * measurement). A 2-core machine measures 1 and 2; 4 cores: 1, 2, 4; 16 cores: 1, 4, 8.
 */
export function threadCandidates(cores: number): number[] {
  const n = Math.max(1, Math.floor(cores) || 1);
  return [...new Set([1, Math.min(4, Math.ceil(n / 2)), Math.min(8, n)])].sort((a, b) => a - b);
}

/** Within this fraction of the fastest, fewer threads win: they leave cores to the page and the other rows. */
export const THREADS_TOLERANCE = 0.1;

/**
 * The thread count to use from measured ms per image by count: the fewest threads whose time is
 * within THREADS_TOLERANCE of the fastest (null when nothing was measured).
 */
export function chooseThreads(msByThreads: Readonly<Record<number, number>>): number | null {
  const runs = Object.entries(msByThreads)
    .map(([t, ms]) => ({ threads: Number(t), ms }))
    .filter((r) => r.threads >= 1 && Number.isFinite(r.ms) && r.ms > 0)
    .sort((a, b) => a.threads - b.threads);
  if (runs.length === 0) return null;
  const best = Math.min(...runs.map((r) => r.ms));
  return (runs.find((r) => r.ms <= best * (1 + THREADS_TOLERANCE)) as { threads: number }).threads;
}

/**
 * A model's size class, for remembering its measured thread count (a ViT-B measured once serves
 * every ViT-B-sized model): by parameters, the official sizes' boundaries.
 */
export function sizeClass(params: number): 'tiny' | 'small' | 'base' | 'large' | 'huge' {
  if (params <= 15e6) return 'tiny'; // the bundled ViT-Ti models (6-11 M)
  if (params <= 50e6) return 'small'; // ViT-S (25 M)
  if (params <= 200e6) return 'base'; // ViT-B (112 M)
  if (params <= 450e6) return 'large'; // ViT-L (330 M)
  return 'huge'; // ViT-H (657 M)
}

/**
 * WASM threads by measurement (issue 23 item 4). `navigator.hardwareConcurrency` is not the number
 * of threads a page should use (WebKit reports 4 on a 2-CPU machine; the page's main thread and the
 * other rows need cores too; on this 2-core machine 1 and 2 threads were close for the default
 * model), so the page measures: on the first load of a model of a size class (ort-config.ts
 * sizeClass) it loads the same model in one extra worker per candidate count (onnxruntime reads the
 * thread count once, when its backend starts: each count needs its own worker), times two warm
 * runs in each, and keeps the fastest count within 10% (the fewest threads, ort-config.ts
 * chooseThreads) in localStorage. The next load of a model of that size uses it; `?threads=N` still
 * wins. The measurement waits until the grid is idle, one worker at a time, and is skipped for
 * models whose second copy would not fit comfortably in memory (above about 1.2 GB).
 */
import { create } from 'zustand';
import { chooseThreads, threadCandidates } from '../../worker/ort-config.ts';

export const THREADS_STORAGE_KEY = 'mae-playground-threads';

export interface ThreadMeasurement {
  threads: number;
  /** ms per image (the faster of two warm runs) by thread count */
  ms: Record<number, number>;
  cores: number;
  at: string;
}

/** The badge's view of it: where the count came from, and a measurement under way or just made. */
export interface ThreadCalibrationState {
  source: 'asked' | 'measured' | 'default' | null;
  sizeClass: string | null;
  measuring: boolean;
  result: ThreadMeasurement | null;
  /** why there was no measurement, when that is news (a model too large) */
  skipped: string | null;
}

export const useThreadCalibration = create<ThreadCalibrationState>(() => ({ source: null, sizeClass: null, measuring: false, result: null, skipped: null }));

function readTable(): Record<string, ThreadMeasurement> {
  try {
    const raw = globalThis.localStorage?.getItem(THREADS_STORAGE_KEY);
    const table = raw ? (JSON.parse(raw) as unknown) : {};
    return typeof table === 'object' && table !== null ? (table as Record<string, ThreadMeasurement>) : {};
  } catch {
    return {}; // storage disabled or not ours: measure again
  }
}

/** The remembered count per size class (what the worker's load takes as threadsBySize). */
export function threadsBySize(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(readTable())) if (typeof v?.threads === 'number' && v.threads >= 1) out[k] = v.threads;
  return out;
}

export function storedMeasurement(sizeClass: string): ThreadMeasurement | null {
  return readTable()[sizeClass] ?? null;
}

export function rememberThreads(sizeClass: string, m: ThreadMeasurement): void {
  try {
    globalThis.localStorage?.setItem(THREADS_STORAGE_KEY, JSON.stringify({ ...readTable(), [sizeClass]: m }));
  } catch {
    // not kept: measured again next time
  }
}

/** A second copy of a model above this (weights/memory.ts estimate) is not loaded just to time it. */
export const CALIBRATION_MEMORY_LIMIT = 1.2e9;

/**
 * Times each candidate thread count with `measure` (a fresh worker each: its ms per image, or null
 * when it failed) and returns the counts' times and the choice; null when nothing could be measured.
 */
export async function calibrate(cores: number, measure: (threads: number) => Promise<number | null>): Promise<ThreadMeasurement | null> {
  const ms: Record<number, number> = {};
  for (const threads of threadCandidates(cores)) {
    const t = await measure(threads);
    if (t !== null) ms[threads] = Math.round(t * 10) / 10;
  }
  const threads = chooseThreads(ms);
  return threads === null ? null : { threads, ms, cores, at: new Date().toISOString() };
}

/** "1: 81 ms, 2: 56 ms" */
export function describeMeasurement(m: ThreadMeasurement): string {
  return Object.entries(m.ms)
    .map(([t, ms]) => `${t}: ${Math.round(ms)} ms`)
    .join(', ');
}

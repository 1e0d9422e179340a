/**
 * Threads by measurement (issue 23 item 4): the candidates measured on a machine, the choice from
 * measured times (the fewest threads within 10% of the fastest), the size classes the choice is
 * remembered by, and the calibration loop over a measuring function. Every value worked out by hand.
 */
import { afterEach, expect, test } from 'vitest';
import { chooseThreads, sizeClass, threadCandidates, THREADS_TOLERANCE } from '../../src/worker/ort-config.ts';
import {
  calibrate,
  describeMeasurement,
  rememberThreads,
  storedMeasurement,
  threadsBySize,
  THREADS_STORAGE_KEY,
} from '../../src/features/models/thread-calibration.ts';

test('candidates: 1, min(4, ceil(cores / 2)) and min(8, cores), without repeats', () => {
  expect(threadCandidates(1)).toEqual([1]);
  expect(threadCandidates(2)).toEqual([1, 2]); // ceil(2/2) = 1
  expect(threadCandidates(3)).toEqual([1, 2, 3]);
  expect(threadCandidates(4)).toEqual([1, 2, 4]);
  expect(threadCandidates(8)).toEqual([1, 4, 8]);
  expect(threadCandidates(16)).toEqual([1, 4, 8]);
  expect(threadCandidates(0)).toEqual([1]);
});

test('the choice: the fewest threads within 10% of the fastest', () => {
  expect(THREADS_TOLERANCE).toBe(0.1);
  // this machine's default model (issue 23): 2 threads 42-79 ms, 1 thread 58-69 ms
  expect(chooseThreads({ 1: 60, 2: 55 })).toBe(1); // 60 <= 55 × 1.1 = 60.5
  expect(chooseThreads({ 1: 61, 2: 55 })).toBe(2); // 61 > 60.5
  expect(chooseThreads({ 1: 400, 2: 220, 4: 210 })).toBe(2); // 220 <= 231
  expect(chooseThreads({ 1: 400, 2: 240, 4: 210 })).toBe(4); // 240 > 231
  expect(chooseThreads({ 2: 50, 1: 100 })).toBe(2); // order of the keys does not matter
  expect(chooseThreads({})).toBeNull();
  expect(chooseThreads({ 1: Number.NaN, 2: 0 })).toBeNull(); // not measurements
});

test('size classes by parameters, at the official sizes', () => {
  expect(sizeClass(6.5e6)).toBe('tiny'); // the bundled default, ViT-Ti/16 + decoder
  expect(sizeClass(15e6)).toBe('tiny');
  expect(sizeClass(25e6)).toBe('small'); // ViT-S
  expect(sizeClass(112e6)).toBe('base'); // ViT-B
  expect(sizeClass(330e6)).toBe('large'); // ViT-L
  expect(sizeClass(657e6)).toBe('huge'); // ViT-H
});

/** localStorage for the Node test: a real Map-backed Storage (Node has none by default). */
const store = new Map<string, string>();
(globalThis as { localStorage?: unknown }).localStorage = {
  getItem: (k: string) => store.get(k) ?? null,
  setItem: (k: string, v: string) => void store.set(k, v),
  removeItem: (k: string) => void store.delete(k),
};
afterEach(() => store.clear());

test('calibrate measures every candidate in turn, keeps the choice per size class; a failed count is left out', async () => {
  const asked: number[] = [];
  const times: Record<number, number | null> = { 1: 58.04, 2: 71.3 };
  const m = await calibrate(2, (t) => {
    asked.push(t);
    return Promise.resolve(times[t] ?? null);
  });
  expect(asked).toEqual([1, 2]);
  expect(m).toMatchObject({ threads: 1, ms: { 1: 58, 2: 71.3 }, cores: 2 });
  expect(describeMeasurement(m!)).toBe('1: 58 ms, 2: 71 ms');
  rememberThreads('tiny', m!);
  rememberThreads('base', { threads: 2, ms: { 1: 400, 2: 220 }, cores: 2, at: 'x' });
  expect(threadsBySize()).toEqual({ tiny: 1, base: 2 });
  expect(storedMeasurement('large')).toBeNull();
  // 4 cores, the 2-thread worker failed: chosen among 1 and 4 only
  const partial = await calibrate(4, (t) => Promise.resolve(t === 2 ? null : t === 1 ? 300 : 100));
  expect(partial?.ms).toEqual({ 1: 300, 4: 100 });
  expect(partial?.threads).toBe(4);
  expect(await calibrate(2, () => Promise.resolve(null))).toBeNull();
  // not JSON of ours: read as nothing remembered
  store.set(THREADS_STORAGE_KEY, '{oops');
  expect(threadsBySize()).toEqual({});
});

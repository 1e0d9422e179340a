/**
 * Masking-ratio sweep maths (no worker, no DOM): which ratios and seeds a sweep runs, and how the
 * per-seed masked-patch MSEs of one ratio are summarised (mean, sample s.d., min, max).
 *
 * Ratios are built as integer percent / 100, the same float the ratio slider produces
 * (clampRatio rounds to two decimals), so a sweep point and a row reconstruction at "the same"
 * ratio keep exactly the same number of patches.
 */

/** 0.05, 0.10, …, 0.95 by default: 19 ratios. */
export function sweepRatios(fromPercent = 5, toPercent = 95, stepPercent = 5): number[] {
  if (
    ![fromPercent, toPercent, stepPercent].every(Number.isInteger) ||
    stepPercent <= 0 ||
    fromPercent < 0 ||
    toPercent > 100 ||
    fromPercent > toPercent
  ) {
    throw new RangeError(
      `ratio range must be integer percents 0 ≤ from ≤ to ≤ 100 with a positive step (got ${fromPercent}..${toPercent} by ${stepPercent})`,
    );
  }
  const out: number[] = [];
  for (let p = fromPercent; p <= toPercent; p += stepPercent) out.push(p / 100);
  return out;
}

export const SWEEP_SEED_COUNT = 4;

/**
 * The sweep's grid seeds: the page's seed and the next count-1 (mod 2^32). Setting the page's seed
 * to any of them reproduces that sweep point in the image's row (per-image seeds are derived from
 * the grid seed the same way as for the rows).
 */
export function sweepGridSeeds(seed: number, count = SWEEP_SEED_COUNT): number[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`seed count must be a positive integer (got ${count})`);
  return Array.from({ length: count }, (_, k) => (seed + k) >>> 0);
}

export interface SpreadStats {
  /** values that were defined (null = nothing hidden, never counted) */
  n: number;
  mean: number;
  /** sample standard deviation (n - 1); 0 for a single value */
  std: number;
  min: number;
  max: number;
}

/** Mean, sample s.d., min and max of the defined values; null when none is defined. */
export function spreadStats(values: readonly (number | null)[]): SpreadStats | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = sum / xs.length;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const std = xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0;
  return { n: xs.length, mean, std, min, max };
}

/** One ratio's result: per-seed values in the order of the sweep's seeds. */
export interface SweepPointInput {
  maskRatio: number;
  /** masked-patch MSE per seed */
  mse: (number | null)[];
  /** visible-mean baseline MSE per seed */
  baselineMse: (number | null)[];
}

export interface SweepPointSummary {
  maskRatio: number;
  mse: SpreadStats | null;
  baseline: SpreadStats | null;
}

export function summarisePoint(p: SweepPointInput): SweepPointSummary {
  return { maskRatio: p.maskRatio, mse: spreadStats(p.mse), baseline: spreadStats(p.baselineMse) };
}

/** Progress of a sweep counted in reconstructions (ratio × seed), as the progress bar shows it. */
export function sweepTotal(ratios: number, seeds: number): number {
  return ratios * seeds;
}

/**
 * Axis top and ticks for values in [0, max]: the top is the smallest 1/2/2.5/5 × 10^k step count
 * that covers max with about `target` ticks. max ≤ 0 (or not finite) gives [0, 1].
 */
export function axisTicks(max: number, target = 5): { top: number; ticks: number[] } {
  if (!(max > 0) || !Number.isFinite(max)) return { top: 1, ticks: [0, 0.25, 0.5, 0.75, 1] };
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const n = Math.ceil(max / step - 1e-9);
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
  return { top: ticks[ticks.length - 1], ticks };
}

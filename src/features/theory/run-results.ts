/**
 * models/theory/run/results.json: the issue-26 grid on the four-level world, written by
 * `python -m mae_playground.theory.hreport` (schema: docs/THEORY.md). It exists from the moment the predictions
 * were committed and grows as models finish, so the page shows whatever is there: how many models are done,
 * the verdicts (computed in Python from the numbers; the page only shows them) and the chart of what is done.
 */

export const RUN_RESULTS_FORMAT = 'mae-playground/theory-results/2';
export const RUN_LEVELS = ['object', 'layout', 'part', 'texture'] as const;
export type RunLevel = (typeof RUN_LEVELS)[number];
export const PROBES = ['mlp', 'linear'] as const;
export type Probe = (typeof PROBES)[number];
export const VERDICTS = ['seen', 'contradicted', 'not decided'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface RunStat {
  mean: number;
  std: number;
  n: number;
}

export interface RunSummaryEntry {
  patchSize: number;
  maskRatio: number;
  seeds: number[];
  levels: Record<Probe, Record<RunLevel, RunStat>>;
  heldoutMse: RunStat;
  heldoutMseCommon: RunStat;
}

export interface RunVerdict {
  id: string;
  claim: string;
  mlp: { verdict: Verdict; why: string };
  linear: { verdict: Verdict; why: string };
}

export interface RunResults {
  format: string;
  expected: number;
  ratios: number[];
  patchSizes: number[];
  seeds: number[];
  commonRatio: number;
  summary: RunSummaryEntry[];
  controls: { untrained: { patchSize: number; seeds: number[]; levels: Record<Probe, Record<RunLevel, RunStat>> }[] };
  runs: unknown[];
  verdicts: RunVerdict[];
  /** the exported seed-0 models (hexport), with PyTorch's hidden-pixel MSE on one sample and mask */
  models: {
    id: string;
    patchSize: number;
    maskRatio: number;
    seed: number;
    path: string;
    reference?: { sampleSeed: number; maskRatio: number; maskSeed: number; hiddenMse: number };
  }[];
}

export class RunResultsError extends Error {
  constructor(message: string) {
    super(`models/theory/run/results.json: ${message}`);
    this.name = 'RunResultsError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function checkProbeLevels(v: unknown, where: string): void {
  if (!isObject(v)) throw new RunResultsError(`${where}.levels is missing`);
  for (const probe of PROBES) {
    const p = v[probe];
    if (!isObject(p)) throw new RunResultsError(`${where}.levels.${probe} is missing`);
    for (const level of RUN_LEVELS) {
      const s = p[level];
      if (!isObject(s) || typeof s.mean !== 'number' || typeof s.std !== 'number') {
        throw new RunResultsError(`${where}.levels.${probe}.${level} must be {mean, std, n} numbers`);
      }
    }
  }
}

/** Checks what the page reads; returns the typed results or throws a RunResultsError saying what is wrong. */
export function parseRunResults(json: unknown): RunResults {
  if (!isObject(json)) throw new RunResultsError('not a JSON object');
  if (json.format !== RUN_RESULTS_FORMAT)
    throw new RunResultsError(`format must be "${RUN_RESULTS_FORMAT}" (got ${JSON.stringify(json.format)})`);
  for (const key of ['ratios', 'patchSizes', 'seeds'] as const) {
    if (!isNumberArray(json[key]) || json[key].length === 0) throw new RunResultsError(`${key} must be a non-empty array of numbers`);
  }
  if (typeof json.expected !== 'number') throw new RunResultsError('expected must be a number');
  if (!Array.isArray(json.runs)) throw new RunResultsError('runs must be an array');
  if (!Array.isArray(json.summary)) throw new RunResultsError('summary must be an array');
  json.summary.forEach((e: unknown, i) => {
    if (!isObject(e) || typeof e.patchSize !== 'number' || typeof e.maskRatio !== 'number') {
      throw new RunResultsError(`summary[${i}] needs patchSize and maskRatio`);
    }
    checkProbeLevels(e.levels, `summary[${i}]`);
  });
  const controls = json.controls;
  if (!isObject(controls) || !Array.isArray(controls.untrained)) throw new RunResultsError('controls.untrained must be an array');
  controls.untrained.forEach((e: unknown, i) => {
    if (!isObject(e) || typeof e.patchSize !== 'number') throw new RunResultsError(`controls.untrained[${i}] needs patchSize`);
    checkProbeLevels(e.levels, `controls.untrained[${i}]`);
  });
  if (!Array.isArray(json.verdicts) || json.verdicts.length === 0) throw new RunResultsError('verdicts must be a non-empty array');
  json.verdicts.forEach((v: unknown, i) => {
    if (!isObject(v) || typeof v.id !== 'string' || typeof v.claim !== 'string')
      throw new RunResultsError(`verdicts[${i}] needs id and claim`);
    for (const probe of PROBES) {
      const p = v[probe];
      if (!isObject(p) || !(VERDICTS as readonly unknown[]).includes(p.verdict) || typeof p.why !== 'string') {
        throw new RunResultsError(`verdicts[${i}].${probe} must be {verdict: ${VERDICTS.join(' | ')}, why}`);
      }
    }
  });
  if (json.models !== undefined && !Array.isArray(json.models)) throw new RunResultsError('models must be an array');
  ((json.models as unknown[] | undefined) ?? []).forEach((m: unknown, i) => {
    if (
      !isObject(m) ||
      typeof m.id !== 'string' ||
      !/^[a-z0-9-]+$/.test(m.id) ||
      typeof m.path !== 'string' ||
      !/^models\/theory-grid\/[a-z0-9-]+$/.test(m.path)
    ) {
      throw new RunResultsError(`models[${i}] needs an id (lower-case letters, digits, dashes) and a path under models/theory-grid/`);
    }
    if (typeof m.patchSize !== 'number' || typeof m.maskRatio !== 'number')
      throw new RunResultsError(`models[${i}] needs patchSize and maskRatio`);
  });
  return { ...(json as unknown as RunResults), models: (json.models as RunResults['models'] | undefined) ?? [] };
}

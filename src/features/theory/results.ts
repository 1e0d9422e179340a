/**
 * models/theory/results.json, written by `python -m mae_playground.theory.run` (schema: docs/THEORY.md).
 * Parsed defensively: a file that is not what the experiment writes gives a specific message, never a
 * half-drawn chart.
 */

export const RESULTS_FORMAT = 'mae-playground/theory-results/1';
export const LEVELS = ['global', 'middle', 'local'] as const;
export type Level = (typeof LEVELS)[number];

export interface Stat {
  mean: number;
  std: number;
  n: number;
}

export interface SummaryEntry {
  patchSize: number;
  maskRatio: number;
  levels: Record<Level, Stat>;
  latents: Record<string, Stat>;
  heldoutMse?: Stat;
}

export interface ControlEntry {
  patchSize: number;
  levels: Record<Level, Stat>;
  latents: Record<string, Stat>;
}

export interface TheoryModelEntry {
  id: string;
  patchSize: number;
  maskRatio: number;
  seed: number;
  path: string;
}

export interface TheoryResults {
  format: string;
  command: string;
  startedAt: string;
  finishedAt: string;
  wallMinutes: number;
  machine: { cpu: string; cores: number; threads: number; torch: string };
  world: { imgSize: number; levels: Record<Level, string[]>; probeTrain: number; probeTest: number; trainPool: number };
  recipe: { steps: number; batch: number; lr: number };
  ratios: number[];
  patchSizes: number[];
  seeds: number[];
  summary: SummaryEntry[];
  controls: { untrained: ControlEntry[]; pixels: { levels: Record<Level, number>; latents: Record<string, { score: number }> } };
  models: TheoryModelEntry[];
  /** PyTorch's hidden-pixel MSE of each exported model on one sample and mask (the tests compare the page with it) */
  reference: { sampleSeed: number; maskRatio: number; maskSeed: number; hiddenMse: Record<string, number> };
}

export class ResultsError extends Error {
  constructor(message: string) {
    super(`models/theory/results.json: ${message}`);
    this.name = 'ResultsError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function checkStat(v: unknown, where: string): void {
  if (!isObject(v) || typeof v.mean !== 'number' || typeof v.std !== 'number' || typeof v.n !== 'number') {
    throw new ResultsError(`${where} must be {mean, std, n} numbers`);
  }
}

function checkLevels(v: unknown, where: string): void {
  if (!isObject(v)) throw new ResultsError(`${where}.levels is missing`);
  for (const level of LEVELS) checkStat(v[level], `${where}.levels.${level}`);
}

/** Checks the parts the page reads; returns the typed results or throws a ResultsError saying what is wrong. */
export function parseResults(json: unknown): TheoryResults {
  if (!isObject(json)) throw new ResultsError('not a JSON object');
  if (json.format !== RESULTS_FORMAT) throw new ResultsError(`format must be "${RESULTS_FORMAT}" (got ${JSON.stringify(json.format)})`);
  for (const key of ['ratios', 'patchSizes', 'seeds'] as const) {
    if (!isNumberArray(json[key]) || json[key].length === 0) throw new ResultsError(`${key} must be a non-empty array of numbers`);
  }
  if (!Array.isArray(json.summary) || json.summary.length === 0) throw new ResultsError('summary must be a non-empty array');
  json.summary.forEach((e: unknown, i) => {
    if (!isObject(e) || typeof e.patchSize !== 'number' || typeof e.maskRatio !== 'number') {
      throw new ResultsError(`summary[${i}] needs patchSize and maskRatio`);
    }
    checkLevels(e.levels, `summary[${i}]`);
  });
  const controls = json.controls;
  if (!isObject(controls) || !Array.isArray(controls.untrained)) throw new ResultsError('controls.untrained must be an array');
  controls.untrained.forEach((e: unknown, i) => {
    if (!isObject(e) || typeof e.patchSize !== 'number') throw new ResultsError(`controls.untrained[${i}] needs patchSize`);
    checkLevels(e.levels, `controls.untrained[${i}]`);
  });
  if (!Array.isArray(json.models)) throw new ResultsError('models must be an array');
  json.models.forEach((m: unknown, i) => {
    if (!isObject(m) || typeof m.id !== 'string' || !/^[a-z0-9-]+$/.test(m.id) || typeof m.maskRatio !== 'number') {
      throw new ResultsError(`models[${i}] needs an id (lower-case letters, digits, dashes) and a maskRatio`);
    }
  });
  return json as unknown as TheoryResults;
}

/** Mean and std of one series point: a level, or (with `latent`) one latent's raw score. */
export function pointOf(entry: SummaryEntry | ControlEntry, level: Level, latent?: string): Stat | undefined {
  return latent ? entry.latents[latent] : entry.levels[level];
}

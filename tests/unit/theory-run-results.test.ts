import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResults, RUN_RESULTS_FORMAT } from '../../src/features/theory/run-results.ts';

/** The committed file, written by python/mae_playground/theory/hreport.py (the page's real input). */
const committed = JSON.parse(readFileSync(new URL('../../models/theory/run/results.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

describe('theory run results (issue 26): the page reads what hreport.py writes', () => {
  it('parses the committed file, with one verdict per prediction of hreport.PREDICTIONS (P1..P11)', () => {
    const r = parseRunResults(committed);
    expect(r.format).toBe(RUN_RESULTS_FORMAT);
    expect(r.verdicts.map((v) => v.id)).toEqual(Array.from({ length: 11 }, (_, i) => `P${i + 1}`));
    expect(r.expected).toBe(r.ratios.length * r.patchSizes.length * r.seeds.length);
  });

  it('refuses a file that is not the run results, saying what is wrong', () => {
    expect(() => parseRunResults([])).toThrow(/not a JSON object/);
    expect(() => parseRunResults({ ...committed, format: 'mae-playground/theory-results/1' })).toThrow(/format must be/);
    expect(() => parseRunResults({ ...committed, ratios: [] })).toThrow(/ratios must be a non-empty array/);
    const verdicts = (committed.verdicts as Record<string, unknown>[]).map((v, i) =>
      i === 2 ? { ...v, mlp: { verdict: 'maybe', why: '' } } : v,
    );
    expect(() => parseRunResults({ ...committed, verdicts })).toThrow(/verdicts\[2\]\.mlp must be/);
    const summary = [{ patchSize: 4, maskRatio: 0.5, levels: { mlp: {}, linear: {} } }];
    expect(() => parseRunResults({ ...committed, summary })).toThrow(/summary\[0\]\.levels\.mlp\.object/);
  });
});

describe('theory run results: the grid models the page may open', () => {
  const model = { id: 'h-p4-r50', patchSize: 4, maskRatio: 0.5, seed: 0, path: 'models/theory-grid/h-p4-r50' };
  it('accepts a model under models/theory-grid/ and refuses a path anywhere else', () => {
    expect(parseRunResults({ ...committed, models: [model] }).models[0].path).toBe('models/theory-grid/h-p4-r50');
    for (const path of ['//elsewhere.example/m', 'https://elsewhere.example/m', 'models/theory-grid/../default', 'models/theory/p4-r10']) {
      expect(() => parseRunResults({ ...committed, models: [{ ...model, path }] })).toThrow(
        /models\[0\] needs an id .* path under models\/theory-grid\//,
      );
    }
  });
});

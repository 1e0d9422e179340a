import { readFileSync, statSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/mae/model-contract.ts';
import { LEVELS, parseResults } from '../../src/features/theory/results.ts';
import { reconstructAll, type TheoryModel } from '../../src/features/theory/theory-models.ts';
import { generateSample } from '../../src/features/theory/world.ts';
import { ROOT } from './support.ts';

const resultsText = readFileSync(`${ROOT}models/theory/results.json`, 'utf8');
const results = parseResults(JSON.parse(resultsText));

describe('models/theory/results.json', () => {
  it('holds every (patch size, ratio) of the experiment with every seed, as the issue asks', () => {
    expect(results.ratios.length).toBeGreaterThanOrEqual(6);
    expect(Math.min(...results.ratios)).toBeLessThanOrEqual(0.1);
    expect(Math.max(...results.ratios)).toBeGreaterThanOrEqual(0.9);
    expect(results.patchSizes.length).toBeGreaterThanOrEqual(2);
    expect(results.seeds.length).toBeGreaterThanOrEqual(3);
    expect(results.summary.length).toBe(results.ratios.length * results.patchSizes.length);
    for (const e of results.summary) for (const level of LEVELS) expect(e.levels[level].n).toBe(results.seeds.length);
    for (const p of results.patchSizes) expect(results.controls.untrained.some((c) => c.patchSize === p)).toBe(true);
  });

  it('refuses a file that is not the experiment output, saying what is wrong', () => {
    const good = JSON.parse(resultsText) as Record<string, unknown>;
    expect(() => parseResults([])).toThrow('not a JSON object');
    expect(() => parseResults({ ...good, format: 'x' })).toThrow('format must be "mae-playground/theory-results/1"');
    expect(() => parseResults({ ...good, ratios: [] })).toThrow('ratios must be a non-empty array of numbers');
    const summary = structuredClone(good.summary) as { levels: Record<string, unknown> }[];
    delete summary[1].levels.local;
    expect(() => parseResults({ ...good, summary })).toThrow('summary[1].levels.local must be {mean, std, n} numbers');
    expect(() => parseResults({ ...good, models: [{ id: '../up', maskRatio: 0.5 }] })).toThrow('models[0] needs an id');
  });
});

describe('exported theory models', () => {
  const dirs = results.models.map((m) => `${ROOT}${m.path}/`);

  it('follow the model contract, are small, and fit the world (32 px, their patch size)', () => {
    expect(results.models.length).toBeGreaterThanOrEqual(4);
    let total = 0;
    results.models.forEach((m, i) => {
      const manifest = parseManifest(JSON.parse(readFileSync(`${dirs[i]}manifest.json`, 'utf8')));
      expect([manifest.imgSize, manifest.patchSize, manifest.trainMaskRatio]).toEqual([32, m.patchSize, m.maskRatio]);
      for (const f of [manifest.encoder.file, manifest.decoder.file]) {
        const bytes = statSync(`${dirs[i]}${f}`).size;
        expect(bytes).toBeLessThan(600_000); // "a few hundred KB each at most"
        total += bytes;
      }
    });
    expect(total).toBeLessThan(6_000_000);
  });

  it('reconstruct the reference sample with the hidden-pixel error PyTorch measured (onnxruntime-node)', async () => {
    const ref = results.reference;
    const models: TheoryModel[] = [];
    for (const [i, entry] of results.models.entries()) {
      const manifest = parseManifest(JSON.parse(readFileSync(`${dirs[i]}manifest.json`, 'utf8')));
      const encoder = await ortNode.InferenceSession.create(`${dirs[i]}${manifest.encoder.file}`);
      const decoder = await ortNode.InferenceSession.create(`${dirs[i]}${manifest.decoder.file}`);
      models.push({ entry, manifest, sessions: { encoder, decoder } });
    }
    // onnxruntime-node has the onnxruntime-web API that reconstructAll uses (InferenceSession, Tensor)
    const rt = ortNode as unknown as Parameters<typeof reconstructAll>[0];
    const recons = await reconstructAll(rt, models, generateSample(ref.sampleSeed).pixels, ref.maskRatio, ref.maskSeed);
    for (const r of recons) {
      const want = ref.hiddenMse[r.id];
      // 8-bit pixels here, float pixels in PyTorch: measured ≤ 3e-5 apart; another mask is 1e-4 to 3e-3 off
      expect(Math.abs(r.hiddenMse - want), `${r.id}: ${r.hiddenMse} vs PyTorch ${want}`).toBeLessThanOrEqual(5e-5 + 0.005 * want);
    }
    await Promise.all(models.flatMap((m) => [m.sessions.encoder.release(), m.sessions.decoder.release()]));
  });
});

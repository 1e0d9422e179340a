/**
 * models/zoo.json, written by python/mae_playground/zoo_export.py: the zoo's models and the numbers on their cards
 * (held-out masked MSE, the cat-vs-dog linear probe), plus an untrained control's probe.
 */
import { gridSide } from '../../mae/index.ts';

export interface ZooEntry {
  kind: 'zoo';
  id: string;
  name: string;
  patchSize: number;
  trainMaskRatio: number;
  numPatches: number;
  steps: number;
  trainMinutes: number;
  /** held-out masked-patch MSE at ratio 0.75 (val/, 2 seeds), and Gaussian interpolation's */
  mse075: number;
  gaussian075: number;
  mseAtTrainRatio: number;
  probeAccuracy: number;
  probeStderr: number;
}

export interface ZooIndex {
  models: ZooEntry[];
  /** probe accuracy of the same architecture untrained, per patch size ("random-init-p16") */
  controls: Record<string, { accuracy: number; stderr: number }>;
}

function num(o: Record<string, unknown>, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: "${key}" must be a number`);
  return v;
}

export function parseZooIndex(json: unknown): ZooIndex {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { models?: unknown }).models)) {
    throw new Error('zoo.json must be an object with a "models" list');
  }
  const raw = json as { models: unknown[]; controls?: unknown };
  const models = raw.models.map((m, i): ZooEntry => {
    if (typeof m !== 'object' || m === null) throw new Error(`zoo.json models[${i}] must be an object`);
    const o = m as Record<string, unknown>;
    const where = `zoo.json models[${i}]`;
    if (typeof o.id !== 'string' || !/^[\w-]+$/.test(o.id)) throw new Error(`${where}: "id" must be a folder name`);
    if (typeof o.name !== 'string') throw new Error(`${where}: "name" must be a string`);
    const patchSize = num(o, 'patchSize', where);
    const imgSize = num(o, 'imgSize', where);
    if (!Number.isInteger(patchSize) || patchSize <= 0 || !Number.isInteger(imgSize) || imgSize % patchSize !== 0) {
      throw new Error(`${where}: imgSize ${imgSize} is not a whole number of ${patchSize}-pixel patches`);
    }
    return {
      kind: 'zoo',
      id: o.id,
      name: o.name,
      patchSize,
      trainMaskRatio: num(o, 'trainMaskRatio', where),
      numPatches: (imgSize / patchSize) ** 2,
      steps: num(o, 'steps', where),
      trainMinutes: num(o, 'trainMinutes', where),
      mse075: num(o, 'mse075', where),
      gaussian075: num(o, 'gaussian075', where),
      mseAtTrainRatio: num(o, 'mseAtTrainRatio', where),
      probeAccuracy: num(o, 'probeAccuracy', where),
      probeStderr: num(o, 'probeStderr', where),
    };
  });
  const controls: ZooIndex['controls'] = {};
  if (typeof raw.controls === 'object' && raw.controls !== null) {
    for (const [k, v] of Object.entries(raw.controls as Record<string, unknown>)) {
      if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        controls[k] = { accuracy: num(o, 'accuracy', `zoo.json controls.${k}`), stderr: num(o, 'stderr', `zoo.json controls.${k}`) };
      }
    }
  }
  // The compare view draws one mask on the coarsest grid and refines it: every grid must nest in it.
  const sides = models.map((m) => gridSide(m.numPatches));
  const coarsest = Math.min(...sides);
  const odd = models.find((_, i) => sides[i] % coarsest !== 0);
  if (odd)
    throw new Error(`zoo.json: ${odd.id}'s ${gridSide(odd.numPatches)}-patch grid does not refine the coarsest ${coarsest}-patch grid`);
  return { models, controls };
}

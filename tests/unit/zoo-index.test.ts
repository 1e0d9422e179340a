import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseZooIndex } from '../../src/features/compare/zoo-index.ts';
import { featureMapImage } from '../../src/features/compare/pca.ts';

const entry = {
  id: 'zoo-p16-r75',
  name: 'Zoo',
  imgSize: 112,
  patchSize: 16,
  trainMaskRatio: 0.75,
  steps: 800,
  trainMinutes: 9,
  mse075: 0.6,
  gaussian075: 0.7,
  mseAtTrainRatio: 0.6,
  probeAccuracy: 0.6,
  probeStderr: 0.03,
};

describe('parseZooIndex', () => {
  it('reads models and controls; numPatches from image and patch size', () => {
    const zoo = parseZooIndex({
      models: [entry, { ...entry, id: 'zoo-p8-r75', patchSize: 8 }],
      controls: { 'random-init-p16': { accuracy: 0.55, stderr: 0.03 } },
    });
    expect(zoo.models.map((m) => m.numPatches)).toEqual([49, 196]);
    expect(zoo.controls['random-init-p16'].accuracy).toBe(0.55);
  });

  it('names the bad field', () => {
    expect(() => parseZooIndex({})).toThrow(/"models" list/);
    expect(() => parseZooIndex({ models: [{ ...entry, probeAccuracy: 'high' }] })).toThrow(/models\[0\].*probeAccuracy/);
    expect(() => parseZooIndex({ models: [{ ...entry, id: '../x' }] })).toThrow(/folder name/);
    expect(() => parseZooIndex({ models: [{ ...entry, patchSize: 15 }] })).toThrow(/whole number of 15-pixel/);
    expect(() => parseZooIndex({ models: [entry, { ...entry, id: 'odd', imgSize: 128 }] })).toThrow(/odd's 8-patch grid does not refine/);
  });

  it('accepts the committed models/zoo.json, whose folders exist', () => {
    const path = new URL('../../models/zoo.json', import.meta.url);
    const zoo = parseZooIndex(JSON.parse(readFileSync(path, 'utf8')));
    expect(zoo.models.length).toBeGreaterThanOrEqual(4);
    for (const m of zoo.models) expect(existsSync(new URL(`../../models/${m.id}/manifest.json`, import.meta.url))).toBe(true);
  });
});

describe('featureMapImage', () => {
  it('paints one flat square per patch', () => {
    const rgb = new Uint8ClampedArray([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
    const img = featureMapImage(rgb, 2, 3);
    expect(img.width).toBe(6);
    const at = (x: number, y: number) => Array.from(img.data.slice((y * 6 + x) * 4, (y * 6 + x) * 4 + 4));
    expect(at(0, 0)).toEqual([255, 0, 0, 255]);
    expect(at(5, 0)).toEqual([0, 255, 0, 255]);
    expect(at(0, 5)).toEqual([0, 0, 255, 255]);
    expect(at(4, 4)).toEqual([9, 9, 9, 255]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateHSample, HCOUNT, HLEVELS, HWORLD_SIZE, parentIndex } from '../../src/features/theory/hworld.ts';

/** Written by python/mae_playground/theory/hfixture.py from the numpy generator the issue-26 models train on. */
interface Fixture {
  samples: { seed: number; latents: Record<string, number[]>; pixels?: number[] }[];
}
const fixture = JSON.parse(readFileSync(new URL('./theory-hworld.fixture.json', import.meta.url), 'utf8')) as Fixture;

describe('hierarchical world: the TypeScript generator reproduces the Python one', () => {
  it.each(fixture.samples.map((s) => [s.seed, s] as const))('seed %d: the same latents at every level', (seed, sample) => {
    expect(generateHSample(seed).latents).toEqual(sample.latents);
  });

  const withPixels = fixture.samples.filter((s) => s.pixels);
  it('the fixture holds pixels to compare', () => expect(withPixels.length).toBeGreaterThanOrEqual(2));

  it.each(withPixels.map((s) => [s.seed, s] as const))('seed %d: the same float32 pixels, bit for bit', (seed, sample) => {
    const { pixels } = generateHSample(seed);
    expect(pixels.length).toBe(3 * HWORLD_SIZE * HWORLD_SIZE);
    const expected = Float32Array.from(sample.pixels ?? []);
    let mismatches = 0;
    for (let i = 0; i < pixels.length; i++) if (pixels[i] !== expected[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('nests every node in one parent, four children each (the tree the predictions are computed on)', () => {
    for (let i = 1; i < HLEVELS.length; i++) {
      const children = new Map<number, number[]>();
      for (let node = 0; node < HCOUNT[HLEVELS[i]]; node++) {
        const { parent, pos } = parentIndex(HLEVELS[i], node);
        children.set(parent, [...(children.get(parent) ?? []), pos]);
      }
      expect(children.size).toBe(HCOUNT[HLEVELS[i - 1]]);
      for (const positions of children.values()) expect([...positions].sort()).toEqual([0, 1, 2, 3]);
    }
  });

  it('rejects a seed that is not a uint32', () => {
    expect(() => generateHSample(-1)).toThrow(/seed must be an integer/);
    expect(() => generateHSample(2 ** 32)).toThrow(/seed must be an integer/);
  });
});

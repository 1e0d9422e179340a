import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSample, sampleSeed, SHAPE_NAMES, WORLD_SIZE } from '../../src/features/theory/world.ts';

/** Written by python/mae_playground/theory/fixture.py from the numpy generator the experiment trains on. */
interface Fixture {
  sampleSeeds: { base: number; index: number; seed: number }[];
  samples: { seed: number; latents: Record<string, number | number[]>; pixels?: number[] }[];
}
const fixture = JSON.parse(readFileSync(new URL('./theory-world.fixture.json', import.meta.url), 'utf8')) as Fixture;

describe('theory world: the TypeScript generator reproduces the Python one', () => {
  it('derives sample seeds as the Python sets do', () => {
    for (const { base, index, seed } of fixture.sampleSeeds) expect(sampleSeed(base, index)).toBe(seed);
  });

  it.each(fixture.samples.map((s) => [s.seed, s] as const))('seed %d: the same latents', (seed, sample) => {
    const { latents } = generateSample(seed);
    // exact: the continuous latents are float64 arithmetic on the same PRNG draws
    expect(latents).toEqual(sample.latents);
  });

  const withPixels = fixture.samples.filter((s) => s.pixels);
  it('the fixture holds pixels to compare', () => expect(withPixels.length).toBeGreaterThanOrEqual(2));

  it.each(withPixels.map((s) => [s.seed, s] as const))('seed %d: the same float32 pixels, bit for bit', (seed, sample) => {
    const { pixels } = generateSample(seed);
    expect(pixels.length).toBe(3 * WORLD_SIZE * WORLD_SIZE);
    const expected = Float32Array.from(sample.pixels ?? []);
    let mismatches = 0;
    for (let i = 0; i < pixels.length; i++) if (pixels[i] !== expected[i]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('draws different worlds for different seeds, and rejects a seed that is not a uint32', () => {
    const shapes = new Set(fixture.samples.map((s) => SHAPE_NAMES[s.latents.shape as number]));
    expect(shapes.size).toBeGreaterThan(1);
    expect(() => generateSample(-1)).toThrow(/seed must be an integer/);
    expect(() => generateSample(2 ** 32)).toThrow(/seed must be an integer/);
  });
});

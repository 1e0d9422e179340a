import { describe, expect, it } from 'vitest';
import { lenKeep } from '../../src/mae/index.ts';
import { axisTicks, spreadStats, summarisePoint, sweepGridSeeds, sweepRatios, sweepTotal } from '../../src/features/sweep/sweep-stats.ts';
import type { SweepPoint, WorkerResponse } from '../../src/worker/messages.ts';
import { SweepRunner } from '../../src/features/sweep/sweep-runner.ts';
import { serialChain } from '../../src/worker/dispatch.ts';

describe('sweepRatios', () => {
  it('gives the 19 ratios 0.05..0.95 as the slider rounds them', () => {
    const r = sweepRatios();
    expect(r).toHaveLength(19);
    expect(r[0]).toBe(0.05);
    expect(r[18]).toBe(0.95);
    // the same float the slider's clampRatio makes, hence the same number of visible patches
    for (const x of r) expect(x).toBe(Math.round(x * 100) / 100);
    expect(r.map((x) => lenKeep(196, x)).slice(0, 3)).toEqual([186, 176, 166]);
    expect(lenKeep(196, r[14])).toBe(49); // 0.75
  });
  it('takes other ranges and refuses bad ones', () => {
    expect(sweepRatios(10, 30, 10)).toEqual([0.1, 0.2, 0.3]);
    expect(() => sweepRatios(5, 95, 0)).toThrow(RangeError);
    expect(() => sweepRatios(50, 10, 5)).toThrow(/from/);
    expect(() => sweepRatios(0, 101, 5)).toThrow(RangeError);
  });
});

describe('sweepGridSeeds', () => {
  it('is the page seed and the next ones, wrapping at 2^32', () => {
    expect(sweepGridSeeds(7)).toEqual([7, 8, 9, 10]);
    expect(sweepGridSeeds(0xffffffff, 2)).toEqual([0xffffffff, 0]);
    expect(() => sweepGridSeeds(0, 0)).toThrow(RangeError);
  });
  it('counts reconstructions as ratios × seeds', () => {
    expect(sweepTotal(19, 4)).toBe(76);
  });
});

describe('spreadStats', () => {
  it('gives mean, sample s.d., min and max', () => {
    const s = spreadStats([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).not.toBeNull();
    expect(s?.n).toBe(8);
    expect(s?.mean).toBe(5);
    // sum of squares 32, n - 1 = 7
    expect(s?.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(s?.min).toBe(2);
    expect(s?.max).toBe(9);
  });
  it('skips undefined values (nothing hidden) and is null when none is left', () => {
    expect(spreadStats([null, 1, null, 3])).toEqual({ n: 2, mean: 2, std: Math.SQRT2, min: 1, max: 3 });
    expect(spreadStats([0.5])).toEqual({ n: 1, mean: 0.5, std: 0, min: 0.5, max: 0.5 });
    expect(spreadStats([null, Number.NaN])).toBeNull();
    expect(spreadStats([])).toBeNull();
  });
  it('summarises a point', () => {
    const p = summarisePoint({ maskRatio: 0.5, mse: [1, 3], baselineMse: [2, 2] });
    expect(p.maskRatio).toBe(0.5);
    expect(p.mse?.mean).toBe(2);
    expect(p.baseline?.std).toBe(0);
  });
});

describe('axisTicks', () => {
  it('covers the maximum with round steps', () => {
    expect(axisTicks(1.07)).toEqual({ top: 1.25, ticks: [0, 0.25, 0.5, 0.75, 1, 1.25] });
    expect(axisTicks(0.8)).toEqual({ top: 0.8, ticks: [0, 0.2, 0.4, 0.6, 0.8] });
    const t = axisTicks(3.3);
    expect(t.top).toBeGreaterThanOrEqual(3.3);
    expect(t.ticks[0]).toBe(0);
  });
  it('falls back to 0..1 without data', () => {
    expect(axisTicks(0).top).toBe(1);
    expect(axisTicks(Number.NaN).top).toBe(1);
  });
});

// ------------------------------------------------------------------------------------------------
// The worker's runner on the worker's own serial chain (dispatch.ts) with a fake step (the graphs
// are covered by the Node inference tests and the e2e spec).

const img = { width: 1, height: 1, data: new Uint8ClampedArray(4) };
function fakePoint(maskRatio: number, seeds: number[]): SweepPoint {
  return {
    maskRatio,
    visible: 1,
    numPatches: 4,
    seeds,
    mse: seeds.map((s) => maskRatio + s),
    psnr: seeds.map(() => 1),
    baselineMse: seeds.map(() => 2),
    masked: img,
    reconstructionWithVisible: img,
  };
}

function harness() {
  const log: string[] = [];
  const posted: WorkerResponse[] = [];
  const enqueue = serialChain();
  const runner = new SweepRunner({
    enqueue,
    step: async (_imageId, maskRatio, seeds) => {
      log.push(`step ${maskRatio}`);
      await new Promise((r) => setTimeout(r, 5));
      return { point: fakePoint(maskRatio, seeds), provider: 'wasm' };
    },
    post: (m) => posted.push(m),
  });
  return { runner, enqueue, log, posted };
}

describe('SweepRunner', () => {
  it('posts one progress message per ratio, counting ratios × seeds', async () => {
    const h = harness();
    const r = await h.runner.run({ type: 'sweep', id: 3, imageId: 'a', ratios: [0.1, 0.2, 0.3], seeds: [0, 1] });
    expect(r).toEqual({ imageId: 'a', completed: 3, total: 3, cancelled: false, provider: 'wasm' });
    const prog = h.posted.filter((m) => m.type === 'sweepProgress');
    expect(prog.map((m) => (m.type === 'sweepProgress' ? [m.id, m.done, m.total, m.point.maskRatio] : null))).toEqual([
      [3, 2, 6, 0.1],
      [3, 4, 6, 0.2],
      [3, 6, 6, 0.3],
    ]);
  });

  it('lets work queued during a ratio run before the next ratio', async () => {
    const h = harness();
    const sweep = h.runner.run({ type: 'sweep', id: 1, imageId: 'a', ratios: [0.1, 0.2, 0.3], seeds: [0] });
    await new Promise((r) => setTimeout(r, 2)); // ratio 0.1 is running
    void h.enqueue(() => {
      h.log.push('row request');
      return Promise.resolve();
    });
    await sweep;
    expect(h.log).toEqual(['step 0.1', 'row request', 'step 0.2', 'step 0.3']);
  });

  it('stops before the next ratio when cancelled, and a new sweep supersedes the old one', async () => {
    const h = harness();
    const first = h.runner.run({ type: 'sweep', id: 1, imageId: 'a', ratios: [0.1, 0.2, 0.3, 0.4], seeds: [0] });
    await new Promise((r) => setTimeout(r, 2));
    expect(h.runner.cancel(1)).toBe(true);
    expect(h.runner.cancel(99)).toBe(false);
    const r1 = await first;
    expect(r1.cancelled).toBe(true);
    expect(r1.completed).toBe(1);

    const second = h.runner.run({ type: 'sweep', id: 2, imageId: 'a', ratios: [0.1, 0.2, 0.3], seeds: [0] });
    await new Promise((r) => setTimeout(r, 2));
    const third = h.runner.run({ type: 'sweep', id: 3, imageId: 'b', ratios: [0.5], seeds: [0] });
    const [r2, r3] = await Promise.all([second, third]);
    expect(r2.cancelled).toBe(true);
    expect(r2.completed).toBeLessThan(3);
    expect(r3).toMatchObject({ imageId: 'b', completed: 1, cancelled: false });
  });
});

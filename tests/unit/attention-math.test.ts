// The attention view's arithmetic (src/features/attention/attention-math.ts, attention-view.ts) on
// small stacks whose answers are worked out by hand below (the PyTorch comparisons of real models
// are in tests/node/attention-graph.test.ts and e2e/attention.spec.ts).
import { describe, expect, it } from 'vitest';
import { attentionRow, decoderShares, rolloutCls, rowOnPatches, tokenOfPatch } from '../../src/features/attention/attention-math.ts';
import type { AttentionStack } from '../../src/features/attention/attention-run.ts';
import { mapView, settle, type AttentionData } from '../../src/features/attention/attention-view.ts';

const third = 1 / 3;
/** depth blocks of one head, each the uniform 3x3 attention (every row 1/3, 1/3, 1/3). */
const uniform = (depth: number): AttentionStack => ({ data: new Float32Array(depth * 9).fill(third), depth, heads: 1, tokens: 3 });

describe('rollout (Abnar & Zuidema: 0.5*A + 0.5*I, rows renormalised, product over blocks)', () => {
  it('one uniform block: cls keeps 0.5 + 0.5/3 = 2/3 of itself, 1/6 to each other token', () => {
    const r = rolloutCls(uniform(1));
    [2 / 3, 1 / 6, 1 / 6].forEach((want, j) => expect(r[j]).toBeCloseTo(want, 6));
  });
  it('two uniform blocks: [[2/3,1/6,1/6],...]^2 gives cls 4/9 + 2/36 = 1/2 and 1/9 + 1/9 + 1/36 = 1/4 to each other', () => {
    const r = rolloutCls(uniform(2));
    [0.5, 0.25, 0.25].forEach((want, j) => expect(r[j]).toBeCloseTo(want, 6));
  });
  it('up to block 0 only is the one-block rollout', () => {
    expect(rolloutCls(uniform(2), 0)[0]).toBeCloseTo(2 / 3, 6);
  });
  it('attention to itself only (A = I) leaves cls on itself', () => {
    const eye = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(rolloutCls({ data: eye, depth: 1, heads: 1, tokens: 3 }))).toEqual([1, 0, 0]);
  });
});

describe('rows, heads, patches', () => {
  // one block, two heads, 3 tokens; head 0 row 1 = [0.2, 0.3, 0.5], head 1 row 1 = [0.6, 0.4, 0]
  const s: AttentionStack = {
    data: new Float32Array([1, 0, 0, 0.2, 0.3, 0.5, 0, 0, 1, 1, 0, 0, 0.6, 0.4, 0, 0, 0, 1]),
    depth: 1,
    heads: 2,
    tokens: 3,
  };
  it('a head row, and the mean over heads ((0.2+0.6)/2, (0.3+0.4)/2, (0.5+0)/2)', () => {
    expect(Array.from(attentionRow(s, 0, 1, 1))).toEqual([0.6000000238418579, 0.4000000059604645, 0]);
    const mean = attentionRow(s, 0, 'mean', 1);
    [0.4, 0.35, 0.25].forEach((want, j) => expect(mean[j]).toBeCloseTo(want, 6));
  });
  it('out-of-range block, head or token is a RangeError', () => {
    expect(() => attentionRow(s, 1, 0, 0)).toThrow(RangeError);
    expect(() => attentionRow(s, 0, 2, 0)).toThrow(RangeError);
    expect(() => attentionRow(s, 0, 0, 3)).toThrow(RangeError);
  });
  it('encoder tokens are cls + the kept patches in ids_keep order; decoder tokens cls + every patch', () => {
    expect(tokenOfPatch('encoder', 7, [3, 7])).toBe(2);
    expect(tokenOfPatch('encoder', 5, [3, 7])).toBeNull();
    expect(tokenOfPatch('decoder', 5, [3, 7])).toBe(6);
    const on = rowOnPatches('encoder', new Float32Array([0.1, 0.6, 0.3]), [3, 1], 4);
    expect(on.cls).toBeCloseTo(0.1);
    expect(Number.isNaN(on.patches[0])).toBe(true);
    expect(on.patches[3]).toBeCloseTo(0.6);
    expect(on.patches[1]).toBeCloseTo(0.3);
  });
  it('decoder shares: visible patches, mask tokens, cls', () => {
    // patches 0..3, 1 and 2 hidden; row = [cls 0.1, p0 0.2, p1 0.3, p2 0.15, p3 0.25]
    const sh = decoderShares(new Float32Array([0.1, 0.2, 0.3, 0.15, 0.25]), [0, 1, 1, 0]);
    expect(sh.visible).toBeCloseTo(0.45, 6);
    expect(sh.masked).toBeCloseTo(0.45, 6);
    expect(sh.cls).toBeCloseTo(0.1, 6);
  });
});

describe('what the view shows', () => {
  // 2x2 grid, patch 1 and 2 hidden (kept: 3, 0)
  const enc: AttentionStack = { data: new Float32Array(9).fill(third), depth: 1, heads: 1, tokens: 3 };
  const dec: AttentionStack = { data: new Float32Array(2 * 25).fill(0.2), depth: 2, heads: 1, tokens: 5 };
  const data: AttentionData = { encoder: enc, decoder: dec, idsKeep: [3, 0], hidden: [0, 1, 1, 0], numPatches: 4, gridH: 2, gridW: 2 };
  it('layer -1 is the last block; rollout only for encoder cls', () => {
    expect(settle({ graph: 'decoder', layer: -1, head: 'mean', query: 1, rollout: true }, data)).toEqual({
      graph: 'decoder',
      layer: 1,
      head: 'mean',
      query: 1,
      rollout: false,
    });
  });
  it('a hidden patch asked of the encoder shows nothing, and says to look at the decoder', () => {
    const v = mapView(data, { graph: 'encoder', layer: 0, head: 'mean', query: 2, rollout: false });
    expect(v.note).toMatch(/decoder/);
    expect(Array.from(v.patches).every(Number.isNaN)).toBe(true);
  });
  it("a hidden patch in the decoder: its row on the grid, 2 of 4 patches' weight on visible ones", () => {
    const v = mapView(data, { graph: 'decoder', layer: 1, head: 'mean', query: 2, rollout: false });
    expect(Array.from(v.patches)).toEqual([0.2, 0.2, 0.2, 0.2].map((x) => Math.fround(x)));
    expect(v.shares?.visible).toBeCloseTo(0.4, 6);
    expect(v.shares?.masked).toBeCloseTo(0.4, 6);
  });
});

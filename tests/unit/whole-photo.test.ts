/**
 * The pure parts of whole photos (non-square patch grids): the whole-photo resize against Pillow,
 * the size rule (hand-computed), patchify against models_mae.py for an h×w grid, the grid-shaped mask
 * strategies and the panels on a non-square grid (fixtures: tests/unit/fixtures/make_whole_fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  blockMasking,
  compositePanels,
  gridMasking,
  lenKeep,
  masksFor,
  patchify,
  patchOrigin,
  reconstructionMetrics,
  resizeBicubic,
  unpatchify,
  wholePhotoSize,
} from '../../src/mae/index.ts';
import { countDiff, readImage } from './support.ts';

const FIX = 'tests/unit/fixtures/';

describe('resizeBicubic (the whole photo, no crop) equals Pillow BICUBIC', () => {
  it.each([
    ['resize-wide.png', 48, 32, 'whole-wide-48x32.pil.png'],
    ['resize-tall.png', 24, 56, 'whole-tall-24x56.pil.png'],
    ['resize-wide.png', 123, 77, 'whole-wide-123x77.pil.png'],
  ])('%s to %i×%i', (src, w, h, want) => {
    const got = resizeBicubic(readImage(`${FIX}${src}`), w, h);
    const ref = readImage(`${FIX}${want}`);
    expect([got.width, got.height]).toEqual([ref.width, ref.height]);
    expect(countDiff(got.data, ref.data)).toBe(0);
  });
  it('refuses a size that is not whole and positive', () => {
    expect(() => resizeBicubic(readImage(`${FIX}resize-wide.png`), 0, 5)).toThrow(/positive whole numbers \(got 0×5\)/);
  });
});

describe('wholePhotoSize', () => {
  it('keeps the aspect ratio within half a patch, never enlarges, and caps the long side', () => {
    // 341×256 (goldfinch), patch 16, bound 448: not enlarged; 341/16 = 21.3 → 21, 256/16 = 16
    expect(wholePhotoSize(341, 256, 16, 448)).toEqual({ width: 336, height: 256, gridH: 16, gridW: 21 });
    // 4000×3000, bound 448: scale 0.112 → 448×336 → 28×21 patches
    expect(wholePhotoSize(4000, 3000, 16, 448)).toEqual({ width: 448, height: 336, gridH: 21, gridW: 28 });
    // tall 3000×4000 → 21×28 the other way round
    expect(wholePhotoSize(3000, 4000, 16, 448)).toEqual({ width: 336, height: 448, gridH: 28, gridW: 21 });
    // exact multiples stay as they are (the e2e photos): 320×224 → 20×14
    expect(wholePhotoSize(320, 224, 16, 448)).toEqual({ width: 320, height: 224, gridH: 14, gridW: 20 });
    // a thin strip keeps one patch on its short side
    expect(wholePhotoSize(5000, 10, 16, 448)).toEqual({ width: 448, height: 16, gridH: 1, gridW: 28 });
  });
  it('says what is wrong with an empty photo or a bound below one patch', () => {
    expect(() => wholePhotoSize(0, 10, 16, 448)).toThrow(/no pixels \(0×10\)/);
    expect(() => wholePhotoSize(10, 10, 16, 8)).toThrow(/bound 8 must hold a 16-pixel patch/);
  });
});

describe('patchify on an h×w grid', () => {
  it('orders patches as models_mae.py patchify does (2×3 grid of 4 px patches) and unpatchify inverts it', () => {
    const ref = JSON.parse(readFileSync(`${FIX}whole-patchify.json`, 'utf8')) as { shape: number[]; patches: number[] };
    const chw = Float32Array.from({ length: 3 * 8 * 12 }, (_, i) => i);
    const got = patchify(chw, 8, 4, 3, 12);
    expect(ref.shape).toEqual([1, 6, 48]);
    expect(Array.from(got)).toEqual(ref.patches);
    expect(Array.from(unpatchify(got, 8, 4, 3, 12))).toEqual(Array.from(chw));
    expect(patchOrigin(4, 8, 4, 12)).toEqual({ x: 4, y: 4 });
  });
});

describe('grid-shaped mask strategies on a non-square grid', () => {
  const rowsN = 14;
  const cols = 20;
  const L = rowsN * cols;
  it.each([0.75, 0.5, 0.9])('block and grid keep exactly lenKeep patches at %f, blocks inside the 14×20 grid', (ratio) => {
    for (const seed of [0, 1, 7]) {
      const b = blockMasking(seed, L, ratio, cols);
      expect(b.idsKeep.length).toBe(lenKeep(L, ratio));
      const g = gridMasking(seed, L, ratio, cols);
      expect(g.idsKeep.length).toBe(lenKeep(L, ratio));
    }
  });
  it('grid masking at 75% keeps exactly one patch per 2×2 cell of the 14×20 grid (hand rule)', () => {
    const m = gridMasking(3, L, 0.75, cols).mask;
    for (let r = 0; r < rowsN; r += 2)
      for (let c = 0; c < cols; c += 2) {
        const kept = [0, 1, cols, cols + 1].filter((d) => m[r * cols + c + d] === 0).length;
        expect(kept).toBe(1);
      }
  });
  it('refuses a row width that does not divide the patch count', () => {
    expect(() => masksFor({ strategy: 'block' }, 0, 280, 0.75, 19)).toThrow('280 patches do not make rows of 19');
    // random needs no shape
    expect(masksFor({ strategy: 'random' }, 0, 280, 0.75, 19).idsKeep.length).toBe(70);
  });
});

describe('panels and metrics of a non-square image', () => {
  it('hide exactly the masked patches of a 2×3 grid and score a perfect prediction as 0', () => {
    const H = 8;
    const W = 12;
    const p = 4;
    const chw = Float32Array.from({ length: 3 * H * W }, (_, i) => Math.sin(i) * 0.5);
    const pred = patchify(chw, H, p, 3, W);
    const mask = Uint8Array.from([0, 1, 0, 0, 0, 1]);
    const mean = [0.5, 0.5, 0.5];
    const std = [0.25, 0.25, 0.25];
    const panels = compositePanels({ imageChw: chw, predPatches: pred, mask, imgSize: H, width: W, patchSize: p, mean, std });
    expect([panels.masked.width, panels.masked.height]).toEqual([W, H]);
    // patch 1 (x 4..7, y 0..3) is hidden: checker grey in the masked panel; patch 0 shows the original
    const at = (img: { data: Uint8ClampedArray }, x: number, y: number) =>
      Array.from(img.data.subarray((y * W + x) * 4, (y * W + x) * 4 + 4));
    expect([200, 225]).toContain(at(panels.masked, 5, 1)[0]);
    expect(at(panels.masked, 1, 1)).toEqual(at(panels.original, 1, 1));
    expect(at(panels.masked, 9, 5)).not.toEqual(at(panels.original, 9, 5)); // patch 5: x 8..11, y 4..7
    const metrics = reconstructionMetrics({ imageChw: chw, predPatches: pred, mask, imgSize: H, width: W, patchSize: p, mean, std });
    expect(metrics.maskedMse).toBe(0);
  });
});

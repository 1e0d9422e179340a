// The paper-style figure's layout, against positions worked out by hand from the documented sizes
// (pad 12, gap 2 inside a triplet, 16 between triplets, 20 px header band, 16 px name cell).
import { describe, expect, it } from 'vitest';
import { PAPER_PANELS, paperLayout } from '../../src/features/paper/paper-layout.ts';

describe('paperLayout', () => {
  it('two 224 px images with room for three triplets: one line of two', () => {
    const l = paperLayout({ count: 2, columns: 3, panelSize: 224 });
    // 12 + (224*3 + 2*2) + 16 + (224*3 + 2*2) + 12
    expect(l.width).toBe(1392);
    // 12 + 20 + 224 + 16 + 12
    expect(l.height).toBe(284);
    expect(l.columns).toBe(2);
    expect(l.headers).toHaveLength(6);
    // second triplet, third panel: 12 + 692 + 2 * 226
    expect(l.triplets[1].panels[2]).toEqual({ x: 1156, y: 32, w: 224, h: 224 });
    expect(l.triplets[1].name).toEqual({ x: 704, y: 256, w: 676, h: 16 });
  });

  it('four images, three per line: the fourth starts the second line', () => {
    const l = paperLayout({ count: 4, columns: 3, panelSize: 112 });
    // 12 + 3*(336 + 4) + 2*16 + 12
    expect(l.width).toBe(1076);
    // 12 + 20 + 2*(112 + 16) + 16 + 12
    expect(l.height).toBe(316);
    // line 2: 12 + 20 + 128 + 16
    expect(l.triplets[3].panels[0]).toEqual({ x: 12, y: 176, w: 112, h: 112 });
    // panels never overlap inside the figure
    const rects = l.triplets.flatMap((t) => t.panels);
    for (const a of rects) {
      expect(a.x + a.w).toBeLessThanOrEqual(l.width - 12);
      expect(a.y + a.h).toBeLessThanOrEqual(l.height - 12);
      for (const b of rects) {
        if (a === b) continue;
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart).toBe(true);
      }
    }
  });

  it("the paper's panel order: masked, reconstruction with the visible patches, original", () => {
    expect(PAPER_PANELS.map((p) => p.key)).toEqual(['masked', 'reconstructionWithVisible', 'original']);
  });

  it('refuses an empty figure and bad sizes', () => {
    expect(() => paperLayout({ count: 0, columns: 3, panelSize: 224 })).toThrow(/count/);
    expect(() => paperLayout({ count: 2, columns: 0, panelSize: 224 })).toThrow(/columns/);
    expect(() => paperLayout({ count: 2, columns: 3, panelSize: 224, gap: -1 })).toThrow(/gap/);
  });
});

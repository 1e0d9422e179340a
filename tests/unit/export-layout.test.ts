import { describe, expect, it } from 'vitest';
import { captionLines, exportFileName, exportLayout, fileStem, gridNameMask, seedText } from '../../src/features/export/export-layout.ts';

describe('exportLayout', () => {
  it('lays one row out as caption, labels, then four native-size panels', () => {
    const l = exportLayout({ rows: 1, panelSize: 224 });
    // 12 + 4*224 + 3*8 + 12; 12 + 40 + 18 + 224 + 12
    expect(l.width).toBe(944);
    expect(l.height).toBe(306);
    const r = l.rows[0];
    expect(r.caption).toEqual({ x: 12, y: 12, w: 920, h: 40 });
    expect(r.panels.map((p) => p.x)).toEqual([12, 244, 476, 708]);
    expect(r.panels.every((p) => p.y === 70 && p.w === 224 && p.h === 224)).toBe(true);
    expect(r.labels[2]).toEqual({ x: 476, y: 52, w: 224, h: 18 });
  });

  it('stacks rows with a gap, and nothing overlaps or leaves the canvas', () => {
    const l = exportLayout({ rows: 3, panelSize: 224 });
    expect(l.rows).toHaveLength(3);
    expect(l.height).toBe(12 + 3 * 282 + 2 * 16 + 12);
    for (let i = 1; i < 3; i++) expect(l.rows[i].caption.y).toBe(l.rows[i - 1].row.y + l.rows[i - 1].row.h + 16);
    const last = l.rows[2].panels[3];
    expect(last.x + last.w).toBeLessThanOrEqual(l.width);
    expect(last.y + last.h).toBeLessThanOrEqual(l.height);
    const all = l.rows.flatMap((r) => [...r.panels, r.caption, ...r.labels]);
    for (let a = 0; a < all.length; a++) {
      for (let b = a + 1; b < all.length; b++) {
        const p = all[a];
        const q = all[b];
        const overlap = p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
        expect(overlap, `${JSON.stringify(p)} / ${JSON.stringify(q)}`).toBe(false);
      }
    }
  });

  it('refuses nonsense sizes', () => {
    expect(() => exportLayout({ rows: 0, panelSize: 224 })).toThrow(/rows/);
    expect(() => exportLayout({ rows: 1, panelSize: 22.5 })).toThrow(/panelSize/);
    expect(() => exportLayout({ rows: 1, panelSize: 224, gap: -1 })).toThrow(/gap/);
  });
});

describe('gridNameMask', () => {
  it('uses the rows’ own ratio, not the slider’s: the painted ratio in paint mode', () => {
    expect(
      gridNameMask(
        [
          { maskRatio: 0.6, maskStrategy: 'block' },
          { maskRatio: 0.6, maskStrategy: 'block' },
        ],
        5,
      ),
    ).toEqual({ maskRatio: 0.6, painted: false, seed: 5 });
    expect(
      gridNameMask(
        [
          { maskRatio: 0.63, maskStrategy: 'paint' },
          { maskRatio: 0.63, maskStrategy: 'paint' },
        ],
        5,
      ),
    ).toEqual({ maskRatio: 0.63, painted: true, seed: null });
    // rows of different ratios (one still updating): no single ratio to name
    expect(
      gridNameMask(
        [
          { maskRatio: 0.6, maskStrategy: 'random' },
          { maskRatio: 0.5, maskStrategy: 'random' },
        ],
        0,
      ).maskRatio,
    ).toBeNull();
    const name = exportFileName(
      { gridRows: 2 },
      gridNameMask(
        [
          { maskRatio: 0.63, maskStrategy: 'paint' },
          { maskRatio: 0.63, maskStrategy: 'paint' },
        ],
        5,
      ),
    );
    expect(name).toBe('mae-grid-2-paint-r63.png');
  });
});

describe('captions and file names', () => {
  it('names image, model, ratio with visible count, seed, strategy and metrics', () => {
    const [a, b] = captionLines({
      imageName: 'cat.jpg',
      modelName: 'MAE ViT-Ti/16',
      maskRatio: 0.75,
      visible: 49,
      numPatches: 196,
      seed: 2654435769,
      maskStrategy: 'random',
      mse: 0.4731,
      psnr: 17.26,
    });
    expect(a).toBe('cat.jpg — model MAE ViT-Ti/16');
    expect(b).toBe('mask ratio 0.75 (49/196 visible) · seed 2654435769 · random masking · masked MSE 0.473 · PSNR 17.3 dB');
    expect(
      captionLines({
        imageName: 'x',
        modelName: 'm',
        maskRatio: 0,
        visible: 196,
        numPatches: 196,
        seed: 0,
        maskStrategy: 'grid',
        mse: null,
        psnr: null,
      })[1],
    ).toContain('MSE n/a · PSNR n/a');
  });
  it('says where a per-image seed comes from, and no seed for a painted mask', () => {
    const base = {
      imageName: 'x',
      modelName: 'm',
      maskRatio: 0.75,
      visible: 49,
      numPatches: 196,
      maskStrategy: 'random',
      mse: 0.5,
      psnr: 20,
    };
    expect(captionLines({ ...base, seed: 3 })[1]).toContain('· seed 3 ·');
    expect(captionLines({ ...base, seed: 3, pageSeed: 3, imageIndex: 0 })[1]).toContain('· seed 3 ·');
    expect(captionLines({ ...base, seed: 2654435772, pageSeed: 3, imageIndex: 1 })[1]).toContain(
      '· seed 2654435772 (page seed 3, image 1) ·',
    );
    expect(seedText({ seed: 9, pageSeed: 3, maskStrategy: 'grid' })).toBe('seed 9 (page seed 3)');
    const painted = captionLines({ ...base, maskRatio: 0.63, seed: 7, pageSeed: 0, imageIndex: 1, maskStrategy: 'paint' })[1];
    expect(painted).toBe('mask ratio 0.63 (49/196 visible) · painted mask · masked MSE 0.500 · PSNR 20.0 dB');
    expect(painted).not.toContain('seed');
  });
  it('builds safe file names with ratio and seed, or paint', () => {
    expect(exportFileName({ imageName: 'my photo (1).JPG' }, { maskRatio: 0.75, painted: false, seed: 0 })).toBe(
      'mae-my-photo-1-r75-s0.png',
    );
    expect(exportFileName({ imageName: 'a' }, { maskRatio: 0.05, painted: false, seed: 12 })).toBe('mae-a-r5-s12.png');
    expect(exportFileName({ gridRows: 3 }, { maskRatio: 0.6, painted: false, seed: 7 })).toBe('mae-grid-3-r60-s7.png');
    expect(exportFileName({ imageName: 'cat.jpg' }, { maskRatio: 124 / 196, painted: true, seed: 7 })).toBe('mae-cat-paint-r63.png');
    expect(exportFileName({ gridRows: 2 }, { maskRatio: null, painted: false, seed: 1 })).toBe('mae-grid-2-s1.png');
    expect(fileStem('../../etc/passwd')).toBe('etc-passwd');
    expect(fileStem('???.png')).toBe('image');
  });
});

describe('exportLayout with whole photos (rows of different panel sizes)', () => {
  it('lays each row at its own panel size, as wide as the widest row (hand-computed)', () => {
    const l = exportLayout({
      rows: 2,
      panelSize: 224,
      rowSizes: [
        { width: 320, height: 224 },
        { width: 224, height: 320 },
      ],
    });
    // pad 12, gap 8, caption 40, label 18: row 0 is 4×320 + 3×8 = 1304 wide, 40 + 18 + 224 = 282 high
    expect(l.width).toBe(12 + 1304 + 12);
    expect(l.rows[0].panels[1]).toEqual({ x: 12 + 328, y: 12 + 58, w: 320, h: 224 });
    // row 1 starts after row 0 and the row gap (16): y = 12 + 282 + 16 = 310; its panels are 224×320
    expect(l.rows[1].panels[0]).toEqual({ x: 12, y: 310 + 58, w: 224, h: 320 });
    expect(l.height).toBe(310 + 58 + 320 + 12);
  });
  it('says what is wrong with the sizes', () => {
    expect(() => exportLayout({ rows: 2, panelSize: 224, rowSizes: [{ width: 1, height: 1 }] })).toThrow(
      'rowSizes must give 2 sizes (got 1)',
    );
    expect(() => exportLayout({ rows: 1, panelSize: 224, rowSizes: [{ width: 0, height: 5 }] })).toThrow(/positive integers \(got 0×5\)/);
  });
});

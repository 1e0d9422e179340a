/** "Download figure PNG": the paper-style view as one image (panels copied 1:1, names under each triplet). */
import type { RgbaImage } from '../../mae/index.ts';
import type { Row } from '../../state/store.ts';
import { downloadCanvas, putPanel, whiteCanvas } from '../export/export-png.ts';
import { PAPER_PANELS, paperLayout } from './paper-layout.ts';

/** At most this many triplets per line in the PNG (the paper's figures use three). */
export const PAPER_PNG_COLUMNS = 3;

export interface PaperItem {
  name: string;
  panels: [RgbaImage, RgbaImage, RgbaImage];
}

/** Rows with a reconstruction, as the figure shows them. */
export function paperItemsOf(rows: readonly Row[]): PaperItem[] {
  return rows.flatMap((r) => {
    const res = r.result;
    if (!res || r.status !== 'done') return [];
    return [{ name: r.name, panels: PAPER_PANELS.map((p) => res.panels[p.key]) as [RgbaImage, RgbaImage, RgbaImage] }];
  });
}

export function renderPaperFigure(items: readonly PaperItem[]): HTMLCanvasElement {
  if (items.length === 0) throw new Error('no image has a reconstruction yet');
  const layout = paperLayout({ count: items.length, columns: PAPER_PNG_COLUMNS, panelSize: items[0].panels[0].width });
  const { canvas, ctx } = whiteCanvas(layout.width, layout.height);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.fillStyle = '#111827';
  ctx.font = '12px sans-serif';
  layout.headers.forEach((h, i) => ctx.fillText(PAPER_PANELS[i % 3].label, h.x + h.w / 2, h.y + h.h / 2, h.w));
  ctx.fillStyle = '#4b5563';
  ctx.font = '11px sans-serif';
  items.forEach((item, i) => {
    const t = layout.triplets[i];
    item.panels.forEach((img, k) => putPanel(ctx, img, t.panels[k]));
    ctx.fillText(item.name, t.name.x + t.name.w / 2, t.name.y + t.name.h / 2, t.name.w);
  });
  return canvas;
}

export async function downloadPaperPng(rows: readonly Row[], maskRatio: number): Promise<void> {
  const items = paperItemsOf(rows);
  await downloadCanvas(renderPaperFigure(items), `mae-figure-${items.length}-images-${Math.round(maskRatio * 100)}pct.png`);
}

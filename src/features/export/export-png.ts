/**
 * Draws rows (four panels + caption) onto a canvas laid out by exportLayout, and downloads it as a
 * PNG through an object URL (no request leaves the page; the URL is revoked afterwards).
 */
import { captionLines, exportFileName, exportLayout, gridNameMask, type ExportCaption } from './export-layout.ts';
import { imageSeed, type RgbaImage } from '../../mae/index.ts';
import { useStore, type Row } from '../../state/store.ts';
import { ROW_PANELS as EXPORT_PANELS } from './row-panels.ts';

export interface ExportRow {
  caption: ExportCaption;
  panels: RgbaImage[];
}

/** Rows with a result, as the export draws them. */
export function exportRowsOf(rows: readonly Row[]): ExportRow[] {
  const s = useStore.getState();
  const modelName = s.model.manifest?.name ?? 'unknown model';
  return rows.flatMap((r) => {
    const res = r.result;
    if (!res || r.status !== 'done') return [];
    const caption: ExportCaption = {
      imageName: r.name,
      modelName,
      maskRatio: res.maskRatio,
      visible: res.visible,
      numPatches: res.numPatches,
      seed: res.seed,
      // where the seed came from, said only when it is provably the page's (a result of the
      // current settings: the row's seed is the one the page's seed gives it)
      ...(res.seed === imageSeed(s.seed, r.seedIndex, s.sameMaskForAll) ? { pageSeed: s.seed, imageIndex: r.seedIndex } : {}),
      // the strategy that made this row's mask (older results say nothing: the page's)
      maskStrategy: res.maskStrategy ?? s.maskStrategy,
      mse: res.mse,
      psnr: res.psnr,
    };
    return [{ caption, panels: EXPORT_PANELS.map((p) => res.panels[p.key]) }];
  });
}

/** A white canvas of this size and its 2D context: the background of every exported PNG. */
export function whiteCanvas(width: number, height: number): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser gives no 2D canvas');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  return { canvas, ctx };
}

/** One panel's pixels at (x, y): putImageData copies them 1:1 (no scaling, no smoothing). */
export function putPanel(ctx: CanvasRenderingContext2D, img: RgbaImage, at: { x: number; y: number }): void {
  ctx.putImageData(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), at.x, at.y);
}

export function renderExport(rows: readonly ExportRow[]): HTMLCanvasElement {
  if (rows.length === 0) throw new Error('nothing to export');
  const panelSize = rows[0].panels[0].width;
  // whole photos: each row's panels at their own size
  const rowSizes = rows.map((r) => ({ width: r.panels[0].width, height: r.panels[0].height }));
  const layout = exportLayout({ rows: rows.length, panelSize, panels: EXPORT_PANELS.length, rowSizes });
  const { canvas, ctx } = whiteCanvas(layout.width, layout.height);
  ctx.textBaseline = 'middle';
  rows.forEach((row, i) => {
    const l = layout.rows[i];
    ctx.fillStyle = '#e9edf3';
    ctx.fillRect(l.caption.x, l.caption.y, l.caption.w, l.caption.h);
    const [line1, line2] = captionLines(row.caption);
    ctx.fillStyle = '#111827';
    ctx.font = 'bold 13px sans-serif';
    ctx.fillText(line1, l.caption.x + 8, l.caption.y + l.caption.h * 0.3, l.caption.w - 16);
    ctx.font = '12px sans-serif';
    ctx.fillText(line2, l.caption.x + 8, l.caption.y + l.caption.h * 0.72, l.caption.w - 16);
    ctx.fillStyle = '#4b5563';
    ctx.font = '11px sans-serif';
    EXPORT_PANELS.forEach((p, k) => ctx.fillText(p.label, l.labels[k].x, l.labels[k].y + l.labels[k].h / 2, l.labels[k].w));
    row.panels.forEach((img, k) => putPanel(ctx, img, l.panels[k]));
  });
  return canvas;
}

export async function downloadCanvas(canvas: HTMLCanvasElement, fileName: string): Promise<void> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not encode the PNG');
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has taken the blob once the click is handled; later is safe in every browser.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "Download PNG" of one row. */
export async function downloadRowPng(row: Row): Promise<void> {
  const rows = exportRowsOf([row]);
  if (rows.length === 0) throw new Error(`“${row.name}” has no reconstruction to export yet`);
  const c = rows[0].caption;
  const name = exportFileName({ imageName: c.imageName }, { maskRatio: c.maskRatio, painted: c.maskStrategy === 'paint', seed: c.seed });
  await downloadCanvas(renderExport(rows), name);
}

/** "Download grid PNG": every row with a reconstruction, named after the rows' ratio and the page's seed (or "paint"). */
export async function downloadGridPng(rows: readonly Row[]): Promise<void> {
  const out = exportRowsOf(rows);
  if (out.length === 0) throw new Error('no row has a reconstruction to export yet');
  const name = exportFileName(
    { gridRows: out.length },
    gridNameMask(
      out.map((r) => r.caption),
      useStore.getState().seed,
    ),
  );
  await downloadCanvas(renderExport(out), name);
}

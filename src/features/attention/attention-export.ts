/**
 * "Download PNG" of the attention map: the map at twice its size (nearest neighbour: patches stay
 * sharp), the colour scale, and a caption saying what it shows. Drawn on a canvas in the page; the
 * download is an object URL (nothing leaves the page).
 */
import type { RgbaImage } from '../../mae/image.ts';
import { downloadCanvas, whiteCanvas } from '../export/export-png.ts';
import { fileStem } from '../export/export-layout.ts';
import { rampColour } from './attention-image.ts';

export async function downloadAttentionPng(map: RgbaImage, caption: string[], max: number, imageName: string, what: string): Promise<void> {
  const scale = 2;
  const pad = 12;
  const line = 18;
  const legend = 14;
  const w = Math.max(map.width * scale + 2 * pad, 420);
  const h = pad + map.height * scale + 8 + legend + 18 + caption.length * line + pad;
  const { canvas, ctx } = whiteCanvas(w, h);
  const src = document.createElement('canvas');
  src.width = map.width;
  src.height = map.height;
  src.getContext('2d')?.putImageData(new ImageData(map.data as Uint8ClampedArray<ArrayBuffer>, map.width, map.height), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, pad, pad, map.width * scale, map.height * scale);
  // colour scale 0 .. max
  const y0 = pad + map.height * scale + 8;
  const barW = map.width * scale;
  for (let x = 0; x < barW; x++) {
    const [r, g, b] = rampColour(x / (barW - 1));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(pad + x, y0, 1, legend);
  }
  ctx.fillStyle = '#1c2430';
  ctx.font = '12px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillText('0', pad, y0 + legend + 2);
  const top = max.toFixed(3);
  ctx.fillText(top, pad + barW - ctx.measureText(top).width, y0 + legend + 2);
  ctx.font = '13px system-ui, sans-serif';
  caption.forEach((text, i) => ctx.fillText(text, pad, y0 + legend + 18 + i * line));
  await downloadCanvas(canvas, `${fileStem(imageName)}-attention-${what}.png`);
}

/**
 * Clips for Chromium's fake camera, made at test time from a test photo (nothing large is
 * committed): `--use-file-for-fake-video-capture=<file>.y4m` plays a YUV4MPEG2 file as the camera,
 * looping. The frame is built here in RGB first, so a spec can compare what the page shows with
 * the frame it sent (up to the YUV 4:2:0 round trip).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import jpeg from 'jpeg-js';

export interface RgbFrame {
  width: number;
  height: number;
  /** RGB bytes, row by row. */
  rgb: Uint8Array;
}

/**
 * A width × height frame from a JPEG: the photo's centred region of that aspect ratio, sampled
 * nearest-neighbour (the frame is the reference itself; how it was made does not matter).
 */
export function frameFromJpeg(path: string, width: number, height: number): RgbFrame {
  const img = jpeg.decode(readFileSync(path), { useTArray: true, formatAsRGBA: true });
  const scale = Math.min(img.width / width, img.height / height);
  const x0 = (img.width - width * scale) / 2;
  const y0 = (img.height - height * scale) / 2;
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(img.height - 1, Math.floor(y0 + (y + 0.5) * scale));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(img.width - 1, Math.floor(x0 + (x + 0.5) * scale));
      const s = (sy * img.width + sx) * 4;
      const d = (y * width + x) * 3;
      rgb[d] = img.data[s];
      rgb[d + 1] = img.data[s + 1];
      rgb[d + 2] = img.data[s + 2];
    }
  }
  return { width, height, rgb };
}

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/**
 * YUV4MPEG2, 4:2:0, BT.601 studio range (what Chromium assumes for a camera's I420 frames), the
 * same frame `frames` times at `fps`. Width and height must be even.
 */
export function writeY4m(path: string, f: RgbFrame, frames: number, fps: number): void {
  const { width: w, height: h, rgb } = f;
  if (w % 2 || h % 2) throw new Error('y4m 4:2:0 needs an even width and height');
  const Y = new Uint8Array(w * h);
  const U = new Uint8Array((w / 2) * (h / 2));
  const V = new Uint8Array((w / 2) * (h / 2));
  for (let i = 0; i < w * h; i++) {
    const r = rgb[3 * i] / 255;
    const g = rgb[3 * i + 1] / 255;
    const b = rgb[3 * i + 2] / 255;
    Y[i] = clamp(16 + 65.481 * r + 128.553 * g + 24.966 * b);
  }
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < w / 2; x++) {
      let cb = 0;
      let cr = 0;
      for (const [dy, dx] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ]) {
        const i = (2 * y + dy) * w + 2 * x + dx;
        const r = rgb[3 * i] / 255;
        const g = rgb[3 * i + 1] / 255;
        const b = rgb[3 * i + 2] / 255;
        cb += 128 - 37.797 * r - 74.203 * g + 112 * b;
        cr += 128 + 112 * r - 93.786 * g - 18.214 * b;
      }
      U[y * (w / 2) + x] = clamp(cb / 4);
      V[y * (w / 2) + x] = clamp(cr / 4);
    }
  }
  const header = Buffer.from(`YUV4MPEG2 W${w} H${h} F${fps}:1 Ip A1:1 C420jpeg\n`, 'latin1');
  const frame = Buffer.concat([Buffer.from('FRAME\n', 'latin1'), Y, U, V]);
  writeFileSync(path, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}

/** Rows y0..y0+size and columns x0..x0+size of a frame as RGBA (alpha 255): a centre crop to compare with a panel. */
export function cropRgba(f: RgbFrame, x0: number, y0: number, size: number): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const s = ((y0 + y) * f.width + x0 + x) * 3;
      const d = (y * size + x) * 4;
      out[d] = f.rgb[s];
      out[d + 1] = f.rgb[s + 1];
      out[d + 2] = f.rgb[s + 2];
      out[d + 3] = 255;
    }
  return out;
}

/** Mean absolute difference over the RGB channels of two RGBA images of one size. */
export function meanAbsRgb(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4)
    for (let c = 0; c < 3; c++) {
      sum += Math.abs(a[i + c] - b[i + c]);
      n += 1;
    }
  return sum / n;
}

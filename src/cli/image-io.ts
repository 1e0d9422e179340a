/**
 * Node-side image decoding/encoding for the CLI and the tests: JPEG via jpeg-js, PNG via pngjs
 * (pure JS, no native build). Browser decoding is the app's business.
 */
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../mae/index.ts';

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/**
 * jpeg-js keeps the whole decoded image plus its component planes in memory; 1 GB covers a
 * ~100 MP photo and stops a hostile file from eating the machine. 100 MP is jpeg-js' own default.
 */
const JPEG_LIMITS = { maxMemoryUsageInMB: 1024, maxResolutionInMP: 100 };

function isJpeg(b: Uint8Array): boolean {
  return b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

function isPng(b: Uint8Array): boolean {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return b.length > 8 && sig.every((v, i) => b[i] === v);
}

/**
 * Decodes by content (magic bytes), not by file extension, so a mislabelled file still works and
 * anything else fails with a message that says what was expected.
 */
export function decodeImage(bytes: Uint8Array, label = ''): RgbaImage {
  const at = label ? `${label}: ` : '';
  if (isJpeg(bytes)) {
    try {
      const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, ...JPEG_LIMITS });
      return { width: d.width, height: d.height, data: new Uint8ClampedArray(d.data.buffer, d.data.byteOffset, d.data.byteLength) };
    } catch (e) {
      throw new ImageDecodeError(`${at}broken or unsupported JPEG (${(e as Error).message})`);
    }
  }
  if (isPng(bytes)) {
    try {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return {
        width: png.width,
        height: png.height,
        data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength),
      };
    } catch (e) {
      throw new ImageDecodeError(`${at}broken or unsupported PNG (${(e as Error).message})`);
    }
  }
  throw new ImageDecodeError(`${at}not a JPEG or PNG file (only .jpg/.jpeg and .png are supported)`);
}

export function encodePng(img: RgbaImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

/** Panels side by side with a white gap, for --sheet. */
export function sideBySide(images: readonly RgbaImage[], gap = 4): RgbaImage {
  const height = Math.max(...images.map((i) => i.height));
  const width = images.reduce((w, i) => w + i.width, 0) + gap * (images.length - 1);
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  let x0 = 0;
  for (const img of images) {
    for (let y = 0; y < img.height; y++) {
      data.set(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4), (y * width + x0) * 4);
    }
    x0 += img.width + gap;
  }
  return { width, height, data };
}

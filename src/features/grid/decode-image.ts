/// <reference lib="webworker" />
/**
 * Decoding whatever a person drops on the page, in the worker. The bytes are sniffed first
 * (src/mae/image-sniff.ts): files that are not images get a message saying what they are, files
 * over the limits are refused before any pixel is decoded, and a failed decode is explained
 * (truncated JPEG, PNG chunk with a bad checksum, ...).
 *
 * Size: up to PRESCALE_ABOVE pixels on the shorter side the browser decodes at full size and the
 * core's Pillow-exact resize sees the original pixels. Larger photos are decoded downscaled:
 * JPEGs through WebCodecs' ImageDecoder with a desired size, which makes libjpeg decode at 1/2,
 * 1/4 or 1/8 scale (a 12000x9000 photo becomes 1500x1125 without ever holding its 108 million
 * pixels); other formats through createImageBitmap's resize (full decode inside the browser, then
 * scaled; capped by DEFAULT_DECODE_LIMITS.maxPixels).
 */
import {
  DEFAULT_DECODE_LIMITS,
  decodeFailureMessage,
  refuseBeforeDecode,
  sniffImage,
  type ImageKind,
  type ImageProbe,
  type RgbaImage,
} from '../../mae/index.ts';

export const PRESCALE_ABOVE = 2048;
export const PRESCALE_TO = 896;

/** A file that will not become pixels; `message` names the file and says why. */
export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

export type DecodeMethod = 'bitmap' | 'bitmap-resized' | 'image-decoder';

export interface DecodedImage {
  rgba: RgbaImage;
  kind: ImageKind;
  /** Full size as displayed (EXIF orientation applied). */
  sourceWidth: number;
  sourceHeight: number;
  /** How it was decoded; `rgba` is the size actually held in memory. */
  method: DecodeMethod;
  /** Some pixel is not fully opaque (it will be composited on white). */
  transparent: boolean;
  /** GIF frame count from the header (the first frame is used), null for other kinds. */
  frames: number | null;
}

function prescaleSize(w: number, h: number): { width: number; height: number } {
  const scale = PRESCALE_TO / Math.min(w, h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

async function jpegScaledDecodeAvailable(): Promise<boolean> {
  if (typeof ImageDecoder !== 'function') return false;
  try {
    return await ImageDecoder.isTypeSupported('image/jpeg');
  } catch {
    return false;
  }
}

function context2d(width: number, height: number): OffscreenCanvasRenderingContext2D {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('No 2D canvas in this worker.');
  return ctx;
}

function pixelsOf(source: CanvasImageSource, width: number, height: number, drawW = width, drawH = height): RgbaImage {
  const ctx = context2d(drawW, drawH);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, drawW, drawH);
  const id = ctx.getImageData(0, 0, drawW, drawH);
  return { width: id.width, height: id.height, data: id.data };
}

function hasTransparency(img: RgbaImage): boolean {
  const d = img.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return true;
  return false;
}

/**
 * The smallest size libjpeg decodes `w`×`h` at (scale k/8, k = 1…8, each side rounded up) whose
 * shorter side still reaches PRESCALE_TO. ImageDecoder's desiredWidth/Height must be one of these:
 * Debian's Chromium 150 refuses any other size with an EncodingError (12000×9000 at 1195×896 fails,
 * at 1500×1125 decodes; measured 2026-12-06), where 156 rounded it to one of them.
 */
export function jpegScaledSize(w: number, h: number): { width: number; height: number } {
  for (let k = 1; k <= 8; k++) {
    const width = Math.ceil((w * k) / 8);
    const height = Math.ceil((h * k) / 8);
    if (Math.min(width, height) >= PRESCALE_TO) return { width, height };
  }
  return { width: w, height: h };
}

/** JPEG through ImageDecoder at (about) the prescale size; orientation is applied by drawImage. */
async function decodeScaledJpeg(bytes: Uint8Array<ArrayBuffer>, p: ImageProbe): Promise<RgbaImage> {
  // libjpeg scales the stored (coded) image: its sides are the displayed ones swapped for EXIF 5–8.
  // Whether a decoder takes the desired size before or after orientation is not specified: the
  // coded one first, then the other.
  const w = p.width ?? PRESCALE_TO;
  const h = p.height ?? PRESCALE_TO;
  const coded = p.orientation >= 5 ? jpegScaledSize(h, w) : jpegScaledSize(w, h);
  const sizes = [coded, { width: coded.height, height: coded.width }];
  let failure: unknown = null;
  for (const want of coded.width === coded.height ? sizes.slice(0, 1) : sizes) {
    try {
      return await decodeJpegAt(bytes, want);
    } catch (e) {
      failure = e;
    }
  }
  throw failure;
}

async function decodeJpegAt(bytes: Uint8Array<ArrayBuffer>, want: { width: number; height: number }): Promise<RgbaImage> {
  const decoder = new ImageDecoder({ data: bytes, type: 'image/jpeg', desiredWidth: want.width, desiredHeight: want.height });
  try {
    const { image } = await decoder.decode({ frameIndex: 0 });
    try {
      const w = image.displayWidth;
      const h = image.displayHeight;
      // libjpeg scales by 1/2, 1/4 or 1/8 at most; draw anything still large at the prescale size.
      if (Math.min(w, h) > PRESCALE_ABOVE) {
        const s = prescaleSize(w, h);
        return pixelsOf(image, w, h, s.width, s.height);
      }
      return pixelsOf(image, w, h);
    } finally {
      image.close();
    }
  } finally {
    decoder.close();
  }
}

async function decodeWithBitmap(blob: Blob, p: ImageProbe): Promise<{ rgba: RgbaImage; resized: boolean; width: number; height: number }> {
  let bitmap: ImageBitmap;
  let resized = false;
  let width = p.width ?? 0;
  let height = p.height ?? 0;
  if (p.width !== null && p.height !== null && Math.min(p.width, p.height) > PRESCALE_ABOVE) {
    const s = prescaleSize(p.width, p.height);
    bitmap = await createImageBitmap(blob, {
      imageOrientation: 'from-image',
      resizeWidth: s.width,
      resizeHeight: s.height,
      resizeQuality: 'high',
    });
    resized = true;
  } else {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    width = bitmap.width;
    height = bitmap.height;
    if (Math.min(bitmap.width, bitmap.height) > PRESCALE_ABOVE) {
      // The header did not say how large it is (e.g. AVIF): decode again, scaled.
      const s = prescaleSize(bitmap.width, bitmap.height);
      bitmap.close();
      bitmap = await createImageBitmap(blob, {
        imageOrientation: 'from-image',
        resizeWidth: s.width,
        resizeHeight: s.height,
        resizeQuality: 'high',
      });
      resized = true;
    }
  }
  try {
    if (bitmap.width === 0 || bitmap.height === 0) throw new Error('empty bitmap');
    return { rgba: pixelsOf(bitmap, bitmap.width, bitmap.height), resized, width, height };
  } finally {
    bitmap.close();
  }
}

const SNIFF_BYTES = 256 * 1024;

/**
 * Bytes → RGBA pixels (or an ImageDecodeError whose message names the file and the problem).
 * `full` size: the displayed size from the header, or the decoded size when the header has none.
 */
export async function decodeImageFile(blob: Blob, name: string, limits = DEFAULT_DECODE_LIMITS): Promise<DecodedImage> {
  const tooBig = blob.size > limits.maxBytes;
  // A file over the byte limit is never read whole: its head says what it is.
  const bytes = new Uint8Array(await (tooBig ? blob.slice(0, SNIFF_BYTES) : blob).arrayBuffer());
  const p = sniffImage(bytes);
  const scaled = p.kind === 'jpeg' && (await jpegScaledDecodeAvailable());
  const refusal = refuseBeforeDecode(name, p, blob.size, scaled, limits);
  if (refusal) throw new ImageDecodeError(refusal);

  let rgba: RgbaImage;
  let method: DecodeMethod;
  let sourceWidth = p.width ?? 0;
  let sourceHeight = p.height ?? 0;
  try {
    const large = p.width !== null && p.height !== null && Math.min(p.width, p.height) > PRESCALE_ABOVE;
    if (large && scaled) {
      rgba = await decodeScaledJpeg(bytes, p);
      method = 'image-decoder';
    } else {
      const r = await decodeWithBitmap(blob, p);
      rgba = r.rgba;
      method = r.resized ? 'bitmap-resized' : 'bitmap';
      sourceWidth = r.width;
      sourceHeight = r.height;
    }
  } catch {
    throw new ImageDecodeError(decodeFailureMessage(name, bytes, p));
  }
  return { rgba, kind: p.kind, sourceWidth, sourceHeight, method, transparent: hasTransparency(rgba), frames: p.frames };
}

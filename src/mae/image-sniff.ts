/**
 * What is this file, really? Reads the first bytes (and a little structure) of anything a person
 * drops on the page, so that a text file named ".jpg", a PDF, an SVG, an empty file or a cut-off
 * download gets a message that says what it is, and so that a huge photo's size is known before
 * any pixel is decoded. Pure and synchronous: no DOM, no decoding of pixel data.
 */
import { crc32 } from './crc32.ts';
import { formatBytes } from './format-bytes.ts';

export type ImageKind =
  'jpeg' | 'png' | 'gif' | 'webp' | 'bmp' | 'ico' | 'avif' | 'heic' | 'tiff' | 'svg' | 'pdf' | 'html' | 'text' | 'empty' | 'unknown';

/** Kinds a browser decodes with createImageBitmap (HEIC and TIFF are listed so they can be named). */
export const RASTER_KINDS: readonly ImageKind[] = ['jpeg', 'png', 'gif', 'webp', 'bmp', 'ico', 'avif', 'heic', 'tiff'];

export interface ImageProbe {
  kind: ImageKind;
  /** MIME type of a raster kind ("image/jpeg"), null otherwise. */
  mime: string | null;
  /** Size as displayed (EXIF orientation applied), when the header says; null when unknown. */
  width: number | null;
  height: number | null;
  /** EXIF orientation 1–8 (JPEG); 1 when absent. 5–8 swap width and height. */
  orientation: number;
  /** The file ends before the format's end marker (JPEG EOI after the scan, PNG IEND). */
  truncated: boolean;
  /** GIF: number of frames (image descriptors); null for other kinds. */
  frames: number | null;
  /** JPEG: colour components (1 grey, 3 YCbCr, 4 CMYK/YCCK); PNG: bits per sample. */
  components: number | null;
  bitDepth: number | null;
  /** PNG colour type 4 or 6, or a tRNS chunk; WebP VP8X alpha flag. */
  alphaChannel: boolean;
}

const MIME: Partial<Record<ImageKind, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  avif: 'image/avif',
  heic: 'image/heic',
  tiff: 'image/tiff',
};

function probe(kind: ImageKind, extra: Partial<ImageProbe> = {}): ImageProbe {
  return {
    kind,
    mime: MIME[kind] ?? null,
    width: null,
    height: null,
    orientation: 1,
    truncated: false,
    frames: null,
    components: null,
    bitDepth: null,
    alphaChannel: false,
    ...extra,
  };
}

function ascii(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}
function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
function u24le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
}
function i32le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
}

// ---- JPEG --------------------------------------------------------------------------------------

/** EXIF orientation from an APP1 "Exif\0\0" payload (TIFF header at `tiff`). */
function exifOrientation(b: Uint8Array, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const le = b[tiff] === 0x49 && b[tiff + 1] === 0x49;
  const be = b[tiff] === 0x4d && b[tiff + 1] === 0x4d;
  if (!le && !be) return 1;
  const r16 = (i: number): number => (le ? u16le(b, i) : u16be(b, i));
  const r32 = (i: number): number => (le ? (u16le(b, i) | (u16le(b, i + 2) << 16)) >>> 0 : u32be(b, i));
  const ifd = tiff + r32(tiff + 4);
  if (ifd + 2 > end) return 1;
  const n = r16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > end) break;
    if (r16(e) === 0x0112) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function sniffJpeg(b: Uint8Array): ImageProbe {
  let i = 2;
  let width: number | null = null;
  let height: number | null = null;
  let components: number | null = null;
  let orientation = 1;
  let sos = -1;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) break; // lost sync: leave the rest to the decoder
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const len = u16be(b, i + 2);
    const seg = i + 4;
    const end = Math.min(b.length, i + 2 + len);
    if (marker === 0xe1 && ascii(b, seg, 4) === 'Exif' && b[seg + 4] === 0 && b[seg + 5] === 0) {
      orientation = exifOrientation(b, seg + 6, end);
    } else if (SOF_MARKERS.has(marker) && seg + 6 <= b.length) {
      height = u16be(b, seg + 1);
      width = u16be(b, seg + 3);
      components = b[seg + 5];
    } else if (marker === 0xda) {
      sos = i;
      break;
    } else if (marker === 0xd9) {
      break;
    }
    i += 2 + len;
  }
  // Inside entropy-coded data 0xFF is always followed by 0x00 or a restart marker, so an FF D9
  // after the start of scan is the end-of-image marker (trailing bytes after it are allowed).
  let eoi = false;
  if (sos >= 0) {
    for (let k = b.length - 2; k > sos; k--) {
      if (b[k] === 0xff && b[k + 1] === 0xd9) {
        eoi = true;
        break;
      }
    }
  }
  const swap = orientation >= 5;
  return probe('jpeg', {
    width: swap ? height : width,
    height: swap ? width : height,
    orientation,
    components,
    truncated: !eoi,
  });
}

// ---- PNG ---------------------------------------------------------------------------------------

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function sniffPng(b: Uint8Array): ImageProbe {
  if (b.length < 33 || ascii(b, 12, 4) !== 'IHDR') return probe('png', { truncated: b.length < 33 });
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = b[24];
  const colourType = b[25];
  let alpha = colourType === 4 || colourType === 6;
  let i = 8;
  let iend = false;
  while (i + 8 <= b.length) {
    const len = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    if (type === 'tRNS') alpha = true;
    if (type === 'IEND') {
      iend = true;
      break;
    }
    i += 12 + len;
  }
  return probe('png', { width, height, bitDepth, alphaChannel: alpha, truncated: !iend || i + 12 > b.length });
}

/** The first PNG chunk whose CRC is wrong or that runs past the end of the file, or null. */
export function pngDamage(b: Uint8Array): string | null {
  let i = 8;
  while (i + 8 <= b.length) {
    const len = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    if (i + 12 + len > b.length) return `chunk ${type} runs past the end of the file`;
    if (crc32(b, i + 4, i + 8 + len) !== u32be(b, i + 8 + len)) return `chunk ${type} fails its checksum`;
    if (type === 'IEND') return null;
    i += 12 + len;
  }
  return 'the file ends before its last chunk';
}

// ---- GIF, WebP, BMP, ICO, ISO-BMFF -------------------------------------------------------------

function sniffGif(b: Uint8Array): ImageProbe {
  if (b.length < 13) return probe('gif', { truncated: true });
  const width = u16le(b, 6);
  const height = u16le(b, 8);
  let i = 13;
  if (b[10] & 0x80) i += 3 * (1 << ((b[10] & 7) + 1));
  let frames = 0;
  let trailer = false;
  const skipSubBlocks = (): void => {
    while (i < b.length && b[i] !== 0) i += b[i] + 1;
    i += 1;
  };
  while (i < b.length) {
    const t = b[i];
    if (t === 0x3b) {
      trailer = true;
      break;
    } else if (t === 0x21) {
      i += 2;
      skipSubBlocks();
    } else if (t === 0x2c) {
      frames += 1;
      if (i + 10 > b.length) break;
      const flags = b[i + 9];
      i += 10;
      if (flags & 0x80) i += 3 * (1 << ((flags & 7) + 1));
      i += 1; // LZW minimum code size
      skipSubBlocks();
    } else {
      break; // unknown block: stop counting
    }
  }
  return probe('gif', { width, height, frames, truncated: !trailer && frames === 0 });
}

function sniffWebp(b: Uint8Array): ImageProbe {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) {
    return probe('webp', { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, alphaChannel: (b[20] & 0x10) !== 0 });
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const v = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return probe('webp', { width: (v & 0x3fff) + 1, height: ((v >>> 14) & 0x3fff) + 1, alphaChannel: ((v >>> 28) & 1) === 1 });
  }
  if (chunk === 'VP8 ' && b.length >= 30) return probe('webp', { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff });
  return probe('webp');
}

function sniffBmp(b: Uint8Array): ImageProbe {
  if (b.length < 26) return probe('bmp', { truncated: true });
  return probe('bmp', { width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) });
}

// ---- text-like files ---------------------------------------------------------------------------

/** True when the first bytes read as text (UTF-8/ASCII without control characters). */
function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 0) return false;
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c !== 127)) printable += 1;
  }
  return printable / n > 0.95;
}

function textHead(b: Uint8Array): string {
  let start = 0;
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) start = 3; // UTF-8 BOM
  return ascii(b, start, 1024).toLowerCase();
}

/** Sniffs the kind and header facts of a file from its bytes. */
export function sniffImage(b: Uint8Array): ImageProbe {
  if (b.length === 0) return probe('empty');
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return sniffJpeg(b);
  if (b.length >= 8 && PNG_SIGNATURE.every((v, i) => b[i] === v)) return sniffPng(b);
  const head6 = ascii(b, 0, 6);
  if (head6 === 'GIF87a' || head6 === 'GIF89a') return sniffGif(b);
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return sniffWebp(b);
  if (ascii(b, 0, 2) === 'BM' && b.length >= 14) return sniffBmp(b);
  if (b.length >= 6 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0 && b[4] + b[5] > 0) {
    return probe('ico', { width: b[6] || 256, height: b[7] || 256 });
  }
  if (ascii(b, 4, 4) === 'ftyp') {
    const brand = ascii(b, 8, 4);
    if (brand === 'avif' || brand === 'avis') return probe('avif');
    if (['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return probe('heic');
  }
  const h4 = ascii(b, 0, 4);
  if (h4 === 'II*\0' || h4 === 'MM\0*') return probe('tiff');
  if (ascii(b, 0, 5) === '%PDF-') return probe('pdf');
  if (looksLikeText(b)) {
    const t = textHead(b).trimStart();
    if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/.test(t)) return probe('svg');
    if (t.startsWith('<!doctype html') || t.startsWith('<html')) return probe('html');
    if (t.includes('<svg') && t.includes('xmlns')) return probe('svg');
    return probe('text');
  }
  return probe('unknown');
}

// ---- messages ----------------------------------------------------------------------------------

const KIND_LABEL: Record<ImageKind, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  gif: 'GIF',
  webp: 'WebP',
  bmp: 'BMP',
  ico: 'icon (ICO)',
  avif: 'AVIF',
  heic: 'HEIC/HEIF',
  tiff: 'TIFF',
  svg: 'SVG',
  pdf: 'PDF',
  html: 'HTML',
  text: 'text',
  empty: 'empty',
  unknown: 'unknown',
};

export function kindLabel(kind: ImageKind): string {
  return KIND_LABEL[kind];
}

const TRY = 'try JPEG, PNG, WebP, GIF, BMP or AVIF';

/** Limits on what the app will try to decode. */
export interface DecodeLimits {
  /** Largest file, bytes. */
  maxBytes: number;
  /** Largest image, pixels, when the decoder can only decode at full size. */
  maxPixels: number;
  /** Largest image, pixels, for kinds the browser can decode downscaled (JPEG with ImageDecoder). */
  maxPixelsScaled: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxBytes: 100e6,
  maxPixels: 120e6,
  maxPixelsScaled: 600e6,
};

/**
 * The message for a file that should not even be handed to a decoder, or null when decoding is
 * worth a try. `scaledDecode` says whether this kind can be decoded downscaled here.
 */
export function refuseBeforeDecode(
  name: string,
  p: ImageProbe,
  bytes: number,
  scaledDecode = false,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): string | null {
  const q = `“${name}”`;
  switch (p.kind) {
    case 'empty':
      return `${q} is empty (0 bytes): there is no picture in it.`;
    case 'pdf':
      return `${q} is a PDF document, not an image.`;
    case 'html':
      return `${q} is a web page (HTML), not an image.`;
    case 'text':
      return `${q} is a text file, not an image.`;
    case 'svg':
      return `${q} is an SVG drawing: vector images are not supported here. Export it as PNG or JPEG.`;
    case 'unknown':
      return `${q} is not an image this browser can read (${TRY}).`;
    default:
      break;
  }
  if (bytes > limits.maxBytes) {
    return `${q} is too large a file (${formatBytes(bytes)}; the limit is ${formatBytes(limits.maxBytes)}).`;
  }
  if (p.width !== null && p.height !== null) {
    if (p.width === 0 || p.height === 0)
      return `${q} is a ${kindLabel(p.kind)} of ${p.width}×${p.height} pixels: there is no picture in it.`;
    const px = p.width * p.height;
    const limit = scaledDecode ? limits.maxPixelsScaled : limits.maxPixels;
    if (px > limit) {
      return `${q} is too large: ${p.width}×${p.height} pixels (${(px / 1e6).toFixed(0)} megapixels; the limit is ${(limit / 1e6).toFixed(0)}).`;
    }
  }
  return null;
}

/** The message for a file the browser failed to decode, as specific as its bytes allow. */
export function decodeFailureMessage(name: string, b: Uint8Array, p: ImageProbe = sniffImage(b)): string {
  const q = `“${name}”`;
  const early = refuseBeforeDecode(name, p, 0);
  if (early) return early;
  switch (p.kind) {
    case 'jpeg':
      return p.truncated
        ? `${q} is a truncated JPEG: the file ends (at ${formatBytes(b.length)}) before the image does. Copy or download it again.`
        : `${q} is a damaged JPEG: the browser could not decode its image data.`;
    case 'png': {
      const damage = pngDamage(b);
      if (damage === 'the file ends before its last chunk' || (damage?.includes('past the end') ?? false)) {
        return `${q} is a truncated PNG: ${damage}. Copy or download it again.`;
      }
      return damage ? `${q} is a damaged PNG: ${damage}.` : `${q} is a damaged PNG: the browser could not decode its pixel data.`;
    }
    case 'heic':
      return `${q} is a HEIC/HEIF photo, which this browser cannot decode. Export it as JPEG.`;
    case 'tiff':
      return `${q} is a TIFF image, which browsers cannot decode. Save it as JPEG or PNG.`;
    case 'avif':
    case 'webp':
      return `${q} is a ${kindLabel(p.kind)} image this browser could not decode (damaged, or a variant it does not support).`;
    default:
      return `${q} is a damaged ${kindLabel(p.kind)} file: the browser could not decode it.`;
  }
}

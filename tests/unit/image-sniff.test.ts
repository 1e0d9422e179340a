import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { crc32, decodeFailureMessage, pngDamage, refuseBeforeDecode, sniffImage } from '../../src/mae/index.ts';
import { ROOT } from './support.ts';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(`${ROOT}e2e/fixtures/images/${name}`));

describe('sniffImage: what a dropped file really is', () => {
  it('reads JPEG size and knows a complete file from a cut-off one', () => {
    const full = new Uint8Array(readFileSync(`${ROOT}public/samples/goldfinch.jpg`));
    const p = sniffImage(full);
    expect(p.kind).toBe('jpeg');
    expect(p.mime).toBe('image/jpeg');
    expect(p.width).toBeGreaterThan(0);
    expect(p.components).toBe(3);
    expect(p.truncated).toBe(false);
    // Trailing bytes after the end-of-image marker are allowed.
    expect(sniffImage(new Uint8Array([...full, 0, 0, 0x41])).truncated).toBe(false);
    for (const cut of [0.4, 0.9, 0.999]) {
      const t = sniffImage(full.subarray(0, Math.floor(full.length * cut)));
      expect(t.kind, `cut at ${cut}`).toBe('jpeg');
      expect(t.truncated, `cut at ${cut}`).toBe(true);
    }
    expect(sniffImage(fixture('truncated.jpg')).truncated).toBe(true);
  });

  it('applies EXIF orientation to the size (orientation 6: stored 200x120, shown 120x200)', () => {
    const p = sniffImage(fixture('exif-rotated.jpg'));
    expect(p.orientation).toBe(6);
    expect([p.width, p.height]).toEqual([120, 200]);
  });

  it('reads CMYK JPEG components, PNG depth and alpha, GIF frames', () => {
    expect(sniffImage(fixture('cmyk.jpg')).components).toBe(4);
    const deep = sniffImage(fixture('deep-16bit.png'));
    expect([deep.kind, deep.width, deep.height, deep.bitDepth, deep.alphaChannel]).toEqual(['png', 64, 64, 16, false]);
    const alpha = sniffImage(fixture('alpha.png'));
    expect([alpha.width, alpha.height, alpha.alphaChannel, alpha.truncated]).toEqual([100, 100, true, false]);
    const gif = sniffImage(fixture('animated.gif'));
    expect([gif.kind, gif.width, gif.height, gif.frames]).toEqual(['gif', 64, 64, 3]);
    expect([sniffImage(fixture('pixel-1x1.png')).width, sniffImage(fixture('thin-4x3000.png')).height]).toEqual([1, 3000]);
  });

  it('names files that are not images whatever their name says', () => {
    expect(sniffImage(fixture('empty.jpg')).kind).toBe('empty');
    expect(sniffImage(fixture('notes-text.jpg')).kind).toBe('text');
    expect(sniffImage(fixture('report-pdf.jpg')).kind).toBe('pdf');
    expect(sniffImage(fixture('drawing.svg')).kind).toBe('svg');
    expect(sniffImage(new TextEncoder().encode('<?xml version="1.0"?>\n<!-- x -->\n<svg width="1"/>')).kind).toBe('svg');
    expect(sniffImage(new TextEncoder().encode('<!DOCTYPE html><html><body>404</body></html>')).kind).toBe('html');
    expect(sniffImage(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0xff, 0x80, 1])).kind).toBe('unknown');
    expect(sniffImage(new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypheic')])).kind).toBe('heic');
    expect(sniffImage(new TextEncoder().encode('II*\0rest')).kind).toBe('tiff');
  });

  it('reads WebP and BMP sizes', () => {
    // VP8L header: 1-based 14-bit width and height packed little-endian after the 0x2f signature.
    const w = 300;
    const h = 17;
    const v = (w - 1) | ((h - 1) << 14);
    const webp = new Uint8Array(30);
    webp.set(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8L'), 0);
    webp[20] = 0x2f;
    webp.set([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff], 21);
    expect(sniffImage(webp)).toMatchObject({ kind: 'webp', width: 300, height: 17 });
    const bmp = new Uint8Array(54);
    bmp.set([0x42, 0x4d], 0);
    new DataView(bmp.buffer).setInt32(18, 40, true);
    new DataView(bmp.buffer).setInt32(22, -30, true); // top-down BMP
    expect(sniffImage(bmp)).toMatchObject({ kind: 'bmp', width: 40, height: 30 });
  });
});

describe('messages next to a file', () => {
  const msg = (name: string) => refuseBeforeDecode(name, sniffImage(fixture(name)), fixture(name).length);

  it('refuses non-images before decoding, naming what they are', () => {
    expect(msg('empty.jpg')).toBe('“empty.jpg” is empty (0 bytes): there is no picture in it.');
    expect(msg('notes-text.jpg')).toBe('“notes-text.jpg” is a text file, not an image.');
    expect(msg('report-pdf.jpg')).toBe('“report-pdf.jpg” is a PDF document, not an image.');
    expect(msg('drawing.svg')).toMatch(/^“drawing.svg” is an SVG drawing: vector images are not supported/);
    expect(msg('alpha.png')).toBeNull();
    expect(msg('truncated.jpg')).toBeNull(); // worth a try: some decoders show the part that is there
  });

  it('refuses images over the pixel and byte limits, with the numbers', () => {
    const p = { ...sniffImage(fixture('pixel-1x1.png')), width: 30000, height: 20000 };
    expect(refuseBeforeDecode('huge.png', p, 5000)).toBe('“huge.png” is too large: 30000×20000 pixels (600 megapixels; the limit is 120).');
    expect(refuseBeforeDecode('huge.jpg', { ...p, kind: 'jpeg', width: 16000, height: 12000 }, 5000, false)).toMatch(
      /192 megapixels; the limit is 120\)/,
    );
    // The same JPEG is fine where the browser decodes it downscaled.
    expect(refuseBeforeDecode('huge.jpg', { ...p, kind: 'jpeg', width: 16000, height: 12000 }, 5000, true)).toBeNull();
    expect(refuseBeforeDecode('photo.png', { ...p, width: 12000, height: 9000 }, 5000, false)).toBeNull();
    expect(refuseBeforeDecode('big.png', sniffImage(fixture('alpha.png')), 200e6)).toBe(
      '“big.png” is too large a file (200 MB; the limit is 100 MB).',
    );
  });

  it('explains a failed decode by what is wrong with the bytes', () => {
    expect(decodeFailureMessage('truncated.jpg', fixture('truncated.jpg'))).toMatch(
      /^“truncated.jpg” is a truncated JPEG: the file ends \(at 2\.4 KB\) before the image does/, // 2400 bytes
    );
    expect(decodeFailureMessage('corrupt.png', fixture('corrupt.png'))).toBe(
      '“corrupt.png” is a damaged PNG: chunk IDAT fails its checksum.',
    );
    const png = fixture('alpha.png');
    expect(decodeFailureMessage('cut.png', png.subarray(0, png.length - 20))).toMatch(
      /^“cut.png” is a truncated PNG: chunk IDAT runs past the end/,
    );
    expect(decodeFailureMessage('x.heic', new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypheic')]))).toMatch(
      /HEIC\/HEIF photo/,
    );
    expect(decodeFailureMessage('notes-text.jpg', fixture('notes-text.jpg'))).toBe('“notes-text.jpg” is a text file, not an image.');
  });

  it('checks PNG chunks with the zlib CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const ok = new Uint8Array(PNG.sync.write(new PNG({ width: 3, height: 2 })));
    expect(pngDamage(ok)).toBeNull();
    expect(pngDamage(fixture('corrupt.png'))).toBe('chunk IDAT fails its checksum');
  });
});

/**
 * A live frame as an uncompressed 24-bit BMP: the worker's decode path takes encoded files, and a
 * BMP is written in about a millisecond, where the browser's PNG encoder took 150 ms per 448 × 336
 * frame on a busy 2-core machine (docs/BENCHMARKS.md, "Live camera"). Lossless, no alpha (a camera
 * frame has none), rows bottom-up and padded to 4 bytes as the format wants.
 */
const FILE_HEADER = 14;
const INFO_HEADER = 40;

export function rgbaToBmp(width: number, height: number, rgba: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0))
    throw new Error(`Bad BMP size ${width}×${height}.`);
  if (rgba.length !== width * height * 4) throw new Error(`RGBA data of ${rgba.length} bytes for a ${width}×${height} image.`);
  const stride = Math.ceil((width * 3) / 4) * 4;
  const offset = FILE_HEADER + INFO_HEADER;
  const size = offset + stride * height;
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  out[0] = 0x42; // 'B'
  out[1] = 0x4d; // 'M'
  v.setUint32(2, size, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, INFO_HEADER, true);
  v.setInt32(18, width, true);
  v.setInt32(22, height, true); // positive: bottom-up rows
  v.setUint16(26, 1, true); // planes
  v.setUint16(28, 24, true); // bits per pixel
  v.setUint32(30, 0, true); // BI_RGB, no compression
  v.setUint32(34, stride * height, true);
  v.setInt32(38, 2835, true); // 72 dpi
  v.setInt32(42, 2835, true);
  for (let y = 0; y < height; y++) {
    let d = offset + (height - 1 - y) * stride;
    let s = y * width * 4;
    for (let x = 0; x < width; x++, s += 4, d += 3) {
      out[d] = rgba[s + 2];
      out[d + 1] = rgba[s + 1];
      out[d + 2] = rgba[s];
    }
  }
  return out;
}

/**
 * Byte ranges of a Blob (a File from the page, or `fs.openAsBlob` in Node): only the ranges asked
 * for are read, never the whole file.
 */
import { WeightsError } from './errors.ts';

export async function readRange(blob: Blob, start: number, end: number, fileName: string): Promise<Uint8Array> {
  if (start < 0 || end > blob.size || start > end) {
    throw new WeightsError(`${fileName} is cut short: it needs bytes ${start}–${end} but is only ${blob.size} bytes long (download it again).`);
  }
  try {
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  } catch (e) {
    // A file changed or removed on disk after it was chosen: the browser refuses to read it.
    throw new WeightsError(`${fileName} could not be read (${(e as Error).message}): choose the file again.`);
  }
}

/** Little-endian readers over a byte array; 64-bit values as numbers (exact up to 2^53). */
export class ByteView {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  i32(at: number): number {
    return this.view.getInt32(at, true);
  }
  u64(at: number): number {
    const value = this.view.getBigUint64(at, true);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  }
  f64(at: number, littleEndian: boolean): number {
    return this.view.getFloat64(at, littleEndian);
  }
}

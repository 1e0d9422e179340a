/**
 * Just enough of the zip format to read PyTorch checkpoints (torch >= 1.6 saves an uncompressed zip):
 * the end-of-central-directory record (and its zip64 form for files or offsets past 4 GB), the
 * central directory, and each entry's local header, which says where its bytes start. Only byte
 * ranges are read: the directory at the end, a local header per entry, then whatever the caller
 * asks for. Compressed (deflate) entries are read only when small (data.pkl of a re-zipped file);
 * weights must be stored, since the graphs point at their bytes in the file.
 */
import { ByteView, readRange } from './blob-bytes.ts';
import { crc32 } from '../../../mae/crc32.ts';
import { formatBytes } from '../../../mae/format-bytes.ts';
import { WeightsError } from './errors.ts';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

/** True when the first bytes are a zip local header ("PK\x03\x04"). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** The central directory of `blob`, or a WeightsError saying why there is none. */
export async function readZipDirectory(blob: Blob, fileName: string): Promise<ZipEntry[]> {
  const tailStart = Math.max(0, blob.size - (EOCD_SIZE + MAX_COMMENT));
  const tail = new ByteView(await readRange(blob, tailStart, blob.size, fileName));
  let eocd = -1;
  for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
    if (tail.u32(at) === EOCD_SIGNATURE && at + EOCD_SIZE + tail.u16(at + 20) === tail.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    throw new WeightsError(
      `${fileName} starts like a zip (PyTorch's format) but its end is missing: the file is truncated or damaged (${formatBytes(blob.size)} arrived). Download it again.`,
    );
  }
  let count = tail.u16(eocd + 10);
  let cdSize = tail.u32(eocd + 12);
  let cdOffset = tail.u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // zip64: the real values sit in the zip64 end record that the locator (just before) points to.
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.u32(locatorAt) !== ZIP64_LOCATOR_SIGNATURE) {
      throw new WeightsError(`${fileName} is damaged: its zip directory says zip64 but has no zip64 locator.`);
    }
    const recordOffset = tail.u64(locatorAt + 8);
    const record = new ByteView(await readRange(blob, recordOffset, recordOffset + 56, fileName));
    if (record.u32(0) !== ZIP64_EOCD_SIGNATURE) throw new WeightsError(`${fileName} is damaged: its zip64 directory record is missing.`);
    count = record.u64(32);
    cdSize = record.u64(40);
    cdOffset = record.u64(48);
  }
  if (cdOffset + cdSize > blob.size) {
    throw new WeightsError(`${fileName} is damaged or truncated: its zip directory points past the end of the file.`);
  }
  const cd = new ByteView(await readRange(blob, cdOffset, cdOffset + cdSize, fileName));
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || cd.u32(at) !== CENTRAL_SIGNATURE) {
      throw new WeightsError(`${fileName} is damaged: entry ${i + 1} of ${count} in its zip directory is unreadable.`);
    }
    const nameLength = cd.u16(at + 28);
    const extraLength = cd.u16(at + 30);
    const commentLength = cd.u16(at + 32);
    if (at + 46 + nameLength + extraLength + commentLength > cd.length) {
      throw new WeightsError(`${fileName} is damaged: entry ${i + 1} of its zip directory runs past the directory's end.`);
    }
    const entry: ZipEntry = {
      name: decoder.decode(cd.bytes.subarray(at + 46, at + 46 + nameLength)),
      method: cd.u16(at + 10),
      crc32: cd.u32(at + 16),
      compressedSize: cd.u32(at + 20),
      size: cd.u32(at + 24),
      localHeaderOffset: cd.u32(at + 42),
    };
    readZip64Extra(cd, at + 46 + nameLength, extraLength, entry);
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Replaces the 0xFFFFFFFF placeholders with the 64-bit values of the zip64 extra field (id 1), in its fixed order. */
function readZip64Extra(cd: ByteView, start: number, length: number, entry: ZipEntry): void {
  let at = start;
  while (at + 4 <= start + length) {
    const id = cd.u16(at);
    const size = cd.u16(at + 2);
    if (id === 1) {
      let field = at + 4;
      const next = (): number => {
        const value = cd.u64(field);
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + size;
  }
}

/** Where an entry's bytes start in the file: after its local header, whose extra field may differ from the directory's. */
export async function entryDataStart(blob: Blob, entry: ZipEntry, fileName: string): Promise<number> {
  const header = new ByteView(await readRange(blob, entry.localHeaderOffset, Math.min(blob.size, entry.localHeaderOffset + 30), fileName));
  if (header.length < 30 || header.u32(0) !== LOCAL_SIGNATURE) {
    throw new WeightsError(`${fileName} is damaged: the zip entry ${entry.name} is not where the directory says.`);
  }
  const start = entry.localHeaderOffset + 30 + header.u16(26) + header.u16(28);
  if (start + entry.compressedSize > blob.size) {
    throw new WeightsError(
      `${fileName} is truncated: ${entry.name} needs bytes up to ${start + entry.compressedSize}, the file has ${blob.size}. Download it again.`,
    );
  }
  return start;
}

/** data.pkl of ViT-H is about 100 KB; anything near this is not a state dict (and must not exhaust memory). */
export const MAX_SMALL_ENTRY_BYTES = 64 * 1024 * 1024;

/** An entry's content (decompressed when it is deflated), for small entries such as data.pkl. */
export async function readEntry(blob: Blob, entry: ZipEntry, fileName: string): Promise<Uint8Array> {
  if (entry.size > MAX_SMALL_ENTRY_BYTES || entry.compressedSize > MAX_SMALL_ENTRY_BYTES) {
    throw new WeightsError(
      `${fileName}: its ${entry.name} is ${formatBytes(Math.max(entry.size, entry.compressedSize))}; a state dict's is well under 1 MB. The file is damaged or not a checkpoint of weights.`,
    );
  }
  const start = await entryDataStart(blob, entry, fileName);
  const raw = await readRange(blob, start, start + entry.compressedSize, fileName);
  let data = raw;
  if (entry.method === 8) {
    data = await inflate(raw, entry, fileName);
  } else if (entry.method !== 0) {
    throw new WeightsError(`${fileName}: ${entry.name} uses zip compression method ${entry.method}, which PyTorch never writes.`);
  }
  if (data.length !== entry.size || crc32(data) !== entry.crc32) {
    throw new WeightsError(`${fileName} is damaged: ${entry.name} does not match its checksum. Download the file again.`);
  }
  return data;
}

/** Raw deflate, stopped as soon as the output passes the size the directory declares (no zip bombs). */
async function inflate(raw: Uint8Array, entry: ZipEntry, fileName: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > entry.size) {
        await reader.cancel();
        break;
      }
      parts.push(value);
    }
  } catch (e) {
    throw new WeightsError(`${fileName} is damaged: ${entry.name} does not decompress (${(e as Error).message}).`);
  }
  // what was kept: at most the declared size plus nothing past the chunk that crossed it
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return total > entry.size ? new Uint8Array(0) : out;
}

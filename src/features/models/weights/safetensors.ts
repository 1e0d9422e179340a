/**
 * safetensors: 8 bytes little-endian header length N, N bytes of JSON
 * (`{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`), then the raw data;
 * offsets are relative to the end of the header. The header is checked before any weight is used:
 * its length must be sane, and every tensor must lie inside the file, match dtype × shape, and not
 * overlap another, so a header that lies fails here with a message rather than as garbage weights.
 */
import { ByteView, readRange } from './blob-bytes.ts';
import { formatBytes } from '../../../mae/format-bytes.ts';
import { WeightsError } from './errors.ts';
import type { TensorDtype } from './pickle.ts';
import { expectedBytes, type TensorEntry, type TensorTable } from './tensors.ts';

/** safetensors' own limit for the header (100 MB); real headers are tens of KB. */
const MAX_HEADER_BYTES = 100_000_000;

/** A Map, not an object: the dtype comes from the file, and `'constructor' in {}` is true. */
export const SAFETENSORS_DTYPES: ReadonlyMap<string, TensorDtype> = new Map([
  ['F32', 'float32'],
  ['F16', 'float16'],
  ['BF16', 'bfloat16'],
  ['F64', 'float64'],
  ['I64', 'int64'],
  ['I32', 'int32'],
  ['I16', 'int16'],
  ['I8', 'int8'],
  ['U8', 'uint8'],
  ['BOOL', 'bool'],
]);

/** The first bytes look like safetensors: a plausible header length followed by '{'. */
export function looksLikeSafetensors(head: Uint8Array): boolean {
  if (head.length < 9) return false;
  const n = new ByteView(head).u64(0);
  return n >= 2 && head[8] === 0x7b;
}

export async function readSafetensors(blob: Blob, fileName: string): Promise<TensorTable> {
  const lie = (what: string): never => {
    throw new WeightsError(`${fileName} has a safetensors header that does not match the file: ${what}. The file is damaged or was not written by safetensors.`);
  };
  if (blob.size < 8) lie(`the file is only ${blob.size} bytes long`);
  const headerLength = new ByteView(await readRange(blob, 0, 8, fileName)).u64(0);
  if (headerLength > MAX_HEADER_BYTES) lie(`it claims a header of ${formatBytes(headerLength)} (safetensors allows at most 100 MB)`);
  if (8 + headerLength > blob.size) {
    throw new WeightsError(
      `${fileName} is truncated: its safetensors header alone should be ${formatBytes(headerLength)}, but the file is ${formatBytes(blob.size)}. Download it again.`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await readRange(blob, 8, 8 + headerLength, fileName)));
  } catch (e) {
    lie(`its header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return lie('its header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataBytes = blob.size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
    if (typeof info !== 'object' || info === null) lie(`the entry for ${name} is not an object`);
    const { dtype, shape, data_offsets: offsets } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const type = typeof dtype === 'string' ? SAFETENSORS_DTYPES.get(dtype) : undefined;
    if (type === undefined) return lie(`${name} has the unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) lie(`${name} has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && (o as number) >= 0)) {
      lie(`${name} has no valid data_offsets`);
    }
    const [begin, end] = offsets as number[];
    const want = expectedBytes(type, shape as number[]);
    if (end < begin) lie(`${name} ends (byte ${end}) before it begins (byte ${begin})`);
    if (end - begin !== want) {
      lie(`${name} is ${dtype as string} [${(shape as number[]).join(', ')}], which is ${want} bytes, but its offsets span ${end - begin}`);
    }
    ranges.push({ name, begin, end });
    tensors.set(name, { name, dtype: type, shape: shape as number[], byteOffset: dataStart + begin, byteLength: end - begin });
  }
  const lastEnd = Math.max(0, ...ranges.map((r) => r.end));
  if (lastEnd > dataBytes) {
    const beyond = ranges.filter((r) => r.end > dataBytes).map((r) => r.name);
    throw new WeightsError(
      `${fileName} is truncated (or its header lies): the header places ${formatBytes(lastEnd)} of weights after it, but the file holds ${formatBytes(dataBytes)} ` +
        `(${beyond.length} tensor${beyond.length === 1 ? '' : 's'} past the end, e.g. ${beyond[0]}). Download it again.`,
    );
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < ranges.length; i++) {
    const [a, b] = [ranges[i - 1], ranges[i]];
    if (b.begin < a.end && b.end > b.begin && a.end > a.begin) lie(`${a.name} (bytes ${a.begin}–${a.end}) and ${b.name} (bytes ${b.begin}–${b.end}) overlap`);
  }
  return { container: 'safetensors', tensors };
}

/**
 * The int8 form of an imported model (quantize-int8.ts), made once and kept: the quantized buffers
 * and graphs are written to a cache folder (the browser's private file system in the page, see
 * src/features/models/int8-opfs.ts) so the next load of the same file skips reading and quantizing
 * the whole file (2-7 s for ViT-B/L here, docs/BENCHMARKS.md).
 *
 * Cache key (INT8_CACHE_VERSION, the scheme, and):
 * - a hub download: the SHA-256 the hub lists for the file (checked when it was downloaded);
 * - any other file (dropped or picked): SHA-256 over its name, size, lastModified and its first and
 *   last MiB. Hashing a whole 1.3 GB file takes seconds, which is what the cache is there to save;
 *   a file edited in place keeps neither its size nor its lastModified, and a different checkpoint of
 *   the same size differs in its header (zip directory / safetensors header, first and last MiB).
 *
 * Each entry: `<key>.json` (the record, written last: an entry without it is unfinished), per
 * graph `<key>.<part>.onnx` and `<key>.<part>.bin`, and for a model whose position tables are stored
 * (contract v2 'table': pos-embed.bin) `<key>.positions.bin`. Before use every file's size and SHA-256 is
 * checked against the record, and the graphs against the ones this build makes from the file (a
 * newer builder means a new graph: the entry is rebuilt); anything that does not match is removed
 * and made again. A cache that cannot be written (no private file system, quota full mid-write)
 * loses nothing: the model runs from the buffers in memory and the page says why it will quantize
 * again next time.
 *
 * Pure TypeScript (no DOM): the cache folder is an interface, so Node tests run it on a real folder.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { ModelManifest } from '../../../mae/model-contract.ts';
import { errorText } from '../../../mae/error-text.ts';
import type { MaeWeights } from './architecture.ts';
import { derivedManifest } from './derived-manifest.ts';
import { fillInt8Graphs, planInt8Graphs, type Int8Model, type Int8Plan, type Int8Scheme } from './quantize-int8.ts';

/**
 * Bumped when the entry's layout or meaning changes without the graph bytes changing (2: the
 * buffers' SHA-256 per 32 MiB piece, so they are checked without being held whole in JavaScript).
 */
export const INT8_CACHE_VERSION = 2;
const MIB = 1024 * 1024;
/** The buffers are checked piece by piece: one piece in JavaScript at a time. */
export const INT8_CHECK_PIECE_BYTES = 32 * MIB;

/** A flat folder of files (OPFS in the page, a directory in Node tests). */
export interface CacheDir {
  /** the file, or null when there is none */
  get(name: string): Promise<Blob | null>;
  /** writes (or replaces) the whole file; throws on a full quota */
  put(name: string, data: Uint8Array | string): Promise<void>;
  remove(name: string): Promise<void>;
  /**
   * A synchronous reader of the stored file (the private file system's sync access handle: its
   * reads are far cheaper than a Blob's), or null; closed after use. Optional.
   */
  openReader?(name: string): Promise<{ read(start: number, end: number): Uint8Array; close(): void } | null>;
}

interface PartRecord {
  onnxBytes: number;
  onnxSha256: string;
  dataPath: string;
  dataBytes: number;
  /** SHA-256 of each INT8_CHECK_PIECE_BYTES piece of the buffer, in order */
  dataPieceSha256: string[];
  int8Weights: number;
}

export interface Int8CacheRecord {
  version: number;
  key: string;
  scheme: Int8Scheme;
  /** what the entry was made from, for people reading the folder */
  source: { name: string; size: number; lastModified: number; sha256: string | null };
  /** the int8 model's manifest (so a model whose fp32 file was freed still loads) */
  manifest: ModelManifest;
  encoder: PartRecord;
  decoder: PartRecord;
  /** the model's other file (v2 'table' models: the position tables), under its manifest name */
  positions?: { name: string; bytes: number; sha256: string };
  createdAt: string;
}

/** What the file is to the cache: its bytes, and the hub's SHA-256 when it came from the hub. */
export interface Int8Source {
  file: Blob;
  name: string;
  /** the hub's SHA-256 of the file (hub downloads only) */
  sha256?: string | null;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  // SubtleCrypto is there in secure contexts (https, localhost) and in Node; elsewhere the JS one
  if (subtle) return bytesToHex(new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
  return bytesToHex(nobleSha256(bytes));
}

/** SHA-256 of each `pieceBytes` piece of `data`, read one piece at a time (a Blob is never read whole). */
export async function pieceSha256(
  data: Blob | Uint8Array,
  pieceBytes = INT8_CHECK_PIECE_BYTES,
  read?: (start: number, end: number) => Uint8Array,
): Promise<string[]> {
  const size = data instanceof Blob ? data.size : data.length;
  const out: string[] = [];
  for (let at = 0; at < size || (size === 0 && out.length === 0); at += pieceBytes) {
    const end = Math.min(size, at + pieceBytes);
    // digest() copies its input when called: a reader may hand out views of one buffer
    const piece = !(data instanceof Blob) ? data.subarray(at, end) : read ? read(at, end) : new Uint8Array(await data.slice(at, end).arrayBuffer());
    out.push(await sha256Hex(piece));
  }
  return out;
}

/** The cache key of a hub download (its SHA-256): known without reading the file, so a freed file's int8 copy can still be found. */
export function int8KeyForSha(sha256: string, scheme: Int8Scheme = 'per-channel'): string {
  return `int8-v${INT8_CACHE_VERSION}-${scheme}-sha-${sha256}`;
}

/** The cache key of `source` with `scheme` (see the header for what it covers). */
export async function int8CacheKey(source: Int8Source, scheme: Int8Scheme): Promise<string> {
  const prefix = `int8-v${INT8_CACHE_VERSION}-${scheme}`;
  if (source.sha256 && /^[0-9a-f]{64}$/.test(source.sha256)) return int8KeyForSha(source.sha256, scheme);
  const f = source.file;
  const lastModified = (f as Partial<File>).lastModified ?? 0;
  const head = new Uint8Array(await f.slice(0, Math.min(f.size, MIB)).arrayBuffer());
  const tail = new Uint8Array(await f.slice(Math.max(0, f.size - MIB), f.size).arrayBuffer());
  const label = new TextEncoder().encode(`${source.name}\n${f.size}\n${lastModified}\n`);
  const all = new Uint8Array(label.length + head.length + tail.length);
  all.set(label, 0);
  all.set(head, label.length);
  all.set(tail, label.length + head.length);
  return `${prefix}-file-${(await sha256Hex(all)).slice(0, 40)}`;
}

const PARTS = ['encoder', 'decoder'] as const;
type Part = (typeof PARTS)[number];
const fileNames = (key: string) => ({
  record: `${key}.json`,
  onnx: (p: Part) => `${key}.${p}.onnx`,
  data: (p: Part) => `${key}.${p}.bin`,
  positions: `${key}.positions.bin`,
});

export async function removeInt8Entry(dir: CacheDir, key: string): Promise<void> {
  const names = fileNames(key);
  // the record first: a half-removed entry is an unfinished one, never a damaged one read as whole
  await dir.remove(names.record).catch(() => undefined);
  for (const p of PARTS) {
    await dir.remove(names.onnx(p)).catch(() => undefined);
    await dir.remove(names.data(p)).catch(() => undefined);
  }
  await dir.remove(names.positions).catch(() => undefined);
}

/**
 * The int8 model as files by manifest name (what the worker's createSessions takes), and its
 * manifest. The buffers are Blobs of the stored copy where there is one (onnxruntime then reads them
 * one tensor at a time, src/worker/external-data.ts), in memory only when nothing could be stored.
 */
export interface Int8Files {
  manifest: ModelManifest;
  files: Map<string, Uint8Array<ArrayBuffer> | Blob>;
  /** bytes of the two buffers */
  dataBytes: number;
}

export type CacheRead = { entry: Int8Files; record: Int8CacheRecord } | { entry: null; why: string | null };

/**
 * The cached entry under `key`, checked (sizes, SHA-256 of every file, and when `plan` is given the
 * graphs against the ones this build makes); a damaged or stale entry is removed (`why` says what
 * was wrong), a missing one gives why = null.
 */
export async function readInt8Entry(dir: CacheDir, key: string, plan?: Int8Plan): Promise<CacheRead> {
  const names = fileNames(key);
  const recordBlob = await dir.get(names.record);
  if (!recordBlob) return { entry: null, why: null };
  const damaged = async (why: string): Promise<CacheRead> => {
    await removeInt8Entry(dir, key);
    return { entry: null, why };
  };
  let record: Int8CacheRecord;
  try {
    record = JSON.parse(await recordBlob.text()) as Int8CacheRecord;
  } catch {
    return damaged('its record is not valid JSON');
  }
  if (record.version !== INT8_CACHE_VERSION || record.key !== key) return damaged('it was written by another version of the app');
  const files = new Map<string, Uint8Array<ArrayBuffer> | Blob>();
  const manifest = record.manifest;
  for (const p of PARTS) {
    const r = record[p];
    if (!r || typeof r.dataPath !== 'string') return damaged(`its record has no ${p}`);
    const want = plan?.[p];
    if (want && (want.onnx.length !== r.onnxBytes || (await sha256Hex(want.onnx)) !== r.onnxSha256)) {
      return damaged(`its ${p} graph is not the one this version of the app builds`);
    }
    const onnxBlob = await dir.get(names.onnx(p));
    const dataBlob = await dir.get(names.data(p));
    if (!onnxBlob || !dataBlob) return damaged(`its ${p} file is missing`);
    if (onnxBlob.size !== r.onnxBytes || dataBlob.size !== r.dataBytes) {
      return damaged(`its ${p} file is ${dataBlob.size} bytes, the record says ${r.dataBytes}`);
    }
    const onnx = new Uint8Array(await onnxBlob.arrayBuffer());
    const pieces = Array.isArray(r.dataPieceSha256) ? r.dataPieceSha256 : [];
    const reader = await dir.openReader?.(names.data(p)).catch(() => null);
    let sums: string[];
    try {
      sums = await pieceSha256(dataBlob, INT8_CHECK_PIECE_BYTES, reader ? (a, b) => reader.read(a, b) : undefined);
    } finally {
      reader?.close();
    }
    if ((await sha256Hex(onnx)) !== r.onnxSha256 || sums.length !== pieces.length || sums.some((h, i) => h !== pieces[i])) {
      return damaged(`its ${p} file's SHA-256 does not match its record`);
    }
    files.set(manifest[p].file, onnx);
    // the checked file itself: a stored File cannot change under us (reads of a changed one fail)
    files.set(r.dataPath, dataBlob);
  }
  if (record.positions) {
    const blob = await dir.get(names.positions);
    if (!blob || blob.size !== record.positions.bytes) return damaged('its position tables file is missing or cut');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if ((await sha256Hex(bytes)) !== record.positions.sha256) return damaged("its position tables file's SHA-256 does not match its record");
    files.set(record.positions.name, bytes);
  }
  return { entry: { manifest, files, dataBytes: record.encoder.dataBytes + record.decoder.dataBytes }, record };
}

/** Writes an entry; on failure (quota full mid-write) removes what was written and throws. */
export async function writeInt8Entry(
  dir: CacheDir,
  key: string,
  model: Int8Model,
  manifest: ModelManifest,
  source: Int8Source,
  positions: { name: string; data: Uint8Array } | null = null,
): Promise<Int8CacheRecord> {
  const names = fileNames(key);
  const part = async (g: Int8Model['encoder']): Promise<PartRecord> => ({
    onnxBytes: g.onnx.length,
    onnxSha256: await sha256Hex(g.onnx),
    dataPath: g.dataPath,
    dataBytes: g.data.length,
    dataPieceSha256: await pieceSha256(g.data),
    int8Weights: g.int8Weights,
  });
  const record: Int8CacheRecord = {
    version: INT8_CACHE_VERSION,
    key,
    scheme: model.scheme,
    source: { name: source.name, size: source.file.size, lastModified: (source.file as Partial<File>).lastModified ?? 0, sha256: source.sha256 ?? null },
    manifest,
    encoder: await part(model.encoder),
    decoder: await part(model.decoder),
    ...(positions ? { positions: { name: positions.name, bytes: positions.data.length, sha256: await sha256Hex(positions.data) } } : {}),
    createdAt: new Date().toISOString(),
  };
  try {
    await removeInt8Entry(dir, key);
    for (const p of PARTS) {
      await dir.put(names.onnx(p), model[p].onnx);
      await dir.put(names.data(p), model[p].data);
    }
    if (positions) await dir.put(names.positions, positions.data);
    await dir.put(names.record, JSON.stringify(record));
  } catch (e) {
    await removeInt8Entry(dir, key);
    throw e;
  }
  return record;
}

/** The buffers just written under `key`, as the stored files (null when one is not there as written). */
async function storedBuffers(dir: CacheDir, key: string, model: Int8Model): Promise<Map<string, Blob> | null> {
  const names = fileNames(key);
  const out = new Map<string, Blob>();
  for (const p of PARTS) {
    const blob = await dir.get(names.data(p));
    if (!blob || blob.size !== model[p].data.length) return null;
    out.set(model[p].dataPath, blob);
  }
  return out;
}

/** The int8 form of an fp32 manifest: the same model, its graphs' weights in one buffer per graph. */
export function int8Manifest(fp32: ModelManifest, model: Pick<Int8Model, 'encoder' | 'decoder' | 'scheme'>): ModelManifest {
  return derivedManifest(fp32, model, { precision: 'int8', int8Scheme: model.scheme });
}

export interface Int8LoadOptions {
  scheme?: Int8Scheme;
  /** the position tables file of a v2 'table' model (pos-embed.bin), kept with the int8 copy */
  positions?: { name: string; data: Uint8Array } | null;
  /** null: no cache here (quantized on every load) */
  dir: CacheDir | null;
  /** why there is no cache, for the note (when dir is null) */
  noCacheWhy?: string;
  onStatus?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface Int8Load extends Int8Files {
  fromCache: boolean;
  /** reading and quantizing the file (0 when the cache answered) */
  quantizeMs: number;
  key: string;
  /** a sentence for the page when something about the cache went wrong (damaged, not written), else null */
  note: string | null;
}

/**
 * The int8 model of `source`: from the cache when an entry for it checks out, else quantized from
 * the file (and written to the cache, when there is one). `weights` is what readMaeWeights read from
 * the file; `fp32` the importer's manifest of it.
 */
export async function loadInt8(source: Int8Source, weights: MaeWeights, fp32: ModelManifest, options: Int8LoadOptions): Promise<Int8Load> {
  const scheme = options.scheme ?? 'per-channel';
  const plan = planInt8Graphs(weights, scheme);
  const key = await int8CacheKey(source, scheme);
  const { dir } = options;
  let note: string | null = dir ? null : `The int8 copy is not kept (${options.noCacheWhy ?? 'no private file storage'}): it is made again on every load.`;
  if (dir) {
    try {
      const read = await readInt8Entry(dir, key, plan);
      if (read.entry) return { ...read.entry, fromCache: true, quantizeMs: 0, key, note: null };
      if (read.why) note = `The stored int8 copy was damaged (${read.why}); it was made again.`;
    } catch (e) {
      note = `The stored int8 copy could not be read (${errorText(e)}); it was made again.`;
    }
  }
  options.onStatus?.(`Quantizing ${source.name} to int8 (once: the result is kept)…`);
  const t = performance.now();
  const model = await fillInt8Graphs(plan, source.file, source.name, options.onProgress);
  const quantizeMs = performance.now() - t;
  const manifest = int8Manifest(fp32, model);
  let stored: Map<string, Blob> | null = null;
  if (dir) {
    options.onStatus?.('Keeping the int8 copy for the next visit…');
    try {
      await writeInt8Entry(dir, key, model, manifest, source, options.positions ?? null);
      stored = await storedBuffers(dir, key, model);
    } catch (e) {
      note = `The int8 copy could not be kept (${errorText(e)}): it will be made again next time. The model runs.`;
    }
  }
  // the stored files where they were written: the buffers in memory go with this call (one copy)
  const files = new Map<string, Uint8Array<ArrayBuffer> | Blob>();
  for (const p of PARTS) {
    files.set(manifest[p].file, model[p].onnx as Uint8Array<ArrayBuffer>);
    files.set(model[p].dataPath, stored?.get(model[p].dataPath) ?? (model[p].data as Uint8Array<ArrayBuffer>));
  }
  if (options.positions) files.set(options.positions.name, options.positions.data as Uint8Array<ArrayBuffer>);
  return { manifest, files, dataBytes: model.encoder.data.length + model.decoder.data.length, fromCache: false, quantizeMs, key, note };
}

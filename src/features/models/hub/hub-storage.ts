/**
 * Downloaded models on this device: the browser's Origin Private File System (a folder only this
 * site can read), one weights file per model plus a small JSON record written once the file was
 * checked. A partial download stays as "<name>.part" so a dropped connection, or a tab closed and
 * opened again, resumes from it.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { HubModel } from './hub-catalog.ts';
import { DownloadError } from './hub-fetch.ts';
import { openPartFile, type PartFile } from './part-file.ts';
import { INT8_CACHE_DIR } from '../int8-opfs.ts';
import { int8KeyForSha } from '../weights/int8-cache.ts';

const DIR = 'hub-models';

export interface StoredModel {
  id: HubModel['id'];
  repo: string;
  file: string;
  size: number;
  sha256: string | null;
  downloadedAt: string;
  /** the weights file was removed to save space; its int8 copy (found by sha256) is kept and runs */
  fp32Freed?: boolean;
  /** bytes of its int8 copy in the private file system, when there is one (readStorage fills it in) */
  int8Bytes?: number;
}

async function folder(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory) throw new Error('this browser has no private file storage for downloaded models');
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(DIR, { create: true });
}

/** The name the file is stored (and imported) under: the model's id and the file's own extension. */
export function storedName(m: HubModel): string {
  return `${m.id}${m.file.slice(m.file.lastIndexOf('.'))}`;
}

/**
 * A sink appending to `<name>.part` from where it stopped, written in place from a worker (a closed
 * tab keeps every byte written; see part-writer.worker.ts). `close()` releases the file.
 */
export async function partialFile(m: HubModel): Promise<PartFile> {
  if (!navigator.storage?.getDirectory) throw new Error('this browser has no private file storage for downloaded models');
  try {
    return await openPartFile(DIR, `${storedName(m)}.part`);
  } catch (e) {
    // One writer per file: another tab of this site holds it.
    if (e instanceof DOMException && e.name === 'NoModificationAllowedError') {
      throw new DownloadError(`${m.repo} is being downloaded in another tab of this page: finish or close it there, then try again.`);
    }
    throw e;
  }
}

/** The partial (now complete) file as it is stored, read only (no writer holds it). */
export async function partialBlob(m: HubModel): Promise<File> {
  const dir = await folder();
  return (await dir.getFileHandle(`${storedName(m)}.part`)).getFile();
}

export async function removePartial(m: HubModel): Promise<void> {
  const dir = await folder();
  await dir.removeEntry(`${storedName(m)}.part`).catch(() => undefined);
}

/** SHA-256 of a stored file, read in chunks (a 1.3 GB file is never in memory at once). */
export async function fileSha256(file: Blob, onProgress?: (done: number) => void): Promise<string> {
  const hash = sha256.create();
  const reader = file.stream().getReader();
  let done = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    hash.update(r.value);
    done += r.value.byteLength;
    onProgress?.(done);
  }
  return bytesToHex(hash.digest());
}

/** Makes the checked `.part` the stored model and writes its record. */
export async function keep(m: HubModel, record: StoredModel): Promise<void> {
  const dir = await folder();
  const part = await dir.getFileHandle(`${storedName(m)}.part`);
  const name = storedName(m);
  await dir.removeEntry(name).catch(() => undefined);
  // FileSystemFileHandle.move (Chromium 110+): a rename, no copy of a 1.3 GB file.
  await (part as FileSystemFileHandle & { move(name: string): Promise<void> }).move(name);
  const json = await dir.getFileHandle(`${name}.json`, { create: true });
  const w = await json.createWritable();
  await w.write(JSON.stringify(record));
  await w.close();
}

/**
 * What the downloads folder holds, in one walk: the downloaded models whose file and record agree, and
 * the bytes of every file in it (partial downloads and records included).
 */
export async function readStorage(): Promise<{ stored: StoredModel[]; usedBytes: number }> {
  let dir: FileSystemDirectoryHandle;
  try {
    dir = await folder();
  } catch {
    return { stored: [], usedBytes: 0 };
  }
  const files = new Map<string, File>();
  for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (handle.kind === 'file') files.set(name, await (handle as FileSystemFileHandle).getFile());
  }
  const stored: StoredModel[] = [];
  for (const [name, file] of files) {
    if (!name.endsWith('.json')) continue;
    try {
      const record = JSON.parse(await file.text()) as StoredModel;
      // a record without its file (removed halfway) or with another size: not listed, unless the file
      // was freed on purpose and its int8 copy is still there
      const int8 = record.sha256 ? await int8CopyBytes(record.sha256) : null;
      if (int8 !== null) record.int8Bytes = int8;
      if (files.get(name.slice(0, -'.json'.length))?.size === record.size || (record.fp32Freed && int8 !== null)) stored.push(record);
    } catch {
      /* not a record this app wrote */
    }
  }
  let usedBytes = 0;
  for (const file of files.values()) usedBytes += file.size;
  return { stored, usedBytes };
}

export async function storedFile(m: HubModel): Promise<File> {
  const dir = await folder();
  return (await dir.getFileHandle(storedName(m))).getFile();
}

export async function removeStored(m: HubModel, sha256: string | null = null): Promise<void> {
  const dir = await folder();
  const name = storedName(m);
  await dir.removeEntry(`${name}.json`).catch(() => undefined);
  await dir.removeEntry(name).catch(() => undefined);
  await dir.removeEntry(`${name}.part`).catch(() => undefined);
  // its int8 copy too (weights/int8-cache.ts: the record goes first, then the files)
  if (sha256) {
    const int8 = await int8Folder();
    const key = int8KeyForSha(sha256);
    const names = [`${key}.json`, `${key}.encoder.onnx`, `${key}.encoder.bin`, `${key}.decoder.onnx`, `${key}.decoder.bin`, `${key}.positions.bin`];
    if (int8) for (const f of names) await int8.removeEntry(f).catch(() => undefined);
  }
}

async function int8Folder(): Promise<FileSystemDirectoryHandle | null> {
  try {
    return await (await navigator.storage.getDirectory()).getDirectoryHandle(INT8_CACHE_DIR);
  } catch {
    return null;
  }
}

/** Bytes of the int8 copy of the hub file with this SHA-256 (int8-cache.ts), or null when there is none. */
export async function int8CopyBytes(sha256: string): Promise<number | null> {
  const int8 = await int8Folder();
  if (!int8) return null;
  const key = int8KeyForSha(sha256);
  let total = 0;
  try {
    for (const f of [`${key}.json`, `${key}.encoder.onnx`, `${key}.encoder.bin`, `${key}.decoder.onnx`, `${key}.decoder.bin`]) {
      total += (await (await int8.getFileHandle(f)).getFile()).size;
    }
  } catch {
    return null; // no copy, or an unfinished one
  }
  // a v2 'table' model's position tables, when stored
  total += await int8
    .getFileHandle(`${key}.positions.bin`)
    .then(async (h) => (await h.getFile()).size)
    .catch(() => 0);
  return total;
}

/**
 * Removes the weights file of a downloaded model whose int8 copy is kept: the record stays, marked,
 * so the model is still listed and runs in int8; exact (fp32) needs a new download.
 */
export async function freeFp32(m: HubModel, record: StoredModel): Promise<void> {
  const dir = await folder();
  const name = storedName(m);
  const json = await dir.getFileHandle(`${name}.json`, { create: true });
  const w = await json.createWritable();
  const { int8Bytes: _, ...kept } = record;
  await w.write(JSON.stringify({ ...kept, fp32Freed: true }));
  await w.close();
  await dir.removeEntry(name).catch(() => undefined);
}

/** Room the browser gives this site now (quota minus what it uses), or null if it does not say. */
export async function freeSpace(): Promise<number | null> {
  const est = await navigator.storage?.estimate?.();
  if (!est || est.quota === undefined || est.usage === undefined) return null;
  return est.quota - est.usage;
}

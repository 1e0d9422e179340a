/// <reference lib="webworker" />
/**
 * The int8 cache's folder (weights/int8-cache.ts) in the browser's Origin Private File System:
 * `int8-cache/`, beside the hub's downloads (`hub-models/`). Written from the model's worker with
 * sync access handles (a worker-only API that writes in place: no second copy of a 300 MB buffer, as
 * createWritable's swap file would make).
 */
import { rememberStoredReader, type OpenedReader } from '../../worker/external-data.ts';
import type { CacheDir } from './weights/int8-cache.ts';

type SyncableHandle = FileSystemFileHandle & { createSyncAccessHandle?: (this: FileSystemFileHandle) => Promise<SyncHandle> };

/** A stored file's bytes read in place through its sync access handle (see external-data.ts). */
async function openSyncReader(handle: SyncableHandle, file: File): Promise<OpenedReader> {
  if (typeof handle.createSyncAccessHandle !== 'function') throw new Error('no sync access handles here');
  const sync = await handle.createSyncAccessHandle();
  if (sync.getSize() !== file.size) {
    sync.close();
    throw new Error('the stored file changed since it was checked');
  }
  // one buffer for every read: onnxruntime copies each range into place before it asks for the next
  let scratch = new Uint8Array(0);
  return {
    read: (start, end) => {
      if (scratch.length < end - start) scratch = new Uint8Array(end - start);
      const out = scratch.subarray(0, end - start);
      const n = sync.read(out, { at: start });
      if (n !== out.length) throw new Error(`read ${n} bytes of ${out.length} at ${start}`);
      return out;
    },
    close: () => sync.close(),
  };
}

export const INT8_CACHE_DIR = 'int8-cache';

interface SyncHandle {
  truncate(size: number): void;
  read(into: Uint8Array, options: { at: number }): number;
  getSize(): number;
  write(data: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}

/** The cache folder, or a sentence saying why there is none here. */
export async function openInt8CacheDir(): Promise<{ dir: CacheDir } | { dir: null; why: string }> {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  if (!storage?.getDirectory) return { dir: null, why: 'this browser has no private file storage' };
  let folder: FileSystemDirectoryHandle;
  try {
    folder = await (await storage.getDirectory()).getDirectoryHandle(INT8_CACHE_DIR, { create: true });
  } catch (e) {
    return { dir: null, why: `the private file storage refused: ${e instanceof Error ? e.message : String(e)}` };
  }
  const dir: CacheDir = {
    async get(name) {
      try {
        const handle = (await folder.getFileHandle(name)) as SyncableHandle;
        const file = await handle.getFile();
        rememberStoredReader(file, () => openSyncReader(handle, file));
        return file;
      } catch {
        return null;
      }
    },
    async put(name, data) {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      const handle = await folder.getFileHandle(name, { create: true });
      const syncable = handle as SyncableHandle;
      if (typeof syncable.createSyncAccessHandle === 'function') {
        const sync = await syncable.createSyncAccessHandle();
        try {
          sync.truncate(0);
          // in slices: one write of hundreds of MB is a single long call that a full quota fails halfway anyway
          const SLICE = 16 * 1024 * 1024;
          for (let at = 0; at < bytes.length; at += SLICE) {
            const part = bytes.subarray(at, Math.min(bytes.length, at + SLICE));
            if (sync.write(part, { at }) !== part.length) throw new DOMException('the disk took fewer bytes than written', 'QuotaExceededError');
          }
          sync.flush();
        } finally {
          sync.close();
        }
        return;
      }
      const w = await handle.createWritable();
      try {
        await w.write(bytes as Uint8Array<ArrayBuffer>);
        await w.close();
      } catch (e) {
        await w.abort().catch(() => undefined);
        throw e;
      }
    },
    async remove(name) {
      await folder.removeEntry(name).catch(() => undefined);
    },
    async openReader(name) {
      const handle = (await folder.getFileHandle(name)) as SyncableHandle;
      return openSyncReader(handle, await handle.getFile());
    },
  };
  return { dir };
}

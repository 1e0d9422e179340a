/**
 * The page's side of part-writer.worker.ts: a DownloadSink over a file in the private file system,
 * written in place by a worker's sync access handle (why: see the worker). Errors come back with
 * their DOMException name, so a full disk still reads as QuotaExceededError.
 */
import type { DownloadSink } from './download.ts';

export type PartRequest =
  | { id: number; op: 'open'; dir: string; name: string }
  | { id: number; op: 'size' | 'flush' | 'close' }
  | { id: number; op: 'write'; bytes: Uint8Array }
  | { id: number; op: 'truncate'; size: number };

export type PartReply = { id: number; ok: true; value: number } | { id: number; ok: false; name: string; message: string };

type Op = PartRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export type PartFile = DownloadSink & { close(): Promise<void> };

/** Opens (or creates) `<dir>/<name>` for appending; close() releases it (the worker ends). */
export async function openPartFile(dir: string, name: string): Promise<PartFile> {
  const worker = new Worker(new URL('./part-writer.worker.ts', import.meta.url), { type: 'module', name: 'hub-part-writer' });
  const pending = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let broken: Error | null = null;
  worker.onmessage = (ev: MessageEvent<PartReply>) => {
    const r = ev.data;
    const p = pending.get(r.id);
    pending.delete(r.id);
    if (r.ok) p?.resolve(r.value);
    else p?.reject(new DOMException(r.message, r.name));
  };
  worker.onerror = (ev) => {
    ev.preventDefault();
    broken = new Error(`the file writer stopped: ${ev.message || 'it could not start'}`);
    for (const p of pending.values()) p.reject(broken);
    pending.clear();
  };
  const call = (op: Op, transfer: Transferable[] = []): Promise<number> => {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise<number>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...op, id }, transfer);
    });
  };
  try {
    await call({ op: 'open', dir, name });
  } catch (e) {
    worker.terminate();
    throw e;
  }
  let closed = false;
  return {
    size: () => call({ op: 'size' }),
    async write(chunk) {
      // A copy the worker owns (the caller's chunk may be a view into a larger buffer).
      const bytes = chunk.slice();
      await call({ op: 'write', bytes }, [bytes.buffer]);
    },
    truncate: async (size) => void (await call({ op: 'truncate', size })),
    commit: async () => void (await call({ op: 'flush' })),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await call({ op: 'close' });
      } finally {
        worker.terminate();
      }
    },
  };
}

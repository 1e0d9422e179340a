/// <reference lib="webworker" />
/**
 * A model's external data, handed to onnxruntime-web one tensor at a time (issue 23 item 3: one copy
 * of the weights).
 *
 * Given a Blob as `externalData[].data`, onnxruntime-web 1.30 reads the whole file into JavaScript
 * (`loadFile` → `blob.arrayBuffer()`) and mounts it before it creates the session; the session then
 * copies each initializer out of it into the WASM heap (or a GPU buffer). While the session is made
 * the weights therefore exist twice: the whole file in JavaScript and again in WASM memory (measured:
 * ViT-L int8 peaked at 0.82x the fp32 file above the page's start, fp32 at 2.5x; docs/BENCHMARKS.md).
 *
 * What the runtime does with a mounted file is small and fixed: it passes a Uint8Array through
 * untouched, and for each initializer asks the mounted object for `byteLength` (a bounds check) and
 * `subarray(offset, offset + length)`, which it copies into place at once (the `MountedFiles` lookup
 * in ort-wasm-simd-threaded*.mjs). So a Uint8Array whose `subarray` reads that range from the Blob,
 * synchronously (FileReaderSync, which dedicated workers have), gives the runtime the same bytes with
 * one tensor at a time in JavaScript. Nothing else of the array is used; it holds no bytes itself.
 *
 * This leans on onnxruntime-web's internals, pinned in package.json: should a later version touch
 * the array another way, the outputs would be wrong or the load would fail, never silently lean, and
 * tests/node/external-data.test.ts (sessions made this way against PyTorch's outputs, and the largest
 * read) says so first. Where no synchronous reader exists (the page's main thread, Node), the Blob
 * goes to onnxruntime as before.
 */

/** Reads bytes [start, end) synchronously; throws when they cannot be read. */
export type SyncRangeReader = (start: number, end: number) => Uint8Array;

/** Bytes onnxruntime asked for, and the first read that failed (for the load's error message). */
export interface ExternalDataReads {
  /** time spent reading, ms */
  ms: number;
  calls: number;
  bytes: number;
  largest: number;
  failure: string | null;
}

/**
 * A Uint8Array that is `size` bytes long to onnxruntime but holds none: `subarray` reads the range.
 * Everything else of Uint8Array is the empty array underneath, on purpose (nothing else is called).
 */
export class RangeBackedBytes extends Uint8Array {
  readonly reads: ExternalDataReads = { ms: 0, calls: 0, bytes: 0, largest: 0, failure: null };
  readonly #read: SyncRangeReader;
  readonly #size: number;

  constructor(size: number, read: SyncRangeReader) {
    super(0);
    this.#size = size;
    this.#read = read;
    // byteLength is an accessor of %TypedArray%.prototype: an own property shadows it for this array
    Object.defineProperty(this, 'byteLength', { value: size, enumerable: false });
  }

  override subarray(begin = 0, end: number = this.#size): Uint8Array<ArrayBuffer> {
    const start = Math.max(0, Math.min(this.#size, begin));
    const stop = Math.max(start, Math.min(this.#size, end));
    try {
      const t0 = performance.now();
      const bytes = this.#read(start, stop);
      this.reads.ms += performance.now() - t0;
      if (bytes.byteLength !== stop - start) throw new Error(`read ${bytes.byteLength} bytes where ${stop - start} were asked for`);
      this.reads.calls += 1;
      this.reads.bytes += bytes.byteLength;
      this.reads.largest = Math.max(this.reads.largest, bytes.byteLength);
      return bytes as Uint8Array<ArrayBuffer>;
    } catch (e) {
      this.reads.failure ??= e instanceof Error ? e.message : String(e);
      throw e;
    }
  }
}

/** A synchronous reader of a Blob's ranges, where the context has one (dedicated workers). */
export function blobRangeReader(blob: Blob): SyncRangeReader | null {
  if (typeof FileReaderSync === 'undefined') return null;
  const reader = new FileReaderSync();
  return (start, end) => new Uint8Array(reader.readAsArrayBuffer(blob.slice(start, end)));
}

/**
 * `data` as onnxruntime should get it: a Blob becomes range-read bytes where a synchronous reader
 * exists (one tensor at a time in JavaScript), else stays as it is (the runtime reads it whole).
 */
export function externalDataEntry(path: string, data: Uint8Array | Blob): { path: string; data: Uint8Array | Blob } {
  if (!(data instanceof Blob)) return { path, data };
  const read = blobRangeReader(data);
  return { path, data: read ? new RangeBackedBytes(data.size, read) : data };
}

/** The first read that failed among `entries`, as a sentence, or null. */
export function externalDataFailure(entries: readonly { path: string; data: Uint8Array | Blob }[]): string | null {
  for (const { path, data } of entries) {
    if (data instanceof RangeBackedBytes && data.reads.failure) return `${path} could not be read (${data.reads.failure})`;
  }
  return null;
}

/**
 * A synchronous reader that has to be closed (a stored file's sync access handle holds a lock). Its
 * reads may return views of one buffer it reuses: the runtime copies each range (into the WASM heap,
 * or a GPU buffer's staging copy) before it asks for the next.
 */
export interface OpenedReader {
  read: SyncRangeReader;
  close(): void;
}

/**
 * Faster readers for stored files, by the Blob handed out for them: the private file system's sync
 * access handle reads a small range in well under a millisecond, FileReaderSync in about two (both
 * measured in headless Chromium here, 2026-12-06: 0.76 vs 2.2 ms for 64 KiB), and onnxruntime asks
 * for each of a ViT-L's hundreds of tensors in turn. Set by the int8 cache's folder (int8-opfs.ts).
 */
const storedReaders = new WeakMap<Blob, () => Promise<OpenedReader>>();

export function rememberStoredReader(blob: Blob, open: () => Promise<OpenedReader>): void {
  storedReaders.set(blob, open);
}

/**
 * `list` as onnxruntime should get it (externalDataEntry), with stored files read through their
 * sync access handles where those open (a lock held by another tab, or no such API: the plain
 * reader). `close` releases the handles once the session exists.
 */
export async function openExternalData(list: readonly { path: string; data: Uint8Array | Blob }[]): Promise<{
  entries: { path: string; data: Uint8Array | Blob }[];
  close(): void;
}> {
  const opened: OpenedReader[] = [];
  const entries: { path: string; data: Uint8Array | Blob }[] = [];
  for (const { path, data } of list) {
    const open = data instanceof Blob ? storedReaders.get(data) : undefined;
    const reader = open ? await open().catch(() => null) : null;
    if (reader && data instanceof Blob) {
      opened.push(reader);
      entries.push({ path, data: new RangeBackedBytes(data.size, reader.read) });
    } else {
      entries.push(externalDataEntry(path, data));
    }
  }
  return {
    entries,
    close: () => {
      for (const r of opened) {
        try {
          r.close();
        } catch {
          /* already closed */
        }
      }
    },
  };
}

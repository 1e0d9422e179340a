/**
 * "Get the official MAE": the page side of an opt-in download from the Hugging Face hub. One
 * controller (state in useHubStore): list what is stored, check room, download (download.ts) into the
 * private file system, check size, SHA-256 and structure, then hand the file to the same loader as a
 * dropped one. Only a person's click starts a request, and only to the hub's hosts.
 */
import { create } from 'zustand';
import { errorText } from '../../../mae/error-text.ts';
import { importWeights } from '../weights/index.ts';
import { download, DownloadError, type DownloadProgress } from './download.ts';
import { fetchJsonWithRetry } from './hub-fetch.ts';
import { fileInfoFromTree, HUB_MODELS, resolveUrl, treeUrl, type HubFileInfo, type HubModel } from './hub-catalog.ts';
import {
  fileSha256,
  freeFp32,
  freeSpace,
  keep,
  partialBlob,
  partialFile,
  readStorage,
  removePartial,
  removeStored,
  storedFile,
  storedName,
  type StoredModel,
} from './hub-storage.ts';
import type { PartFile } from './part-file.ts';
import { formatBytes } from '../../../mae/format-bytes.ts';

export type HubTaskStatus = 'checking' | 'downloading' | 'verifying' | 'loading' | 'error' | 'cancelled';

export interface HubTask {
  status: HubTaskStatus;
  progress: DownloadProgress | null;
  message: string | null;
}

export interface HubState {
  stored: StoredModel[];
  usedBytes: number;
  tasks: Partial<Record<HubModel['id'], HubTask>>;
}

export const useHubStore = create<HubState>(() => ({ stored: [], usedBytes: 0, tasks: {} }));

const mb = formatBytes; // the app's one byte formatter

/**
 * Requests the page's Content-Security-Policy blocked (connect-src) while a download runs: a blocked
 * fetch fails with the same bare TypeError as a network or CORS failure; this event tells them apart.
 * (The download runs in the page; only the file writing is in a worker.)
 */
function watchCspBlocks(): { blocked: () => string | null; stop: () => void } {
  let seen: string | null = null;
  const listen = (e: SecurityPolicyViolationEvent): void => {
    if (e.effectiveDirective === 'connect-src' && seen === null) seen = e.blockedURI;
  };
  document.addEventListener('securitypolicyviolation', listen);
  return { blocked: () => seen, stop: () => document.removeEventListener('securitypolicyviolation', listen) };
}

export class HubController {
  private readonly aborts = new Map<HubModel['id'], AbortController>();

  /**
   * `loadFile(file, sha256, int8Only)`: the hub's SHA-256 of the file (null when it gives none) keys its
   * int8 copy; int8Only: the fp32 file was freed (`file` is an empty stand-in with the stored name).
   */
  constructor(private readonly loadFile: (file: File, sha256: string | null, int8Only: boolean) => void) {}

  private setTask(id: HubModel['id'], task: HubTask | null): void {
    useHubStore.setState((s) => {
      const tasks = { ...s.tasks };
      if (task) tasks[id] = task;
      else delete tasks[id];
      return { tasks };
    });
  }

  /** What is stored on this device (for the list and the space line). */
  async refresh(): Promise<void> {
    useHubStore.setState(await readStorage());
  }

  private async fileInfo(m: HubModel, signal: AbortSignal, blocked: () => string | null): Promise<HubFileInfo> {
    const tree = await fetchJsonWithRetry(treeUrl(m), { signal, blocked, what: `the files of ${m.repo}` });
    try {
      return fileInfoFromTree(tree, m.file);
    } catch (e) {
      throw new DownloadError(`Step 1 of 3, the file list: the hub's file list for ${m.repo} is not usable: ${errorText(e)}.`);
    }
  }

  async start(m: HubModel): Promise<void> {
    if (this.aborts.has(m.id)) return;
    const abort = new AbortController();
    this.aborts.set(m.id, abort);
    const set = (status: HubTaskStatus, progress: DownloadProgress | null = null, message: string | null = null): void =>
      this.setTask(m.id, { status, progress, message });
    let sink: PartFile | null = null;
    const csp = watchCspBlocks();
    try {
      set('checking');
      const info = await this.fileInfo(m, abort.signal, csp.blocked);
      sink = await partialFile(m);
      const have = await sink.size();
      const free = await freeSpace();
      // The file is written in place (part-writer.worker.ts), so the rest of it is all the room needed:
      // no second copy, as createWritable({ keepExistingData }) would make.
      if (free !== null && free < info.size - have) {
        throw new DownloadError(
          `Not enough storage for ${m.repo}: it needs ${mb(info.size - have)} more, and this browser gives this site ${mb(Math.max(0, free))}. Free some disk space, or remove downloaded models.`,
        );
      }
      // Ask the browser to keep the files under storage pressure (it may say no; they still work).
      void navigator.storage?.persist?.().catch(() => false);
      await download(sink, {
        url: resolveUrl(m),
        size: info.size,
        signal: abort.signal,
        blocked: csp.blocked,
        onProgress: (p) => set('downloading', p),
      });
      await sink.close();
      sink = null;
      set('verifying', null, 'Checking the file…');
      const part = await partialBlob(m);
      if (part.size !== info.size) throw new DownloadError(`The file is ${mb(part.size)}, the hub lists ${mb(info.size)}.`);
      if (info.sha256) {
        const got = await fileSha256(part);
        if (got !== info.sha256) {
          await removePartial(m);
          throw new DownloadError(`The downloaded file is damaged (its SHA-256 is not the one the hub lists); it was deleted: download it again.`);
        }
      }
      try {
        await importWeights(part, m.file); // the structure: a checkpoint this app reads, with a decoder
      } catch (e) {
        await removePartial(m);
        throw new DownloadError(`The downloaded file is not a model this app reads: ${errorText(e)}`);
      }
      await keep(m, { id: m.id, repo: m.repo, file: m.file, size: info.size, sha256: info.sha256, downloadedAt: new Date().toISOString() });
      await this.refresh();
      set('loading');
      this.loadFile(await storedFile(m), info.sha256, false);
      this.setTask(m.id, null);
    } catch (e) {
      await sink?.close().catch(() => undefined);
      if (abort.signal.aborted) {
        await removePartial(m);
        set('cancelled', null, 'Cancelled.');
      } else {
        set('error', null, e instanceof DownloadError ? e.message : `The download failed: ${errorText(e)}`);
      }
      await this.refresh();
    } finally {
      csp.stop();
      this.aborts.delete(m.id);
    }
  }

  cancel(m: HubModel): void {
    this.aborts.get(m.id)?.abort();
  }

  /** Loads a stored model (no network); one whose fp32 file was freed, from its int8 copy. */
  async use(m: HubModel): Promise<void> {
    const record = useHubStore.getState().stored.find((s) => s.id === m.id);
    try {
      if (record?.fp32Freed) this.loadFile(new File([], storedName(m)), record.sha256, true);
      else this.loadFile(await storedFile(m), record?.sha256 ?? null, false);
    } catch (e) {
      this.setTask(m.id, { status: 'error', progress: null, message: `The stored file could not be read: ${errorText(e)}` });
      await this.refresh();
    }
  }

  /** Frees the fp32 file of a model whose int8 copy is kept (it keeps running in int8). */
  async free(m: HubModel): Promise<void> {
    const record = useHubStore.getState().stored.find((s) => s.id === m.id);
    if (!record?.sha256 || record.int8Bytes === undefined) return;
    try {
      await freeFp32(m, record);
    } catch (e) {
      this.setTask(m.id, { status: 'error', progress: null, message: `The file could not be removed: ${errorText(e)}` });
    }
    await this.refresh();
  }

  async remove(m: HubModel): Promise<void> {
    await removeStored(m, useHubStore.getState().stored.find((s) => s.id === m.id)?.sha256 ?? null);
    this.setTask(m.id, null);
    await this.refresh();
  }
}

export { HUB_MODELS };

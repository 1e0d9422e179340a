/**
 * A streamed, resumable download into a sink (the page's Origin Private File System; a test's
 * memory buffer): progress with speed and time left, cancel with an AbortSignal, and a dropped
 * connection resumed with an HTTP range request from where it stopped (a server that ignores the
 * range starts the file over). Requests carry no referrer and no credentials. No DOM: Node tests run
 * it against a real local server.
 */
import { errorText } from '../../../mae/error-text.ts';

export interface DownloadSink {
  /** bytes already stored (a download to resume starts here) */
  size(): Promise<number>;
  write(chunk: Uint8Array): Promise<void>;
  /** drop everything from byte `size` on (0: start over) */
  truncate(size: number): Promise<void>;
}

export interface DownloadProgress {
  loaded: number;
  total: number;
  /** over the last few seconds */
  bytesPerSecond: number;
  /** null until the speed is known */
  secondsLeft: number | null;
  /** how many times the connection was picked up again */
  resumes: number;
}

/** A download that cannot finish: the message says why (shown as is). */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

export interface DownloadOptions {
  url: string;
  /** the size the hub lists: anything else is refused */
  size: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  /** connection drops tolerated in a row before giving up */
  maxResumes?: number;
  /** wait before picking up a dropped connection (doubles each time) */
  retryDelayMs?: number;
}

const SPEED_WINDOW_MS = 3000;

function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The download was cancelled.', 'AbortError');
}

/** "bytes 100-199/1000" -> { start: 100, total: 1000 }. */
export function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export async function download(sink: DownloadSink, opts: DownloadOptions): Promise<void> {
  const { url, size, signal } = opts;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const maxResumes = opts.maxResumes ?? 5;
  let delay = opts.retryDelayMs ?? 500;
  let offset = await sink.size();
  if (offset > size) {
    await sink.truncate(0);
    offset = 0;
  }
  let resumes = 0;
  let failuresInARow = 0;
  const samples: { t: number; loaded: number }[] = [];
  const report = (): void => {
    const now = performance.now();
    samples.push({ t: now, loaded: offset });
    while (samples.length > 2 && now - samples[0].t > SPEED_WINDOW_MS) samples.shift();
    const first = samples[0];
    const dt = (now - first.t) / 1000;
    const bytesPerSecond = dt > 0.2 ? (offset - first.loaded) / dt : 0;
    opts.onProgress?.({ loaded: offset, total: size, bytesPerSecond, secondsLeft: bytesPerSecond > 0 ? (size - offset) / bytesPerSecond : null, resumes });
  };
  const pickUp = async (why: string): Promise<void> => {
    failuresInARow += 1;
    if (failuresInARow > maxResumes) {
      throw new DownloadError(`The connection kept dropping (${why}); ${mb(offset)} of ${mb(size)} are kept: try again to resume.`);
    }
    resumes += 1;
    await new Promise((r) => setTimeout(r, delay));
    delay *= 2;
    if (signal?.aborted) throw abortError(signal);
  };

  report();
  while (offset < size) {
    if (signal?.aborted) throw abortError(signal);
    let res: Response;
    try {
      res = await fetchImpl(url, {
        headers: offset > 0 ? { Range: `bytes=${offset}-` } : {},
        referrerPolicy: 'no-referrer',
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      await pickUp(errorText(e));
      continue;
    }
    if (res.status === 404) throw new DownloadError('The file is not there (HTTP 404): the repository or file name may have changed.');
    if (res.status === 401 || res.status === 403) throw new DownloadError(`The server refused the download (HTTP ${res.status}).`);
    if (res.status >= 500) {
      await res.body?.cancel().catch(() => undefined);
      await pickUp(`HTTP ${res.status}`);
      continue;
    }
    if (res.status !== 200 && res.status !== 206) throw new DownloadError(`Unexpected answer from the server: HTTP ${res.status}.`);
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (range?.total != null && range.total !== size) {
        await res.body?.cancel().catch(() => undefined);
        throw new DownloadError(`The server's file is ${mb(range.total)}, but the hub lists ${mb(size)}: not downloaded.`);
      }
      if (!range || range.start !== offset) {
        // A range we did not ask for: start over rather than guess.
        await sink.truncate(0);
        offset = 0;
      }
    } else {
      const length = Number(res.headers.get('content-length'));
      if (res.headers.get('content-length') !== null && Number.isFinite(length) && length !== size) {
        await res.body?.cancel().catch(() => undefined);
        throw new DownloadError(`The server's file is ${mb(length)}, but the hub lists ${mb(size)}: not downloaded.`);
      }
      if (offset > 0) {
        // The server ignored the range: the whole file comes again.
        await sink.truncate(0);
        offset = 0;
      }
    }
    if (!res.body) throw new DownloadError('The server sent no data.');
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (offset + value.byteLength > size) throw new DownloadError(`The server sent more than the ${mb(size)} the hub lists: not the file it describes.`);
        try {
          await sink.write(value);
        } catch (e) {
          // The device, not the network: a full disk or the site's storage quota.
          const full = e instanceof DOMException && e.name === 'QuotaExceededError';
          throw new DownloadError(
            full
              ? `Not enough storage: the browser refused to store more of the file after ${mb(offset)} of ${mb(size)}. Free some disk space, or remove downloaded models.`
              : `The file could not be stored on this device: ${errorText(e)}`,
          );
        }
        offset += value.byteLength;
        failuresInARow = 0;
        report();
      }
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      if (e instanceof DownloadError) throw e;
      await pickUp(errorText(e));
      continue;
    }
    if (offset < size) await pickUp(`the server stopped after ${mb(offset)}`);
  }
  report();
}

/**
 * A streamed, resumable download of one file from the hub into a sink (the page's private file
 * system, written from a worker; a file on disk in Node tests): progress with speed and time left,
 * cancel with an AbortSignal, bounded retries. No DOM: tests/node/hub-download.test.ts runs it
 * against the stand-in hub (e2e/hub-server.ts), a real local HTTP server.
 *
 * What it guards against (each seen from a real server or reported by other browser apps):
 * - A dropped connection resumes with `Range: bytes=<stored>-`, from the signed file-server URL the
 *   hub redirected to; when that URL has expired (401/403/410), it asks /resolve/ again.
 * - A 206 that starts at another byte or whose Content-Range the browser cannot read (the server did
 *   not expose it) is never written: the download starts over without Range, and the stored bytes are
 *   dropped only once a whole file (200) is arriving. A server that ignores Range (200) starts over too.
 * - 429 waits for Retry-After (capped), 5xx and network failures back off (doubling, capped); the
 *   count of failures in a row resets only when bytes past the furthest point so far are stored, so
 *   starting over and failing again cannot loop.
 * - A size other than the hub's listing (Content-Range total, Content-Length, more bytes) stops.
 * - What was written is committed (sink.commit) every `commitEveryBytes` and before each wait, so a
 *   closed tab keeps it.
 */
import { errorText } from '../../../mae/error-text.ts';
import {
  abortError,
  cspBlockedMessage,
  DownloadError,
  hostOf,
  mb,
  networkMessage,
  parseRetryAfter,
  RETRY_DEFAULTS,
  retryable,
  sleep,
  statusMessage,
  type HubStep,
  type RetryOptions,
} from './hub-fetch.ts';

export { DownloadError } from './hub-fetch.ts';

export interface DownloadSink {
  /** bytes already stored (a download to resume starts here) */
  size(): Promise<number>;
  /** appends at the end */
  write(chunk: Uint8Array): Promise<void>;
  /** drop everything from byte `size` on (0: start over) */
  truncate(size: number): Promise<void>;
  /** makes what was written survive a closed tab (or a crash) */
  commit(): Promise<void>;
}

export interface DownloadProgress {
  loaded: number;
  total: number;
  /** over the last few seconds */
  bytesPerSecond: number;
  /** null until the speed is known */
  secondsLeft: number | null;
  /** how many times the download was picked up again */
  resumes: number;
}

export interface DownloadOptions extends RetryOptions {
  /** the hub's /resolve/ URL (answered with a redirect to a file server) */
  url: string;
  /** the size the hub lists: anything else is refused */
  size: number;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  /** commit to storage at least this often (bytes) */
  commitEveryBytes?: number;
}

/** A few tens of MB: a closed tab loses at most this much, and committing costs a flush each time. */
export const COMMIT_EVERY_BYTES = 32 * 2 ** 20;
const SPEED_WINDOW_MS = 3000;

/** "bytes 100-199/1000" -> { start: 100, total: 1000 }. */
export function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

type Problem =
  | { kind: 'network'; step: HubStep; url: string; why: string }
  | { kind: 'status'; step: HubStep; url: string; status: number }
  | { kind: 'range'; url: string; why: string }
  | { kind: 'short'; url: string; why: string };

/** "The server's file is A, but the hub lists B", in bytes where the rounded sizes would read alike. */
function sizesDiffer(served: number, listed: number): string {
  const [a, b] = mb(served) === mb(listed) ? [`${served} bytes`, `${listed} bytes`] : [mb(served), mb(listed)];
  return `The server's file is ${a}, but the hub lists ${b}`;
}

const cancelBody = (res: Response): Promise<void> => res.body?.cancel().catch(() => undefined) ?? Promise.resolve();

export async function download(sink: DownloadSink, opts: DownloadOptions): Promise<void> {
  const { url, size, signal } = opts;
  const fetchImpl = opts.fetchImpl ?? fetch;
  const maxFailures = opts.maxFailures ?? RETRY_DEFAULTS.maxFailures;
  const baseDelay = opts.retryDelayMs ?? RETRY_DEFAULTS.retryDelayMs;
  const maxDelay = opts.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
  const maxRetryAfter = opts.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs;
  const commitEvery = opts.commitEveryBytes ?? COMMIT_EVERY_BYTES;

  let offset = await sink.size();
  if (offset > size) {
    await sink.truncate(0);
    offset = 0;
  }
  /** the signed file-server URL the hub redirected to: resumes go there, not through the hub again */
  let fileUrl: string | null = null;
  /** false once a server's partial answers could not be trusted: from then on, whole files only */
  let useRange = true;
  /** progress is only what moves past this */
  let furthest = offset;
  let committed = offset;
  let failures = 0;
  let delay = baseDelay;
  let resumes = 0;

  const samples: { t: number; loaded: number }[] = [];
  const report = (): void => {
    const now = performance.now();
    if (samples.length > 0 && offset < samples[samples.length - 1].loaded) samples.length = 0; // started over
    samples.push({ t: now, loaded: offset });
    while (samples.length > 2 && now - samples[0].t > SPEED_WINDOW_MS) samples.shift();
    const first = samples[0];
    const dt = (now - first.t) / 1000;
    const bytesPerSecond = dt > 0.2 ? (offset - first.loaded) / dt : 0;
    opts.onProgress?.({ loaded: offset, total: size, bytesPerSecond, secondsLeft: bytesPerSecond > 0 ? (size - offset) / bytesPerSecond : null, resumes });
  };
  const kept = (): string => (offset > 0 ? `${mb(offset)} of ${mb(size)} are kept: press Download to resume.` : '');
  const commit = async (): Promise<void> => {
    if (committed === offset) return;
    await store(() => sink.commit());
    committed = offset;
  };
  const store = async (action: () => Promise<void>): Promise<void> => {
    try {
      await action();
    } catch (e) {
      // The device, not the network: a full disk or the site's storage quota.
      const full = e instanceof DOMException && e.name === 'QuotaExceededError';
      throw new DownloadError(
        full
          ? `Not enough storage: the browser refused to store more of the file after ${mb(offset)} of ${mb(size)}. Free some disk space, or remove downloaded models.`
          : `The file could not be stored on this device: ${errorText(e)}`,
      );
    }
  };

  const giveUp = async (p: Problem): Promise<string> => {
    if (p.kind === 'status') return statusMessage(p.step, p.status, hostOf(p.url), kept());
    if (p.kind === 'range') {
      return `Step 3 of 3, the file: ${hostOf(p.url)}'s answers to a resumed download do not line up (${p.why}), and starting over failed too. ${kept()}`.trim();
    }
    if (p.kind === 'short') return networkMessage('file', p.url, p.why, kept());
    if (p.step !== 'redirect') return networkMessage(p.step, p.url, p.why, kept());
    // Did the hub answer, and where does it redirect? One look without following the redirect.
    try {
      const probe = await fetchImpl(p.url, { redirect: 'manual', referrerPolicy: 'no-referrer', credentials: 'omit', cache: 'no-store', signal });
      await cancelBody(probe);
      return networkMessage('redirect', p.url, p.why, kept(), { reached: true, target: probe.headers.get('location') });
    } catch {
      if (signal?.aborted) throw abortError(signal);
      return networkMessage('redirect', p.url, p.why, kept(), { reached: false, target: null });
    }
  };

  /** One more failure without progress: wait (committing first), or stop with the reason. */
  const retryOrFail = async (p: Problem, waitMs?: number): Promise<void> => {
    failures += 1;
    const last = failures >= maxFailures;
    await commit();
    // The CSP's violation event arrives a moment after the failed fetch: look after the wait.
    await sleep(last ? Math.min(100, delay) : (waitMs ?? delay), signal);
    if (p.kind === 'network') {
      const blocked = opts.blocked?.();
      if (blocked) throw new DownloadError(cspBlockedMessage(p.step, blocked, p.url));
    }
    if (last) throw new DownloadError(await giveUp(p));
    if (waitMs === undefined) delay = Math.min(delay * 2, maxDelay);
    resumes += 1;
  };

  report();
  while (offset < size) {
    if (signal?.aborted) throw abortError(signal);
    const target = fileUrl ?? url;
    const step: HubStep = fileUrl ? 'file' : 'redirect';
    const ranged = offset > 0 && useRange;
    let res: Response;
    try {
      res = await fetchImpl(target, {
        headers: ranged ? { Range: `bytes=${offset}-` } : {},
        referrerPolicy: 'no-referrer',
        credentials: 'omit',
        cache: 'no-store',
        signal,
      });
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      await retryOrFail({ kind: 'network', step, url: target, why: errorText(e) });
      continue;
    }

    if (!res.ok) {
      await cancelBody(res);
      if (fileUrl && (res.status === 401 || res.status === 403 || res.status === 410)) {
        // The signed URL expired (or was revoked): ask the hub for a fresh one.
        fileUrl = null;
        await retryOrFail({ kind: 'status', step: 'file', url: target, status: res.status }, 0);
        continue;
      }
      if (res.status === 416 && ranged) {
        useRange = false;
        await retryOrFail({ kind: 'range', url: target, why: `HTTP 416 for bytes ${offset}-` }, 0);
        continue;
      }
      const kind = retryable(res.status);
      if (kind) {
        const after = kind === 'rate limit' ? parseRetryAfter(res.headers.get('retry-after')) : null;
        // Who answered: the hub itself, or the file server it redirected to.
        const answered = res.redirected && res.url ? { step: 'file' as const, url: res.url } : { step, url: target };
        await retryOrFail({ kind: 'status', ...answered, status: res.status }, after === null ? undefined : Math.min(after, maxRetryAfter));
        continue;
      }
      if (res.status === 404) throw new DownloadError('The file is not there (HTTP 404): the repository or file name may have changed.');
      if (res.status === 401 || res.status === 403) {
        throw new DownloadError(`The hub refused the download (HTTP ${res.status}): the repository may now ask visitors to log in.`);
      }
      throw new DownloadError(`Unexpected answer from ${hostOf(target)}: HTTP ${res.status}.`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await cancelBody(res);
      throw new DownloadError(`Unexpected answer from ${hostOf(target)}: HTTP ${res.status}.`);
    }
    if (res.redirected && res.url) fileUrl = res.url;

    let start = 0;
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (range?.total != null && range.total !== size) {
        await cancelBody(res);
        throw new DownloadError(`${sizesDiffer(range.total, size)}: not downloaded. ${kept()}`.trim());
      }
      const wanted = ranged ? offset : 0;
      if (!range || range.start !== wanted) {
        // Bytes from an unknown or wrong place would corrupt the file: never written.
        await cancelBody(res);
        useRange = false;
        await retryOrFail({ kind: 'range', url: target, why: range ? `it sent bytes from ${range.start}, not ${wanted}` : 'its Content-Range is missing or unreadable' }, 0);
        continue;
      }
      start = range.start;
    } else {
      const header = res.headers.get('content-length');
      const length = Number(header);
      if (header !== null && Number.isFinite(length) && length !== size) {
        await cancelBody(res);
        throw new DownloadError(`${sizesDiffer(length, size)}: not downloaded. ${kept()}`.trim());
      }
    }
    if (!res.body) throw new DownloadError(`Step 3 of 3, the file: ${hostOf(res.url || target)} sent no data.`);
    if (start < offset) {
      // The whole file (or it from `start`) is arriving: only now are the stored bytes given up.
      await store(() => sink.truncate(start));
      offset = start;
      committed = Math.min(committed, start);
      report();
    }

    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (offset + value.byteLength > size) throw new DownloadError(`The server sent more than the ${mb(size)} the hub lists: not the file it describes.`);
        await store(() => sink.write(value));
        offset += value.byteLength;
        if (offset > furthest) {
          furthest = offset;
          failures = 0;
          delay = baseDelay;
        }
        if (offset - committed >= commitEvery) await commit();
        report();
      }
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      if (e instanceof DownloadError) throw e;
      await retryOrFail({ kind: 'network', step: 'file', url: res.url || target, why: errorText(e) });
      continue;
    }
    if (offset < size) await retryOrFail({ kind: 'short', url: res.url || target, why: `the server stopped after ${mb(offset)}` });
  }
  await commit();
  report();
}

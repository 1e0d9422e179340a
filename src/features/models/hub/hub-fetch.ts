/**
 * The parts of talking to the hub that the file list and the download share: bounded retries with
 * backoff (429 honours Retry-After, 5xx and network failures back off), and messages that say which
 * step failed and what to try. A network or CORS failure is a bare TypeError in every browser; a
 * Content-Security-Policy block is told apart by the `securitypolicyviolation` event the page saw
 * (`blocked`). No DOM: Node tests run it against a real local server.
 */
import { errorText } from '../../../mae/error-text.ts';

/** A download that cannot finish: the message says why and what to try (shown as is). */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

/** The three requests of a download, as the messages name them. */
export type HubStep = 'file list' | 'redirect' | 'file';

export interface RetryOptions {
  /** failures in a row (without progress) before giving up */
  maxFailures?: number;
  /** first wait; doubles per failure, back to this after progress */
  retryDelayMs?: number;
  /** the longest wait between tries */
  maxDelayMs?: number;
  /** the longest Retry-After honoured (a longer one is cut to this) */
  maxRetryAfterMs?: number;
  /** what the page's CSP blocked since the download started (blockedURI), if anything */
  blocked?: () => string | null;
}

export const RETRY_DEFAULTS = { maxFailures: 6, retryDelayMs: 1000, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 } as const;

// Byte counts in messages: the app's one formatter (src/mae/format-bytes.ts).
export { formatBytes as mb } from '../../../mae/format-bytes.ts';

/**
 * Retry-After as milliseconds to wait: delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2026
 * 07:28:00 GMT"); null when absent or unreadable. (A browser reads it only if the server lists it in
 * Access-Control-Expose-Headers; otherwise the backoff applies.)
 */
export function parseRetryAfter(header: string | null, now = Date.now()): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP date starts with the day's name (IMF-fixdate, RFC 850, asctime); "-5" is not one.
  if (!/^[A-Za-z]{3}/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Waits `ms`, or rejects at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The download was cancelled.', 'AbortError');
}

export const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/**
 * The message for a request the page's Content-Security-Policy blocked. Chromium reports a blocked
 * redirect under the URL that was asked for (the CSP spec keeps a redirect's target from the page), so
 * when the blocked URI is the hub's own /resolve/ URL, the host the hub redirected to cannot be named.
 */
export function cspBlockedMessage(step: HubStep, blockedURI: string, requested: string): string {
  const allowed = 'it may contact only huggingface.co and the subdomains of hf.co and huggingface.co';
  if (hostOf(blockedURI) === hostOf(requested) && step !== 'file list') {
    return (
      `Step 2 of 3, the redirect: ${hostOf(requested)} redirected the file to a server this page's Content-Security-Policy ` +
      `does not allow (${allowed}; the browser does not say which server). Nothing was downloaded. ` +
      'Please report it; `npm run hub:check` prints where the hub redirects.'
    );
  }
  return (
    `Step ${step === 'file list' ? '1 of 3, the file list' : step === 'redirect' ? '2 of 3, the redirect' : '3 of 3, the file'}: ` +
    `this page's Content-Security-Policy blocked a request to ${hostOf(blockedURI)} (${allowed}). Nothing was sent there. ` +
    'Please report it.'
  );
}

/**
 * The message for a network or CORS failure (the browser does not say which) at `step`. For the
 * redirect step, `hub` says what a second look found: whether the hub itself answered, and where it
 * redirects when that can be read (Node can; a browser gets an opaque redirect).
 */
export function networkMessage(
  step: HubStep,
  url: string,
  why: string,
  kept: string,
  hub?: { reached: boolean; target: string | null },
): string {
  const host = hostOf(url);
  const retry = kept ? ` ${kept}` : ' Then try again.';
  if (step === 'file list' || (step === 'redirect' && hub && !hub.reached)) {
    return (
      `Step ${step === 'file list' ? '1 of 3, the file list' : '2 of 3, the redirect'}: could not reach ${host} (${why}). ` +
      `Check that you are online; a firewall, proxy or content blocker may be blocking ${host}.${retry}`
    );
  }
  if (step === 'redirect') {
    const server = hub?.target ? `the file server it redirects to (${hostOf(hub.target)})` : 'the file server it redirects to';
    return (
      `Step 2 of 3, the redirect: ${host} answered, but ${server} could not be reached or refused this site (${why}; a ` +
      `network or CORS failure, which the browser does not tell apart). A firewall, proxy or content blocker may be ` +
      `blocking *.hf.co; try again later.${retry}`
    );
  }
  // ("try again" is already said here: only the kept bytes are added)
  return `Step 3 of 3, the file: the connection to ${host} failed again and again (${why}). Check your connection and try again.${kept ? ` ${kept}` : ''}`;
}

/** Why a status is worth another try, or null when it is final. */
export function retryable(status: number): 'rate limit' | 'server' | null {
  if (status === 429) return 'rate limit';
  if (status >= 500 && status <= 599) return 'server';
  return null;
}

export function statusMessage(step: HubStep, status: number, host: string, kept: string): string {
  const where = step === 'file list' ? 'Step 1 of 3, the file list' : step === 'redirect' ? 'Step 2 of 3, the redirect' : 'Step 3 of 3, the file';
  const tail = kept ? ` ${kept}` : '';
  if (status === 429) return `${where}: ${host} kept answering "too many requests" (HTTP 429). Wait a few minutes and try again.${tail}`;
  return `${where}: ${host} kept failing (HTTP ${status}). The hub may be having trouble; try again later.${tail}`;
}

/**
 * GET `url` as JSON (the hub's file list), retrying 429 (after Retry-After), 5xx and network failures,
 * bounded; any other failure ends in a DownloadError whose message names the step.
 */
export async function fetchJsonWithRetry(
  url: string,
  opts: RetryOptions & { signal?: AbortSignal; fetchImpl?: typeof fetch; what: string },
): Promise<unknown> {
  const o = { ...RETRY_DEFAULTS, ...opts };
  const fetchImpl = opts.fetchImpl ?? fetch;
  let delay = o.retryDelayMs;
  for (let failures = 1; ; failures++) {
    let res: Response;
    try {
      res = await fetchImpl(url, { referrerPolicy: 'no-referrer', credentials: 'omit', cache: 'no-store', signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      // The CSP's violation event comes a moment after the failed fetch: look after the wait.
      const last = failures >= o.maxFailures;
      await sleep(last ? 100 : delay, opts.signal);
      const blocked = opts.blocked?.();
      if (blocked) throw new DownloadError(cspBlockedMessage('file list', blocked, url));
      if (last) throw new DownloadError(networkMessage('file list', url, errorText(e), ''));
      delay = Math.min(delay * 2, o.maxDelayMs);
      continue;
    }
    if (res.ok) {
      try {
        return await res.json();
      } catch (e) {
        throw new DownloadError(`Step 1 of 3, the file list: the hub's list of ${opts.what} is not usable: ${errorText(e)}.`);
      }
    }
    await res.body?.cancel().catch(() => undefined);
    const kind = retryable(res.status);
    if (!kind) {
      if (res.status === 404) throw new DownloadError(`Step 1 of 3, the file list: the hub has no ${opts.what} (HTTP 404).`);
      throw new DownloadError(`Step 1 of 3, the file list: the hub could not list ${opts.what} (HTTP ${res.status}).`);
    }
    if (failures >= o.maxFailures) throw new DownloadError(statusMessage('file list', res.status, hostOf(url), ''));
    const after = kind === 'rate limit' ? parseRetryAfter(res.headers.get('retry-after')) : null;
    await sleep(after !== null ? Math.min(after, o.maxRetryAfterMs) : delay, opts.signal);
    delay = Math.min(delay * 2, o.maxDelayMs);
  }
}

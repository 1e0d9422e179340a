/**
 * `npm run hub:check`'s logic (scripts/hub-check.ts runs it against the real hub): list a model's
 * files with the tree API, then follow `/resolve/` for one file hop by hop, as a browser would (with
 * an Origin and `Range: bytes=0-0`), and say for each hop: the host, whether this site's
 * Content-Security-Policy (connect-src) lets the page contact it, the status, and which headers a page
 * may read (CORS). No DOM; tests/unit/hub-check.test.ts feeds it answers written by hand.
 */
import { cspAllows } from '../src/features/models/hub/hub-hosts.ts';
import { fileInfoFromTree } from '../src/features/models/hub/hub-catalog.ts';
import { parseContentRange } from '../src/features/models/hub/download.ts';

/** Response headers every page may read, listed or not (Fetch: CORS-safelisted response headers). */
export const SAFELISTED = ['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma'];

export interface Hop {
  url: string;
  host: string;
  allowedByCsp: boolean;
  status: number;
  /** Access-Control-Allow-Origin as sent (null: a page cannot read this answer at all) */
  allowOrigin: string | null;
  /** headers a page may read: the safelisted ones present, and those in Access-Control-Expose-Headers */
  readable: string[];
  location: string | null;
  contentRange: string | null;
  retryAfter: string | null;
  /** the CORS preflight a Range request needs: does it allow the Range header? (null: not asked) */
  preflight: { status: number; allowsRange: boolean } | null;
}

/** The headers of `headers` a page may read under CORS. */
export function readableHeaders(headers: Headers): string[] {
  const exposeHeader = headers.get('access-control-expose-headers') ?? '';
  const exposed = exposeHeader
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const wildcard = exposed.includes('*'); // for requests without credentials, as ours are
  const names = new Set<string>();
  headers.forEach((_, name) => {
    if (SAFELISTED.includes(name) || wildcard || exposed.includes(name)) names.add(name);
  });
  return [...names].sort();
}

export function hopOf(url: string, status: number, headers: Headers, connectSrc: string): Hop {
  const location = headers.get('location');
  return {
    url,
    host: new URL(url).host,
    allowedByCsp: cspAllows(connectSrc, url),
    status,
    allowOrigin: headers.get('access-control-allow-origin'),
    readable: readableHeaders(headers),
    location: location === null ? null : new URL(location, url).href,
    contentRange: headers.get('content-range'),
    retryAfter: headers.get('retry-after'),
    preflight: null,
  };
}

/**
 * Follows `url` hop by hop (redirect: 'manual', which Node answers with the real 3xx and its
 * Location), at most `maxHops`.
 */
export async function followHops(
  url: string,
  opts: { connectSrc: string; origin: string; fetchImpl?: typeof fetch; maxHops?: number },
): Promise<Hop[]> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const hops: Hop[] = [];
  let next: string | null = url;
  while (next && hops.length < (opts.maxHops ?? 6)) {
    const pre: Response = await fetchImpl(next, {
      method: 'OPTIONS',
      redirect: 'manual',
      headers: { Origin: opts.origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    await pre.body?.cancel().catch(() => undefined);
    const res: Response = await fetchImpl(next, { redirect: 'manual', headers: { Range: 'bytes=0-0', Origin: opts.origin } });
    await res.body?.cancel().catch(() => undefined);
    const hop = hopOf(next, res.status, res.headers, opts.connectSrc);
    hop.preflight = { status: pre.status, allowsRange: preflightAllowsRange(pre.headers) };
    hops.push(hop);
    next = res.status >= 300 && res.status < 400 ? hop.location : null;
  }
  return hops;
}

/** What the file list says about `file`: size, SHA-256, and whether it is stored with Xet. */
export function describeTree(tree: unknown, file: string): string {
  const info = fileInfoFromTree(tree, file);
  const entry = (tree as { path?: unknown; xetHash?: unknown }[]).find((e) => e.path === file);
  const xet = typeof entry?.xetHash === 'string' ? `xetHash ${entry.xetHash.slice(0, 12)}…` : 'no xetHash (plain LFS)';
  return `${file}: ${info.size} bytes, SHA-256 ${info.sha256 ?? '(none listed)'}, ${xet}`;
}

/** Whether a CORS preflight answer lets a page send `Range` (listed, or `*`). */
export function preflightAllowsRange(headers: Headers): boolean {
  const allowed = (headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
  return headers.get('access-control-allow-origin') !== null && (allowed.includes('range') || allowed.includes('*'));
}

/** One line per hop, and the verdict a download in the browser would meet. */
export function report(hops: Hop[]): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  let ok = hops.length > 0;
  for (const [i, h] of hops.entries()) {
    lines.push(
      `${i + 1}. ${h.host}: HTTP ${h.status}; CSP ${h.allowedByCsp ? 'allows' : 'BLOCKS'} it; ` +
        `Access-Control-Allow-Origin ${h.allowOrigin ?? '(none: a page cannot read it)'}; readable: ${h.readable.join(', ') || '(none)'}`,
    );
    if (h.preflight)
      lines.push(`   preflight for Range: HTTP ${h.preflight.status}, ${h.preflight.allowsRange ? 'allowed' : 'NOT allowed'}`);
    if (h.location) lines.push(`   -> redirects to ${new URL(h.location).host}`);
    if (!h.allowedByCsp || h.allowOrigin === null) ok = false;
  }
  const last = hops.at(-1);
  if (last) {
    if (last.status === 206) {
      const range = parseContentRange(last.contentRange);
      const readable = last.readable.includes('content-range');
      lines.push(
        `Range: 206, Content-Range ${last.contentRange ?? '(missing)'}${range?.start === 0 ? '' : ' (not from byte 0!)'}; ` +
          `${readable ? 'a page can read it: resuming works' : 'a page CANNOT read it: the download starts over after a drop'}`,
      );
    } else if (last.status === 200) {
      lines.push('Range ignored (200): a dropped download starts over');
    } else if (last.status === 429) {
      lines.push(
        `Rate-limited (429), Retry-After ${last.retryAfter ?? '(none)'}${last.readable.includes('retry-after') ? '' : ' (a page cannot read it: backoff applies)'}`,
      );
      ok = false;
    } else if (last.status >= 300) {
      lines.push(`Ended with HTTP ${last.status}`);
      ok = false;
    }
  }
  return { lines, ok };
}

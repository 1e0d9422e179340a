/**
 * A stand-in for the Hugging Face hub (e2e/hub.spec.ts, tests/node/hub-download.test.ts), speaking as
 * the real one does (huggingface.js's listFiles and downloadFile, the hub's rate-limit docs, the
 * headers cas-bridge.xethub.hf.co sends, as reported in huggingface/datasets#7931):
 * - `GET /api/models/<repo>/tree/main` lists files: `type`, `oid`, `size`, `path`, and for large
 *   files `lfs: { oid (SHA-256), size, pointerSize }` and `xetHash`.
 * - `GET /<repo>/resolve/main/<file>` answers 302 with `X-Linked-Size`, `X-Xet-Hash`, `X-Linked-ETag`
 *   to a signed URL on a second origin (the file server), which serves the bytes with range requests
 *   and exposes Content-Range to pages.
 * - A third origin stands for a file server outside the test build's CSP (`outside`), or a second hop
 *   (`hops: 2`: hub -> bridge on the second origin -> file on the third).
 * Per repository a test can make it misbehave as servers do (HubScenario). Every request is recorded.
 * The origins are E2E_HUB's fixed ports (the test build's CSP names them); Node tests pass port 0.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { E2E_HUB } from '../src/features/models/hub/hub-hosts.ts';

export interface HubScenario {
  notFound?: boolean;
  /** close the connection after this many bytes of the first response for the file */
  dropAfter?: number;
  /** … of every response for the file */
  dropAlways?: boolean;
  /** bytes per second (the rest of the file trickles) */
  slow?: number;
  /** only the first response for the file trickles */
  slowOnce?: boolean;
  /** what the file list says the size is */
  listedSize?: number;
  /** flip one byte in the middle of what is served */
  corrupt?: boolean;
  /** the first N file-list requests get 429 with this Retry-After (seconds or an HTTP date) */
  treeRateLimited?: { times: number; retryAfter: string };
  /** the first N file-list requests get 503 */
  treeUnavailable?: number;
  /** the first N file-server requests get 429 with this Retry-After */
  fileRateLimited?: { times: number; retryAfter: string };
  /** the first N file-server requests get 503 */
  fileUnavailable?: number;
  /** the file server answers a range request with the whole file (200) */
  ignoreRange?: boolean;
  /** the file server answers a range request with 206 from byte 0 (its Content-Range says so) */
  wrongOffset?: boolean;
  /** the file server sends 206 without Content-Range */
  noContentRange?: boolean;
  /** the file server sends Content-Range but does not list it in Access-Control-Expose-Headers */
  hideContentRange?: boolean;
  /** /resolve/ redirects to the third origin (outside the test build's CSP) */
  outside?: boolean;
  /** /resolve/ redirects to a bridge on the second origin, which redirects to the third */
  hops?: 2;
  /** a signed URL serves one request; asked again, it answers 403 (expired), as a CDN does */
  expiring?: boolean;
}

export interface HubRequest {
  host: string;
  path: string;
  range: string | null;
  referer: string | null;
  cookie: string | null;
  status: number;
}

export type HubOrigins = { base: string; cdn: string; outside: string };

/** The hub's own CORS answer (huggingface.co). */
const HUB_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range, Content-Type, Authorization',
  'Access-Control-Expose-Headers':
    'X-Repo-Commit, X-Request-Id, X-Error-Code, X-Error-Message, X-Total-Count, ETag, Link, Accept-Ranges, Content-Range, X-Linked-Size, X-Linked-ETag, X-Xet-Hash, Retry-After',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};
/** The file server's (cas-bridge.xethub.hf.co, huggingface/datasets#7931). */
const CDN_CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range, Content-Range, Content-Type, Content-Disposition, ETag',
  'Access-Control-Expose-Headers': 'Accept-Ranges, Content-Range, Content-Type, Content-Disposition, ETag, X-Cache, Retry-After',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

const REPO = '([\\w-]+/[\\w.-]+)';

export class FakeHub {
  readonly requests: HubRequest[] = [];
  readonly scenarios = new Map<string, HubScenario>();
  origins: HubOrigins;
  private readonly files = new Map<string, { file: string; bytes: Buffer; sha256: string; xetHash: string }>();
  private readonly counts = new Map<string, number>();
  private readonly issued = new Map<string, number>();
  private servers: Server[] = [];

  constructor(origins: HubOrigins = E2E_HUB) {
    this.origins = { ...origins };
  }

  /** Serves `bytes` as `<repo>`'s `<file>` (e.g. facebook/vit-mae-base, model.safetensors). */
  add(repo: string, file: string, bytes: Buffer): void {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.files.set(repo, { file, bytes, sha256, xetHash: createHash('sha256').update('xet').update(bytes).digest('hex') });
  }

  async start(): Promise<void> {
    const handlers = [
      (q: IncomingMessage, r: ServerResponse) => this.hub(q, r),
      (q: IncomingMessage, r: ServerResponse) => this.cdn(q, r, 'cdn'),
      (q: IncomingMessage, r: ServerResponse) => this.cdn(q, r, 'outside'),
    ];
    const keys = ['base', 'cdn', 'outside'] as const;
    this.servers = handlers.map((h) => createServer(h));
    for (const [i, key] of keys.entries()) {
      const url = new URL(this.origins[key]);
      const server = this.servers[i];
      // "localhost" may resolve to ::1 or 127.0.0.1: listen on every interface for those.
      await new Promise<void>((ok, fail) => {
        server.once('error', fail);
        if (url.hostname === 'localhost') server.listen(Number(url.port), ok);
        else server.listen(Number(url.port), url.hostname, ok);
      });
      url.port = String((server.address() as AddressInfo).port);
      this.origins[key] = url.origin;
    }
  }

  async stop(): Promise<void> {
    for (const s of this.servers) s.closeAllConnections();
    await Promise.all(this.servers.map((s) => new Promise((ok) => s.close(ok))));
  }

  /** The requests for the file's bytes (the file servers), in order. */
  fileRequests(): HubRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/xet/'));
  }

  private count(key: string): number {
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n;
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body?: string | Buffer): void {
    this.record(req, status);
    res.writeHead(status, headers).end(body);
  }

  private record(req: IncomingMessage, status: number): void {
    const h = (k: string): string | null => (typeof req.headers[k] === 'string' ? req.headers[k] : null);
    this.requests.push({
      host: h('host') ?? '',
      path: req.url ?? '',
      range: h('range'),
      referer: h('referer'),
      cookie: h('cookie'),
      status,
    });
  }

  private hub(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'OPTIONS') return void res.writeHead(204, HUB_CORS).end();
    const url = new URL(req.url ?? '/', this.origins.base);
    const tree = new RegExp(`^/api/models/${REPO}/tree/main$`).exec(url.pathname);
    if (tree) {
      const f = this.files.get(tree[1]);
      if (!f) return this.send(req, res, 404, { ...HUB_CORS, 'X-Error-Code': 'RepoNotFound' }, 'Repository not found');
      const s = this.scenarios.get(tree[1]) ?? {};
      const n = this.count(`tree:${tree[1]}`);
      if (s.treeRateLimited && n <= s.treeRateLimited.times) {
        return this.send(
          req,
          res,
          429,
          { ...HUB_CORS, 'Retry-After': s.treeRateLimited.retryAfter, 'Content-Type': 'text/plain' },
          'Too Many Requests',
        );
      }
      if (s.treeUnavailable && n <= s.treeUnavailable)
        return this.send(req, res, 503, { ...HUB_CORS, 'Content-Type': 'text/plain' }, 'Service Unavailable');
      const size = s.listedSize ?? f.bytes.length;
      const list = [
        { type: 'file', oid: 'a'.repeat(40), size: 1234, path: 'config.json' },
        { type: 'file', oid: 'b'.repeat(40), size, lfs: { oid: f.sha256, size, pointerSize: 134 }, xetHash: f.xetHash, path: f.file },
      ];
      return this.send(req, res, 200, { ...HUB_CORS, 'Content-Type': 'application/json' }, JSON.stringify(list));
    }
    const resolve = new RegExp(`^/${REPO}/resolve/main/([\\w.-]+)$`).exec(url.pathname);
    const f = resolve ? this.files.get(resolve[1]) : undefined;
    if (!resolve || !f || f.file !== resolve[2] || this.scenarios.get(resolve[1])?.notFound) {
      return this.send(req, res, 404, { ...HUB_CORS, 'Content-Type': 'text/plain', 'X-Error-Code': 'EntryNotFound' }, 'Entry not found');
    }
    const s = this.scenarios.get(resolve[1]) ?? {};
    const sig = `s${this.issued.size + 1}`;
    this.issued.set(sig, 0);
    const file = `/xet/${resolve[1]}/${f.file}?X-Xet-Signed-Range=bytes&Expires=1765000000&Signature=${sig}`;
    const location = s.hops === 2 ? `${this.origins.cdn}/bridge${file}` : `${s.outside ? this.origins.outside : this.origins.cdn}${file}`;
    this.send(req, res, 302, {
      ...HUB_CORS,
      Location: location,
      'X-Linked-Size': String(f.bytes.length),
      'X-Linked-ETag': `"${f.sha256}"`,
      'X-Xet-Hash': f.xetHash,
      'X-Repo-Commit': 'c'.repeat(40),
    });
  }

  private cdn(req: IncomingMessage, res: ServerResponse, which: 'cdn' | 'outside'): void {
    if (req.method === 'OPTIONS') return void res.writeHead(204, CDN_CORS).end();
    const url = new URL(req.url ?? '/', this.origins[which]);
    if (url.pathname.startsWith('/bridge/')) {
      return this.send(req, res, 302, {
        ...CDN_CORS,
        Location: `${this.origins.outside}${url.pathname.slice('/bridge'.length)}${url.search}`,
      });
    }
    const m = new RegExp(`^/xet/${REPO}/([\\w.-]+)$`).exec(url.pathname);
    const f = m ? this.files.get(m[1]) : undefined;
    if (!m || !f) return this.send(req, res, 404, CDN_CORS);
    const s = this.scenarios.get(m[1]) ?? {};
    const sig = url.searchParams.get('Signature') ?? '';
    const uses = this.issued.get(sig);
    if (uses === undefined || (s.expiring && uses >= 1)) {
      return this.send(
        req,
        res,
        403,
        { ...CDN_CORS, 'Content-Type': 'application/xml' },
        '<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
      );
    }
    this.issued.set(sig, uses + 1);
    const n = this.count(`file:${m[1]}`);
    if (s.fileRateLimited && n <= s.fileRateLimited.times) {
      return this.send(
        req,
        res,
        429,
        { ...CDN_CORS, 'Retry-After': s.fileRateLimited.retryAfter, 'Content-Type': 'text/plain' },
        'Too Many Requests',
      );
    }
    if (s.fileUnavailable && n <= s.fileUnavailable)
      return this.send(req, res, 503, { ...CDN_CORS, 'Content-Type': 'text/plain' }, 'Service Unavailable');
    let bytes = f.bytes;
    if (s.corrupt) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    // "bytes=N-" (a resumed download) or "bytes=N-M" (hub:check asks for bytes=0-0)
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const asked = range && !s.ignoreRange ? Number(range[1]) : null;
    const start = asked === null ? 0 : s.wrongOffset ? 0 : Math.min(asked, bytes.length);
    const end = asked !== null && range?.[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    const body = bytes.subarray(start, end + 1);
    const cors = s.hideContentRange ? { ...CDN_CORS, 'Access-Control-Expose-Headers': 'Accept-Ranges, ETag' } : CDN_CORS;
    const headers: Record<string, string> = {
      ...cors,
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Content-Length': String(body.length),
      ETag: `"${f.sha256}"`,
    };
    if (asked !== null && !s.noContentRange) headers['Content-Range'] = `bytes ${start}-${end}/${bytes.length}`;
    const status = asked !== null ? 206 : 200;
    this.record(req, status);
    res.writeHead(status, headers);
    if (s.dropAfter !== undefined && (s.dropAlways || n === 1 + (s.fileUnavailable ?? 0) + (s.fileRateLimited?.times ?? 0))) {
      res.write(body.subarray(0, s.dropAfter), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    if (s.slow && (!s.slowOnce || n === 1)) {
      const step = Math.max(1024, Math.floor(s.slow / 10));
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= body.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(body.subarray(at, at + step));
        at += step;
      }, 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.end(body);
  }
}

/**
 * A stand-in for the Hugging Face hub in e2e/hub.spec.ts, with the hub's URL layout and behaviour:
 * `GET /api/models/<repo>/tree/main` lists files with their size and SHA-256 (lfs.oid), and
 * `GET /<repo>/resolve/main/<file>` redirects (302) to a second host, the "file CDN", which serves
 * the bytes with range requests. Both answer CORS as the hub does. Per repository a test can make
 * the file go missing (404), drop the connection part-way (once), trickle, lie about its size, or
 * arrive corrupted. Every request is recorded (host, path, Range, Referer, Cookie).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { E2E_HUB } from '../vite.config.ts';

export interface HubScenario {
  notFound?: boolean;
  /** close the connection after this many bytes of the first response for the file */
  dropAfter?: number;
  /** bytes per second (the rest of the file trickles) */
  slow?: number;
  /** what the file list says the size is */
  listedSize?: number;
  /** flip one byte in the middle of what is served */
  corrupt?: boolean;
}

export interface HubRequest {
  host: string;
  path: string;
  range: string | null;
  referer: string | null;
  cookie: string | null;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

export class FakeHub {
  readonly requests: HubRequest[] = [];
  readonly scenarios = new Map<string, HubScenario>();
  private readonly files = new Map<string, { file: string; bytes: Buffer; sha256: string }>();
  private readonly dropped = new Set<string>();
  private servers: Server[] = [];

  /** Serves `bytes` as `<repo>`'s `<file>` (e.g. facebook/vit-mae-base, model.safetensors). */
  add(repo: string, file: string, bytes: Buffer): void {
    this.files.set(repo, { file, bytes, sha256: createHash('sha256').update(bytes).digest('hex') });
  }

  async start(): Promise<void> {
    const hub = new URL(E2E_HUB.base);
    const cdn = new URL(E2E_HUB.cdn);
    this.servers = [createServer((q, r) => this.hub(q, r)), createServer((q, r) => this.cdn(q, r))];
    await new Promise<void>((ok) => this.servers[0].listen(Number(hub.port), hub.hostname, ok));
    // "localhost" may resolve to ::1 or 127.0.0.1: listen on both.
    await new Promise<void>((ok) => this.servers[1].listen(Number(cdn.port), ok));
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise((ok) => s.close(ok))));
    for (const s of this.servers) s.closeAllConnections();
  }

  private record(req: IncomingMessage): void {
    const h = (k: string): string | null => (typeof req.headers[k] === 'string' ? req.headers[k] : null);
    this.requests.push({ host: h('host') ?? '', path: req.url ?? '', range: h('range'), referer: h('referer'), cookie: h('cookie') });
  }

  private hub(req: IncomingMessage, res: ServerResponse): void {
    this.record(req);
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    const url = new URL(req.url ?? '/', E2E_HUB.base);
    const tree = /^\/api\/models\/([\w-]+\/[\w.-]+)\/tree\/main$/.exec(url.pathname);
    if (tree) {
      const f = this.files.get(tree[1]);
      if (!f) return void res.writeHead(404, CORS).end('Repository not found');
      const size = this.scenarios.get(tree[1])?.listedSize ?? f.bytes.length;
      const list = [
        { type: 'file', oid: 'a'.repeat(40), size: 1234, path: 'config.json' },
        { type: 'file', oid: 'b'.repeat(40), size, path: f.file, lfs: { oid: f.sha256, size, pointerSize: 134 } },
      ];
      return void res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify(list));
    }
    const resolve = /^\/([\w-]+\/[\w.-]+)\/resolve\/main\/([\w.-]+)$/.exec(url.pathname);
    const f = resolve ? this.files.get(resolve[1]) : undefined;
    if (!resolve || !f || f.file !== resolve[2] || this.scenarios.get(resolve[1])?.notFound) {
      return void res.writeHead(404, { ...CORS, 'Content-Type': 'text/plain' }).end('Entry not found');
    }
    res.writeHead(302, { ...CORS, Location: `${E2E_HUB.cdn}/xet/${resolve[1]}/${f.file}?signature=test` }).end();
  }

  private cdn(req: IncomingMessage, res: ServerResponse): void {
    this.record(req);
    if (req.method === 'OPTIONS') return void res.writeHead(204, CORS).end();
    const url = new URL(req.url ?? '/', E2E_HUB.cdn);
    const m = /^\/xet\/([\w-]+\/[\w.-]+)\/([\w.-]+)$/.exec(url.pathname);
    const f = m ? this.files.get(m[1]) : undefined;
    if (!m || !f) return void res.writeHead(404, CORS).end();
    const scenario = this.scenarios.get(m[1]) ?? {};
    let bytes = f.bytes;
    if (scenario.corrupt) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const body = bytes.subarray(start);
    const headers = {
      ...CORS,
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Content-Length': String(body.length),
    };
    if (range) res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` });
    else res.writeHead(200, headers);
    if (scenario.dropAfter !== undefined && !this.dropped.has(m[1])) {
      this.dropped.add(m[1]);
      res.write(body.subarray(0, scenario.dropAfter), () => setTimeout(() => res.socket?.destroy(), 50));
      return;
    }
    if (scenario.slow) {
      const step = Math.max(1024, Math.floor(scenario.slow / 10));
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

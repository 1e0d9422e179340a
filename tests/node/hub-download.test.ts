// download() and the file list's retries (src/features/models/hub) against the stand-in hub
// (e2e/hub-server.ts): real local HTTP servers on three origins, Node's fetch, a real file as the
// sink. Each case is one way the real hub, its file servers or the network misbehave; the reference
// is the served file's bytes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, open, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeHub, type HubScenario } from '../../e2e/hub-server.ts';
import { download, DownloadError, type DownloadOptions, type DownloadSink } from '../../src/features/models/hub/download.ts';
import { fetchJsonWithRetry } from '../../src/features/models/hub/hub-fetch.ts';
import { followHops, report } from '../../scripts/hub-check-lib.ts';
import { fileInfoFromTree, HUB_MODELS, resolveUrl, treeUrl } from '../../src/features/models/hub/hub-catalog.ts';

const REPO = 'facebook/vit-mae-base';
const FILE = 'model.safetensors';
const BYTES = randomBytes(300_000);
const model = HUB_MODELS[0];

/** A file on disk, as the page's partial file: appends, truncates, counts commits (fsync). */
class FileSink implements DownloadSink {
  commits: number[] = [];
  constructor(
    readonly path: string,
    /** a device that refuses to store past this many bytes, as a full disk does */
    private readonly capacity = Infinity,
  ) {}
  async size(): Promise<number> {
    return stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
  }
  async write(chunk: Uint8Array): Promise<void> {
    if ((await this.size()) + chunk.byteLength > this.capacity)
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    await appendFile(this.path, chunk);
  }
  async truncate(size: number): Promise<void> {
    await appendFile(this.path, new Uint8Array(0));
    await truncate(this.path, size);
  }
  async commit(): Promise<void> {
    const fh = await open(this.path, 'a');
    await fh.datasync();
    await fh.close();
    this.commits.push(await this.size());
  }
  bytes(): Buffer {
    return readFileSync(this.path);
  }
}

let hub: FakeHub;
let dir: string;
let sink: FileSink;
beforeEach(async () => {
  hub = new FakeHub({ base: 'http://127.0.0.1:0', cdn: 'http://localhost:0', outside: 'http://localhost:0' });
  hub.add(REPO, FILE, BYTES);
  await hub.start();
  dir = mkdtempSync(join(tmpdir(), 'hub-download-'));
  sink = new FileSink(join(dir, 'part'));
});
afterEach(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Short waits: the cases are about what happens, not how long it takes. */
function get(scenario: HubScenario = {}, extra: Partial<DownloadOptions> = {}): Promise<void> {
  hub.scenarios.set(REPO, scenario);
  return download(sink, { url: resolveUrl(model, hub.origins.base), size: BYTES.length, retryDelayMs: 5, maxDelayMs: 20, ...extra });
}

const failure = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'no error',
    (e: unknown) => (e instanceof DownloadError ? e.message : `not a DownloadError: ${String(e)}`),
  );

const paths = (): string[] => hub.requests.map((r) => `${r.status} ${r.path.split('?')[0]}${r.range ? ` ${r.range}` : ''}`);

describe('download() against the stand-in hub', () => {
  it('follows the redirect to the file server and stores the exact bytes', async () => {
    await get();
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(paths()).toEqual([`302 /${REPO}/resolve/main/${FILE}`, `200 /xet/${REPO}/${FILE}`]);
  });

  it('follows two redirects, to a second and a third origin', async () => {
    await get({ hops: 2 });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(
      hub.requests.map((r) => `${r.status} ${new URL(`http://${r.host}`).port === new URL(hub.origins.outside).port ? 'third' : r.host}`),
    ).toEqual([`302 ${new URL(hub.origins.base).host}`, `302 ${new URL(hub.origins.cdn).host}`, '200 third']);
  });

  it('a dropped connection resumes from the stored bytes, at the file server (not through the hub again)', async () => {
    await get({ dropAfter: 100_000 });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    const files = hub.fileRequests();
    expect(files).toHaveLength(2);
    expect(files[1].range).toMatch(/^bytes=\d+-$/);
    expect(Number(/\d+/.exec(files[1].range!)![0])).toBeGreaterThan(0);
    expect(files[1].path).toBe(files[0].path); // the same signed URL
    expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toHaveLength(1);
    // committed before waiting: a closed tab would keep what came before the drop
    expect(sink.commits[0]).toBe(Number(/\d+/.exec(files[1].range!)![0]));
  });

  it('a signed URL that expired (403 when asked again) is renewed through /resolve/', async () => {
    await get({ dropAfter: 100_000, expiring: true });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(paths().map((p) => p.replace(/ bytes=\d+-$/, ' bytes=N-'))).toEqual([
      `302 /${REPO}/resolve/main/${FILE}`,
      `200 /xet/${REPO}/${FILE}`,
      `403 /xet/${REPO}/${FILE} bytes=N-`,
      `302 /${REPO}/resolve/main/${FILE} bytes=N-`,
      `206 /xet/${REPO}/${FILE} bytes=N-`,
    ]);
  });

  it('a server that ignores Range (200, the whole file) starts over, never appends a second copy', async () => {
    await get({ dropAfter: 100_000, ignoreRange: true });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(hub.fileRequests().map((r) => r.status)).toEqual([200, 200]);
  });

  for (const [name, scenario] of [
    ['a 206 that starts at another byte', { wrongOffset: true }],
    ['a 206 without Content-Range', { noContentRange: true }],
  ] as const) {
    it(`${name} is never written: it starts over without Range`, async () => {
      await get({ dropAfter: 100_000, ...scenario });
      expect(sink.bytes().equals(BYTES)).toBe(true);
      const files = hub.fileRequests();
      expect(files.map((r) => [r.status, r.range === null])).toEqual([
        [200, true],
        [206, false],
        [200, true],
      ]);
    });
  }

  it('the failure count resets when bytes move forward: many drops, each with progress, still finish', async () => {
    await get({ dropAfter: 40_000, dropAlways: true }, { maxFailures: 2 });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(hub.fileRequests().length).toBeGreaterThanOrEqual(Math.ceil(BYTES.length / 40_000));
  });

  it('starting over and dropping again is not progress: it stops with a message, it does not loop', async () => {
    const message = await failure(get({ dropAfter: 40_000, dropAlways: true, wrongOffset: true }, { maxFailures: 4 }));
    expect(message).toMatch(/^Step 3 of 3, the file: .*do not line up|^Step 3 of 3, the file: the connection to /);
    // Whether bytes are kept at the end depends on where the last drop fell (after the start-over
    // truncated the file, or after new bytes were written): the message must say which, truthfully.
    const keptBytes = await sink.size();
    expect(message).toMatch(
      keptBytes > 0 ? /are kept: press Download to resume\.$/ : /(do not line up.*failed too\.|Check your connection and try again\.)$/,
    );
    expect(hub.fileRequests().length).toBeLessThanOrEqual(8);
  });

  it('429 waits for Retry-After (seconds), not the backoff', async () => {
    // The backoff here is 10 minutes: only Retry-After's 0 s lets the download finish in time.
    await get({ fileRateLimited: { times: 2, retryAfter: '0' } }, { retryDelayMs: 600_000, maxDelayMs: 600_000 });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(hub.fileRequests().map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('429 with Retry-After as an HTTP date, and one longer than the cap, are honoured within the cap', async () => {
    const past = new Date(Date.now() - 5000).toUTCString();
    await get({ fileRateLimited: { times: 1, retryAfter: past } }, { retryDelayMs: 600_000, maxDelayMs: 600_000 });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    await truncate(sink.path, 0);
    hub.requests.length = 0;
    hub.scenarios.set(REPO, {});
    await download(sink, {
      url: resolveUrl(model, hub.origins.base),
      size: BYTES.length,
      retryDelayMs: 600_000,
      maxRetryAfterMs: 10,
      fetchImpl: once429(3600),
    });
    expect(sink.bytes().equals(BYTES)).toBe(true);
  });

  it('503s on the download are retried, bounded', async () => {
    await get({ fileUnavailable: 2 });
    expect(sink.bytes().equals(BYTES)).toBe(true);
    await sink.truncate(0);
    const message = await failure(get({ fileUnavailable: 100 }, { maxFailures: 3 }));
    // the file server answered the 503s, not the hub: the message names it and the step
    expect(message).toMatch(
      /^Step 3 of 3, the file: localhost:\d+ kept failing \(HTTP 503\)\. The hub may be having trouble; try again later\./,
    );
  });

  it('a file server whose size differs from the listing: stopped, with both sizes', async () => {
    expect(await failure(get({}, { size: BYTES.length + 4096 }))).toBe(
      "The server's file is 300 KB, but the hub lists 304 KB: not downloaded.",
    );
    // … or only when resuming (Content-Range's total)
    await sink.truncate(0);
    await appendFile(sink.path, BYTES.subarray(0, 1000));
    expect(await failure(get({}, { size: BYTES.length - 10 }))).toMatch(
      /^The server's file is 300000 bytes, but the hub lists 299990 bytes: not downloaded\. 1 KB of 300 KB are kept: press Download to resume\.$/,
    );
  });

  it('a hub that cannot be reached, and a file server that cannot: the step and what to try', async () => {
    const closed = 'http://127.0.0.1:9'; // the discard port: nothing listens, the connection is refused
    const m1 = await failure(download(sink, { url: resolveUrl(model, closed), size: BYTES.length, retryDelayMs: 5, maxFailures: 2 }));
    expect(m1).toMatch(/^Step 2 of 3, the redirect: could not reach 127\.0\.0\.1:9 \(.+\)\. Check that you are online/);
    hub.origins.outside = 'http://localhost:9';
    const m2 = await failure(get({ outside: true }, { maxFailures: 2 }));
    expect(m2).toMatch(
      /^Step 2 of 3, the redirect: 127\.0\.0\.1:\d+ answered, but the file server it redirects to \(localhost:9\) could not be reached or refused this site/,
    );
  });

  it('a full disk: the storage message, and what was stored stays', async () => {
    sink = new FileSink(sink.path, 150_000);
    const message = await failure(get());
    expect(message).toMatch(/^Not enough storage: the browser refused to store more of the file after \d+(\.\d)? KB of 300 KB\./);
    expect(sink.bytes().equals(BYTES.subarray(0, sink.bytes().length))).toBe(true);
    expect(sink.bytes().length).toBeGreaterThan(0);
  });

  it('commits every commitEveryBytes, so a closed tab keeps what came', async () => {
    await get({ slow: 100_000 }, { commitEveryBytes: 20_000 });
    // the trickle sends 10 kB steps: a commit at least every 20 kB
    expect(sink.commits.length).toBeGreaterThanOrEqual(BYTES.length / 30_000);
    expect(sink.commits.every((n, i) => i === 0 || n > sink.commits[i - 1])).toBe(true);
    expect(sink.commits.at(-1)).toBe(BYTES.length);
  });

  it('a download resumed from a file a closed tab left behind asks only for the rest', async () => {
    await appendFile(sink.path, BYTES.subarray(0, 123_456));
    await get();
    expect(sink.bytes().equals(BYTES)).toBe(true);
    expect(hub.fileRequests().map((r) => r.range)).toEqual(['bytes=123456-']);
  });
});

/** Node's fetch, but the first file-server answer is replaced by a 429 with Retry-After `seconds`. */
function once429(seconds: number): typeof fetch {
  let first = true;
  return async (input, init) => {
    const res = await fetch(input, init);
    if (first && res.redirected) {
      first = false;
      await res.body?.cancel();
      return new Response('Too Many Requests', { status: 429, headers: { 'Retry-After': String(seconds) } });
    }
    return res;
  };
}

describe('the file list', () => {
  const list = (scenario: HubScenario, maxFailures = 6): Promise<unknown> => {
    hub.scenarios.set(REPO, scenario);
    return fetchJsonWithRetry(treeUrl(model, hub.origins.base), {
      what: `the files of ${REPO}`,
      retryDelayMs: 5,
      maxDelayMs: 20,
      maxFailures,
    });
  };

  it('lists the file with its xetHash, size and SHA-256 (lfs.oid)', async () => {
    const tree = (await list({})) as { path: string; xetHash?: string }[];
    expect(tree.find((e) => e.path === FILE)?.xetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(fileInfoFromTree(tree, FILE).size).toBe(BYTES.length);
  });

  it('429 (Retry-After) and 503 are retried, bounded, with a message naming the step', async () => {
    await list({ treeRateLimited: { times: 2, retryAfter: '0' }, treeUnavailable: 3 });
    expect(hub.requests.map((r) => r.status)).toEqual([429, 429, 503, 200]);
    hub.requests.length = 0;
    const m = await failure(list({ treeRateLimited: { times: 100, retryAfter: '0' } }, 3));
    expect(m).toMatch(/^Step 1 of 3, the file list: 127\.0\.0\.1:\d+ kept answering "too many requests" \(HTTP 429\)\. Wait a few minutes/);
    expect(hub.requests).toHaveLength(3);
  });

  it('a hub that cannot be reached: step 1, what to try', async () => {
    const m = await failure(
      fetchJsonWithRetry('http://127.0.0.1:9/api/models/x/y/tree/main', { what: 'x', retryDelayMs: 5, maxFailures: 2 }),
    );
    expect(m).toMatch(/^Step 1 of 3, the file list: could not reach 127\.0\.0\.1:9 .*Check that you are online/);
  });
});

describe('hub:check against the stand-in (its CSP: the hub and the second origin)', () => {
  const check = async (scenario: HubScenario) => {
    hub.scenarios.set(REPO, scenario);
    const connectSrc = `'self' ${hub.origins.base} ${hub.origins.cdn}`;
    return report(await followHops(resolveUrl(model, hub.origins.base), { connectSrc, origin: 'http://127.0.0.1:1' }));
  };

  it('a redirect to the file server, which answers Range: bytes=0-0 with a readable Content-Range', async () => {
    const { lines, ok } = await check({});
    expect(ok).toBe(true);
    expect(lines[0]).toMatch(/^1\. 127\.0\.0\.1:\d+: HTTP 302; CSP allows it; Access-Control-Allow-Origin \*; readable: .*x-linked-size/);
    expect(lines.at(-1)).toBe(`Range: 206, Content-Range bytes 0-0/${BYTES.length}; a page can read it: resuming works`);
    expect(hub.fileRequests().map((r) => r.range)).toEqual(['bytes=0-0']);
  });

  it('a redirect outside the CSP, and a hidden Content-Range, are reported', async () => {
    expect((await check({ outside: true })).lines.join('\n')).toMatch(/^2\. localhost:\d+: HTTP 206; CSP BLOCKS it;/m);
    expect((await check({ hideContentRange: true })).lines.at(-1)).toMatch(/a page CANNOT read it/);
  });
});

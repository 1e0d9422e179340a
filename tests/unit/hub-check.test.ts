// `npm run hub:check`'s reading of the hub's answers (scripts/hub-check-lib.ts), on answers written by
// hand from the documented formats: the tree API (huggingface.js ListFileEntry), the hub's 302 from
// /resolve/ (X-Linked-Size, X-Xet-Hash, its Access-Control-Expose-Headers), and the Xet bridge's 206
// (headers as reported in huggingface/datasets#7931). The real hub is not reachable here.
import { describe, expect, it } from 'vitest';
import { cspDirectives } from '../../vite.config.ts';
import { describeTree, followHops, preflightAllowsRange, readableHeaders, report } from '../../scripts/hub-check-lib.ts';

const CONNECT_SRC = cspDirectives('production')['connect-src'];
const ORIGIN = 'https://example.github.io';
const RESOLVE = 'https://huggingface.co/facebook/vit-mae-base/resolve/main/model.safetensors';
const BRIDGE = 'https://cas-bridge.xethub.hf.co/xet-bridge-us/621ffdc136/6b1a?X-Amz-Expires=3600&X-Amz-Signature=abc';

const hubRedirect = (location: string): Response =>
  new Response(null, {
    status: 302,
    headers: {
      location,
      'access-control-allow-origin': ORIGIN,
      'access-control-expose-headers':
        'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag,X-Xet-Hash',
      'x-linked-size': '447672248',
      'x-xet-hash': 'f'.repeat(64),
      'content-type': 'text/plain; charset=utf-8',
    },
  });
const bridge206 = (expose: string): Response =>
  new Response(new Uint8Array([0x40]), {
    status: 206,
    headers: {
      'content-range': 'bytes 0-0/447672248',
      'content-length': '1',
      'accept-ranges': 'bytes',
      'access-control-allow-origin': '*',
      'access-control-expose-headers': expose,
      etag: '"8e12"',
    },
  });
const preflight = (allowHeaders: string): Response =>
  new Response(null, { status: 204, headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': allowHeaders } });

/** Answers by URL and method, as written above; records what was asked. */
function fakeFetch(answers: Record<string, () => Response>, asked: string[]): typeof fetch {
  return (input, init) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    const method = init?.method ?? 'GET';
    asked.push(`${method} ${new URL(url).host} ${new Headers(init?.headers).get('range') ?? ''}`.trim());
    const answer = answers[`${method} ${url}`];
    if (!answer) throw new Error(`no answer written for ${method} ${url}`);
    return Promise.resolve(answer());
  };
}

describe('hub:check', () => {
  it('reads the tree listing: size, SHA-256, xetHash', () => {
    const tree = [
      { type: 'file', oid: 'a'.repeat(40), size: 674, path: 'config.json' },
      {
        type: 'file',
        oid: 'b'.repeat(40),
        size: 447672248,
        lfs: { oid: 'c'.repeat(64), size: 447672248, pointerSize: 135 },
        xetHash: 'd'.repeat(64),
        path: 'model.safetensors',
      },
    ];
    expect(describeTree(tree, 'model.safetensors')).toBe(
      `model.safetensors: 447672248 bytes, SHA-256 ${'c'.repeat(64)}, xetHash dddddddddddd…`,
    );
    expect(describeTree([{ type: 'file', oid: 'e', size: 9, path: 'x.bin' }], 'x.bin')).toBe(
      'x.bin: 9 bytes, SHA-256 (none listed), no xetHash (plain LFS)',
    );
  });

  it('the headers a page may read: safelisted ones, and those exposed', () => {
    expect(readableHeaders(bridge206('Accept-Ranges, Content-Range, ETag').headers)).toEqual([
      'accept-ranges',
      'content-length',
      'content-range',
      'etag',
    ]);
    expect(readableHeaders(bridge206('').headers)).toEqual(['content-length']);
    expect(readableHeaders(bridge206('*').headers)).toContain('content-range');
    expect(preflightAllowsRange(preflight('Range, Content-Type').headers)).toBe(true);
    expect(preflightAllowsRange(preflight('Content-Type').headers)).toBe(false);
  });

  it('follows /resolve/ hop by hop with Range: bytes=0-0, and a browser download would work', async () => {
    const asked: string[] = [];
    const fetchImpl = fakeFetch(
      {
        [`OPTIONS ${RESOLVE}`]: () => preflight('Range, Content-Type, Authorization'),
        [`GET ${RESOLVE}`]: () => hubRedirect(BRIDGE),
        [`OPTIONS ${BRIDGE}`]: () => preflight('Range, Content-Range, Content-Type'),
        [`GET ${BRIDGE}`]: () => bridge206('Accept-Ranges, Content-Range, Content-Type, Content-Disposition, ETag, X-Cache'),
      },
      asked,
    );
    const hops = await followHops(RESOLVE, { connectSrc: CONNECT_SRC, origin: ORIGIN, fetchImpl });
    expect(asked).toEqual([
      'OPTIONS huggingface.co',
      'GET huggingface.co bytes=0-0',
      'OPTIONS cas-bridge.xethub.hf.co',
      'GET cas-bridge.xethub.hf.co bytes=0-0',
    ]);
    expect(hops.map((h) => [h.host, h.status, h.allowedByCsp])).toEqual([
      ['huggingface.co', 302, true],
      ['cas-bridge.xethub.hf.co', 206, true],
    ]);
    expect(hops[0].readable).toContain('x-linked-size');
    const { lines, ok } = report(hops);
    expect(ok).toBe(true);
    expect(lines).toContain('   -> redirects to cas-bridge.xethub.hf.co');
    expect(lines.at(-1)).toBe('Range: 206, Content-Range bytes 0-0/447672248; a page can read it: resuming works');
  });

  it('says so when a hop is outside the CSP, or hides Content-Range', async () => {
    const elsewhere = 'https://files.example.net/blob?sig=1';
    const hops = await followHops(RESOLVE, {
      connectSrc: CONNECT_SRC,
      origin: ORIGIN,
      fetchImpl: fakeFetch(
        {
          [`OPTIONS ${RESOLVE}`]: () => preflight('Range'),
          [`GET ${RESOLVE}`]: () => hubRedirect(elsewhere),
          [`OPTIONS ${elsewhere}`]: () => preflight('Range'),
          [`GET ${elsewhere}`]: () => bridge206('ETag'),
        },
        [],
      ),
    });
    const { lines, ok } = report(hops);
    expect(ok).toBe(false);
    expect(lines[3]).toMatch(/^2\. files\.example\.net: HTTP 206; CSP BLOCKS it;/);
    expect(lines.at(-1)).toMatch(/a page CANNOT read it: the download starts over after a drop$/);
  });
});

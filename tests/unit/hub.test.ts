// The hub's answers as the download reads them, against hand-written examples of the hub's formats.
import { describe, expect, it } from 'vitest';
import { parseContentRange } from '../../src/features/models/hub/download.ts';
import { cspBlockedMessage, parseRetryAfter } from '../../src/features/models/hub/hub-fetch.ts';
import { cspAllows, HUB_HOSTS } from '../../src/features/models/hub/hub-hosts.ts';
import { CSP_DIRECTIVES } from '../../vite.config.ts';
import { fileInfoFromTree, HUB_MODELS, resolveUrl, treeUrl } from '../../src/features/models/hub/hub-catalog.ts';

describe('hub catalog', () => {
  it('the three official repositories, their files and the hub URL layout', () => {
    expect(HUB_MODELS.map((m) => `${m.repo}/${m.file}`)).toEqual([
      'facebook/vit-mae-base/model.safetensors',
      'facebook/vit-mae-large/pytorch_model.bin',
      'facebook/vit-mae-huge/pytorch_model.bin',
    ]);
    expect(resolveUrl(HUB_MODELS[0], 'https://huggingface.co')).toBe(
      'https://huggingface.co/facebook/vit-mae-base/resolve/main/model.safetensors',
    );
    expect(treeUrl(HUB_MODELS[1], 'https://huggingface.co')).toBe('https://huggingface.co/api/models/facebook/vit-mae-large/tree/main');
    expect(HUB_MODELS.filter((m) => m.fp32NeedsWebGpu).map((m) => m.id)).toEqual(['vit-mae-huge']);
  });

  it('reads size and SHA-256 from a tree listing (an LFS entry), and refuses what is not there', () => {
    const sha = 'ab'.repeat(32);
    const tree = [
      { type: 'file', oid: 'c'.repeat(40), size: 700, path: 'config.json' },
      {
        type: 'file',
        oid: 'd'.repeat(40),
        size: 447_696_888,
        path: 'model.safetensors',
        lfs: { oid: sha, size: 447_696_888, pointerSize: 135 },
      },
    ];
    expect(fileInfoFromTree(tree, 'model.safetensors')).toEqual({ size: 447_696_888, sha256: sha });
    expect(fileInfoFromTree(tree, 'config.json')).toEqual({ size: 700, sha256: null });
    expect(() => fileInfoFromTree(tree, 'pytorch_model.bin')).toThrow(/no pytorch_model\.bin/);
    expect(() => fileInfoFromTree({ error: 'x' }, 'model.safetensors')).toThrow(/not a list/);
  });

  it('Content-Range: where a partial answer starts and the whole size', () => {
    expect(parseContentRange('bytes 200000-784247/784248')).toEqual({ start: 200000, total: 784248 });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, total: null });
    expect(parseContentRange(null)).toBeNull();
    expect(parseContentRange('items 0-9/10')).toBeNull();
  });

  it('Retry-After: seconds or an HTTP date, as milliseconds to wait', () => {
    const now = Date.parse('Sun, 06 Dec 2026 05:00:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Dec 2026 05:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 06 Dec 2026 04:59:00 GMT', now)).toBe(0); // already past
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('the hub hosts the page may contact', () => {
  const connectSrc = CSP_DIRECTIVES['connect-src'];

  it("connect-src is exactly 'self', huggingface.co and the subdomains of hf.co and huggingface.co", () => {
    expect(connectSrc).toBe("'self' https://huggingface.co https://*.hf.co https://*.huggingface.co");
    expect(HUB_HOSTS).toEqual(['https://huggingface.co', 'https://*.hf.co', 'https://*.huggingface.co']);
  });

  it('allows every file server the hub redirects to (2026), including those a fixed list missed', () => {
    for (const url of [
      'https://huggingface.co/api/models/facebook/vit-mae-base/tree/main',
      'https://cas-bridge.xethub.hf.co/xet-bridge-us/abc?X-Amz-Signature=1',
      'https://transfer.xethub.hf.co/xorbs/default/abc',
      'https://eu.aws.cdn.hf.co/repos/ab/cd/ef',
      'https://us.gcp.cdn.hf.co/x',
      'https://cdn-lfs-eu-1.hf.co/x',
      'https://cdn-lfs.huggingface.co/repos/x',
      'https://huggingface.co:443/x',
    ]) {
      expect(cspAllows(connectSrc, url), url).toBe(true);
    }
  });

  it('refuses everything else: other domains, look-alikes, http, other ports, the bare hf.co', () => {
    for (const url of [
      'https://example.com/collect',
      'https://hf.co/x',
      'https://evilhf.co/x',
      'https://hf.co.evil.example/x',
      'https://huggingface.co.evil.example/x',
      'http://cdn-lfs.hf.co/x',
      'http://huggingface.co/x',
      'https://huggingface.co:8443/x',
      'https://cdn-lfs.hf.co:8443/x',
      'not a url',
    ]) {
      expect(cspAllows(connectSrc, url), url).toBe(false);
    }
    expect(cspAllows(connectSrc, 'https://app.example/x', 'https://app.example')).toBe(true); // 'self'
  });
});

describe('a request the Content-Security-Policy blocked', () => {
  const resolve = 'https://huggingface.co/facebook/vit-mae-base/resolve/main/model.safetensors';
  it("Chromium's report of a blocked redirect (the URL asked for): the hub's redirect, no guess at the target", () => {
    expect(cspBlockedMessage('redirect', resolve, resolve)).toMatch(
      /^Step 2 of 3, the redirect: huggingface\.co redirected the file to a server this page's Content-Security-Policy does not allow \(.*the browser does not say which server\)\. Nothing was downloaded\./,
    );
  });
  it('a report that names the blocked host: that host, and the step', () => {
    expect(cspBlockedMessage('redirect', 'https://files.example.net', resolve)).toMatch(
      /^Step 2 of 3, the redirect: this page's Content-Security-Policy blocked a request to files\.example\.net /,
    );
    expect(
      cspBlockedMessage('file list', 'https://huggingface.co/api/models/x/tree/main', 'https://huggingface.co/api/models/x/tree/main'),
    ).toMatch(/^Step 1 of 3, the file list: this page's Content-Security-Policy blocked a request to huggingface\.co /);
  });
});

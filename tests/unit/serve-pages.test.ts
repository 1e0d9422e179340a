/**
 * scripts/serve-pages.mjs over a real socket: GitHub Pages' rules (a sub-path, no isolation or CSP
 * headers, no rewrites, 404s, a folder's redirect to its slash) and the MIME types the site needs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/serve-pages.mjs', import.meta.url));
let dir: string;
let server: ChildProcess;
let site: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mae-pages-'));
  mkdirSync(join(dir, 'ort'));
  mkdirSync(join(dir, 'models', 'default'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  writeFileSync(join(dir, 'ort', 'a.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(dir, 'ort', 'a.mjs'), 'export {};');
  writeFileSync(join(dir, 'manifest.webmanifest'), '{}');
  writeFileSync(join(dir, 'models', 'default', 'manifest.json'), '{}');
  server = spawn(process.execPath, [SCRIPT, '--dir', dir, '--base', '/site/', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  site = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serve-pages: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`serve-pages exited with ${code}`)));
  });
});

afterAll(() => {
  server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(new URL(path, site), { redirect: 'manual' });

describe('serve-pages', () => {
  it('serves the folder at the sub-path, with no isolation or CSP headers', async () => {
    expect(site).toMatch(/\/site\/$/);
    const res = await get('');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    for (const h of [
      'cross-origin-opener-policy',
      'cross-origin-embedder-policy',
      'cross-origin-resource-policy',
      'content-security-policy',
    ]) {
      expect(res.headers.get(h), h).toBeNull();
    }
  });

  it('the MIME types a module worker, WebAssembly and the manifest need', async () => {
    expect((await get('ort/a.wasm')).headers.get('content-type')).toBe('application/wasm');
    expect((await get('ort/a.mjs')).headers.get('content-type')).toMatch(/^(application|text)\/javascript/);
    expect((await get('manifest.webmanifest')).headers.get('content-type')).toMatch(/^application\/manifest\+json/);
  });

  it('no rewrites: an unknown path is a 404, not index.html; nothing outside the sub-path', async () => {
    const missing = await get('models/nope/manifest.json');
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<title>');
    expect((await get('/index.html')).status).toBe(404);
    expect((await get('/site/../index.html')).status).toBe(404);
    expect((await get('models/default/')).status, 'a folder without index.html').toBe(404);
  });

  it('a folder asked for without its slash is redirected to it, the query kept', async () => {
    const res = await get('/site?ratio=0.5');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/site/?ratio=0.5');
    const sub = await get('models/default');
    expect(sub.status).toBe(301);
    expect(sub.headers.get('location')).toBe('/site/models/default/');
  });
});

/**
 * One build for any host and any path (issue 21): the production build, served by
 * scripts/serve-pages.mjs (GitHub Pages' rules: no rewrites, 404s) under a random sub-path that no
 * build setting names, must find every file it names: index.html's scripts, styles, icons and
 * manifest, the manifest's icons and scope, and every file of the service worker's precache list.
 * With an absolute base ('/') index.html asks for /assets/… at the host's root and this fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
let outDir: string;
let server: ChildProcess;
let site: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'mae-build-'));
  await build({
    configFile: join(REPO, 'vite.config.ts'),
    root: REPO,
    mode: 'production',
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
  server = spawn(
    process.execPath,
    [join(REPO, 'scripts', 'serve-pages.mjs'), '--dir', outDir, '--base', `/${randomBytes(4).toString('hex')}/app/`, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
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
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Every src= and href= in an HTML text. */
const htmlUrls = (html: string): string[] => [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]);

async function status(url: string): Promise<number> {
  return (await fetch(url, { method: 'HEAD' })).status;
}

describe('the production build under a sub-path of a plain static host', () => {
  it('index.html names its files relative to itself, and each of them is there', async () => {
    const html = readFileSync(join(outDir, 'index.html'), 'utf8');
    const urls = htmlUrls(html);
    expect(urls.length).toBeGreaterThanOrEqual(5); // script, style, icon, touch icon, manifest
    for (const u of urls) expect(u, 'no root-absolute or cross-origin URL').toMatch(/^\.\/[^/]/);
    const page = await fetch(site);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-embedder-policy'), 'the host sends no isolation headers').toBeNull();
    for (const u of urls) expect(await status(new URL(u, site).href), u).toBe(200);
    // What an absolute base would have asked for: the host's root has nothing.
    const script = urls.find((u) => u.endsWith('.js')) ?? '';
    expect(await status(new URL(script.slice(1), site).origin + script.slice(1))).toBe(404);
  });

  it('the manifest: start_url, scope and icons relative to it, and the icons are there', async () => {
    const manifestUrl = new URL('manifest.webmanifest', site).href;
    const manifest = (await (await fetch(manifestUrl)).json()) as { start_url: string; scope: string; icons: { src: string }[] };
    expect(new URL(manifest.start_url, manifestUrl).href).toBe(site);
    expect(new URL(manifest.scope, manifestUrl).href).toBe(site);
    expect(manifest.icons.length).toBeGreaterThan(0);
    for (const icon of manifest.icons) expect(await status(new URL(icon.src, manifestUrl).href), icon.src).toBe(200);
  });

  it("every file of the service worker's precache list is served under the sub-path", async () => {
    const sw = readFileSync(join(outDir, 'sw.js'), 'utf8');
    const m = /const PRECACHE = (\[.*\]);/.exec(sw);
    expect(m).not.toBeNull();
    const list = JSON.parse(m?.[1] ?? '[]') as { url: string }[];
    expect(list.map((e) => e.url)).toEqual(expect.arrayContaining(['index.html', 'models/index.json', 'ort/ort-wasm-simd-threaded.wasm']));
    for (const { url } of list) {
      expect(url, 'relative to the worker scope').not.toMatch(/^\/|^https?:/);
      expect(await status(new URL(url, site).href), url).toBe(200);
    }
    expect(await status(new URL('sw.js', site).href)).toBe(200);
  });

  it('the bundles name no root-absolute app URL (models/, ort/, samples/, sw.js, assets/)', () => {
    const assets = join(outDir, 'assets');
    for (const f of readdirSync(assets).filter((n) => n.endsWith('.js'))) {
      const js = readFileSync(join(assets, f), 'utf8');
      expect(js, f).not.toMatch(/["'`]\/(models|ort|samples|assets)\/|["'`]\/sw\.js/);
    }
  });
});

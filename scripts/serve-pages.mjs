#!/usr/bin/env node
// Serves a built site (dist/) the way GitHub Pages serves a project site, to try a deployment before
// pushing it and for the e2e suite (e2e/pages.spec.ts):
//   - under a sub-path (--base /mae-playground/; default /), nothing outside it;
//   - no special headers: no COOP/COEP/CORP, no CSP header (the page must isolate itself through its
//     service worker, and live with the <meta> CSP);
//   - no rewrites: a missing file is a 404, never index.html; a folder is its index.html, and a folder
//     asked for without its trailing slash is redirected (301) to it, as GitHub Pages does;
//   - the MIME types GitHub Pages sends for what this site holds (.wasm, .mjs, .webmanifest, .onnx…).
//
//   npm run serve:pages -- [--base /whatever/] [--port 4180] [--host 127.0.0.1] [--dir dist]
//
// Prints one line, "serve-pages: http://HOST:PORT/BASE/ (DIR)", once it listens.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.jsonl': 'application/octet-stream',
};

/** "/x" → "/x/", "x/" → "/x/", "" → "/". */
export function normaliseBase(base) {
  const trimmed = String(base ?? '/').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

/**
 * The request handler: `dir` served at `base`. Returns { status, headers, file? } so the rules are
 * testable without a socket.
 */
export function resolveRequest(dir, base, method, rawUrl) {
  const root = resolve(dir);
  const notFound = { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Not found\n' };
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { Allow: 'GET, HEAD' }, body: 'Method not allowed\n' };
  const url = new URL(rawUrl, 'http://pages.invalid');
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return notFound;
  }
  // The folder itself, asked for without its slash: GitHub Pages redirects.
  if (`${path}/` === base) return { status: 301, headers: { Location: `${base}${url.search}` } };
  if (!path.startsWith(base) || path.includes('\0')) return notFound;
  let file = resolve(root, `.${sep}${path.slice(base.length)}`);
  if (file !== root && !file.startsWith(root + sep)) return notFound;
  if (!existsSync(file)) return notFound;
  if (statSync(file).isDirectory()) {
    if (!path.endsWith('/')) return { status: 301, headers: { Location: `${url.pathname}/${url.search}` } };
    file = resolve(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile()) return notFound;
  }
  if (!statSync(file).isFile()) return notFound;
  return {
    status: 200,
    headers: {
      'Content-Type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': String(statSync(file).size),
      // What GitHub Pages sends; nothing about isolation or content security.
      'Cache-Control': 'max-age=600',
    },
    file,
  };
}

/** Starts the server; resolves with { server, url } once it listens. */
export function servePages({ dir = 'dist', base = '/', port = 4180, host = '127.0.0.1' } = {}) {
  const b = normaliseBase(base);
  const server = createServer((req, res) => {
    const r = resolveRequest(dir, b, req.method ?? 'GET', req.url ?? '/');
    res.writeHead(r.status, r.headers);
    if (req.method === 'HEAD' || !r.file) {
      res.end(req.method === 'HEAD' ? undefined : r.body);
      return;
    }
    createReadStream(r.file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(Number(port), host, () => {
      const address = server.address();
      ok({ server, url: `http://${host}:${address.port}${b}` });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`);
    const eq = args.find((a) => a.startsWith(`--${name}=`));
    return eq ? eq.slice(name.length + 3) : i >= 0 ? args[i + 1] : dflt;
  };
  const dir = opt('dir', 'dist');
  if (!existsSync(resolve(dir, 'index.html'))) {
    console.error(`serve-pages: ${dir}/index.html is missing: run npm run build first`);
    process.exit(1);
  }
  try {
    const { url } = await servePages({ dir, base: opt('base', '/'), port: opt('port', '4180'), host: opt('host', '127.0.0.1') });
    console.log(`serve-pages: ${url} (${dir}/, no special headers, 404 for unknown paths)`);
  } catch (e) {
    console.error(`serve-pages: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

import { createReadStream, cpSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { E2E_HUB, E2E_HUB_HOSTS, HUB_BASE, HUB_HOSTS } from './src/features/models/hub/hub-hosts.ts';
import { headersFile } from './src/features/offline/deploy-files.ts';
import { writeServiceWorker } from './src/features/offline/sw-build.ts';

const root = dirname(fileURLToPath(import.meta.url));
const modelsDir = join(root, 'models');
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');

/**
 * The onnxruntime-web runtime files the worker loads at run time (ort.env.wasm.wasmPaths points at
 * /ort/). The default `onnxruntime-web` entry is the JSEP build: WebGPU + WASM from one binary; the
 * worker imports `onnxruntime-web/wasm` (WASM only, half the size) when it runs on WASM.
 */
export const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.jsep.mjs',
  'ort-wasm-simd-threaded.jsep.wasm',
  'ort-wasm-simd-threaded.mjs',
  'ort-wasm-simd-threaded.wasm',
] as const;

/** Cross-origin isolation: lets onnxruntime-web use SharedArrayBuffer (multi-threaded WASM). */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const mimeTypes: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.data': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.mjs': 'text/javascript',
};

/**
 * The Hugging Face hub, for "Get the official MAE" (src/features/models/hub): exactly
 * https://huggingface.co (file lists, /resolve/) and the subdomains of hf.co and huggingface.co its
 * redirects lead to; why wildcards, and the test build's stand-in, in hub-hosts.ts. A request goes to
 * them only when the person starts a download. The hub's address is fixed at build time.
 */
export { E2E_HUB, HUB_BASE, HUB_HOSTS };

/** The test build (`vite build --mode e2e`, `vite preview --mode e2e`) downloads from the stand-in hub. */
const hubOf = (mode: string) =>
  mode === 'e2e' ? { base: E2E_HUB.base, hosts: [...E2E_HUB_HOSTS] } : { base: HUB_BASE, hosts: [...HUB_HOSTS] };

/**
 * Content-Security-Policy of the built site: only this origin, for everything but the hub's hosts in
 * connect-src (the opt-in download). onnxruntime-web compiles WebAssembly ('wasm-unsafe-eval'; no
 * 'unsafe-eval', no inline scripts or styles). Sent as a header by `vite preview` (the header is what
 * governs the worker and onnxruntime's threads, whose scripts carry it) and written into
 * dist/index.html as a <meta> for static hosting. Not used by the dev server, whose HMR client runs
 * inline scripts. Tested in e2e/privacy.spec.ts and e2e/hub.spec.ts.
 */
export function cspDirectives(mode = 'production'): Record<string, string> {
  return {
    'default-src': "'self'",
    'script-src': "'self' 'wasm-unsafe-eval'",
    'worker-src': "'self'",
    'connect-src': ["'self'", ...hubOf(mode).hosts].join(' '),
    'img-src': "'self' data:",
    // A video file the person drops plays from an object URL in the camera row (src/features/camera).
    'media-src': 'blob:',
    'style-src': "'self'",
    'font-src': "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'form-action': "'none'",
    'frame-ancestors': "'none'",
  };
}
export const CSP_DIRECTIVES = cspDirectives();

/** frame-ancestors is ignored (with a console warning) in a <meta> policy. */
const cspText = (meta: boolean, mode = 'production'): string =>
  Object.entries(cspDirectives(mode))
    .filter(([k]) => !(meta && k === 'frame-ancestors'))
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
export const CONTENT_SECURITY_POLICY = cspText(false);
export const E2E_CONTENT_SECURITY_POLICY = cspText(false, 'e2e');

function contentSecurityPolicy(mode: string): Plugin {
  return {
    name: 'mae-csp',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: cspText(true, mode) }, injectTo: 'head-prepend' },
    ],
  };
}

type Next = (err?: unknown) => void;

/** Serves files under `dir` at URL prefix `prefix`, refusing anything that escapes `dir`. */
function serveDir(prefix: string, dir: string, allow?: readonly string[]) {
  return (req: IncomingMessage, res: ServerResponse, next: Next): void => {
    const url = req.url ?? '';
    if (!url.startsWith(prefix)) return next();
    // Under these prefixes a missing file is a 404, never the SPA's index.html (which would reach
    // onnxruntime as a "model" and fail with a baffling protobuf error).
    const notFound = (): void => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain');
      res.end(`Not found: ${url}`);
    };
    let rel: string;
    try {
      rel = decodeURIComponent(url.slice(prefix.length).split(/[?#]/)[0]);
    } catch {
      return notFound();
    }
    if (allow && !allow.includes(rel)) return notFound();
    const file = resolve(dir, rel);
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) return notFound();
    const size = statSync(file).size;
    res.statusCode = 200;
    res.setHeader('Content-Type', mimeTypes[extname(file)] ?? 'application/octet-stream');
    res.setHeader('Content-Length', String(size));
    res.setHeader('Cache-Control', 'no-cache');
    for (const [k, v] of Object.entries(isolationHeaders)) res.setHeader(k, v);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  };
}

/**
 * Serves the top-level models/ folder at /models/ and the onnxruntime-web runtime at /ort/ in dev
 * and preview; copies both into dist/ on build (real copies, no symlinks).
 */
function maeAssets(mode: string): Plugin {
  let outDir = join(root, 'dist');
  const mount = (use: (fn: ReturnType<typeof serveDir>) => void): void => {
    use(serveDir('/models/', modelsDir));
    use(serveDir('/ort/', ortDist, ORT_RUNTIME_FILES));
  };
  return {
    name: 'mae-assets',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    configureServer(server) {
      mount((fn) => server.middlewares.use(fn));
    },
    configurePreviewServer(server) {
      mount((fn) => server.middlewares.use(fn));
    },
    closeBundle() {
      if (!existsSync(outDir)) return;
      if (existsSync(modelsDir)) cpSync(modelsDir, join(outDir, 'models'), { recursive: true, dereference: true });
      mkdirSync(join(outDir, 'ort'), { recursive: true });
      for (const f of ORT_RUNTIME_FILES) cpSync(join(ortDist, f), join(outDir, 'ort', f));
      // Netlify and Cloudflare Pages read _headers from the published folder: isolation and the full
      // CSP as headers there (other hosts ignore the file; the service worker isolates the page).
      writeFileSync(join(outDir, '_headers'), headersFile(cspText(false, mode)));
      // Last, once every file of the site is in place: the service worker's precache list hashes them.
      writeServiceWorker(outDir, join(root, 'src', 'features', 'offline', 'service-worker.ts'));
    },
  };
}

export default defineConfig(({ mode }) => ({
  plugins: [react(), maeAssets(mode), contentSecurityPolicy(mode)],
  define: { 'import.meta.env.VITE_HUB_BASE': JSON.stringify(hubOf(mode).base) },
  resolve: {
    // The non-bundled ESM build: it loads the runtime from ort.env.wasm.wasmPaths (/ort/) instead of
    // making the bundler emit a second 28 MB copy of the .wasm that would never be used.
    alias: [
      { find: /^onnxruntime-web$/, replacement: join(ortDist, 'ort.min.mjs') },
      { find: /^onnxruntime-web\/wasm$/, replacement: join(ortDist, 'ort.wasm.min.mjs') },
    ],
  },
  server: { headers: isolationHeaders },
  preview: { headers: { ...isolationHeaders, 'Content-Security-Policy': cspText(false, mode) } },
  worker: { format: 'es' },
  // Pre-bundling would rewrite onnxruntime-web's import.meta.url based loading.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  // A relative base: one build serves from a host's root and from any sub-path (GitHub Pages'
  // /<repo>/) unchanged; the page resolves the app's URLs against its own folder (src/app-base.ts).
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 1200 },
}));

// Shared by the e2e runner, the browser benchmarks, the soak and the README screenshots: the test build (the site with its
// test hooks: window.__maeDebug, fault injection; `vite build --mode e2e`), whether it is older
// than its sources, a free localhost port, and `vite preview` of a built folder once it answers. `npm run build` (dist/) never
// has the hooks; the test build goes to its own folder so the two never mix.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The Vite mode that includes the test hooks (src/main.tsx, src/app/mae-worker.ts check it). */
export const TEST_BUILD_MODE = 'e2e';
/** Where the test build goes unless told otherwise (E2E_DIST). */
export const TEST_DIST = 'dist-e2e';
/** Written into a test build's folder: which mode built it. */
const MODE_STAMP = 'build-mode.txt';

const BUILD_SOURCES = ['src', 'public', 'models', 'index.html', 'vite.config.ts', 'package-lock.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

/** True when <outDir>/index.html is missing, older than any file the build reads, or not a test build. */
export function distIsStale(root, outDir = TEST_DIST) {
  const built = join(root, outDir, 'index.html');
  const stamp = join(root, outDir, MODE_STAMP);
  if (!existsSync(built) || !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== TEST_BUILD_MODE) return true;
  return Math.max(...BUILD_SOURCES.map((p) => newestMtime(join(root, p)))) > statSync(built).mtimeMs;
}

/** True when a production build in <outDir> (dist/) is missing, a test build, or older than any file the build reads. */
export function prodDistIsStale(root, outDir = 'dist') {
  const built = join(root, outDir, 'index.html');
  if (!existsSync(built) || existsSync(join(root, outDir, MODE_STAMP))) return true;
  return Math.max(...BUILD_SOURCES.map((p) => newestMtime(join(root, p)))) > statSync(built).mtimeMs;
}

/** Builds the test site into <outDir>; returns vite's exit status. */
export function buildTestSite(root, outDir = TEST_DIST, stdio = 'inherit') {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--mode', TEST_BUILD_MODE, '--logLevel', 'warn', '--outDir', outDir], {
    cwd: root,
    stdio,
  });
  if (r.status === 0) writeFileSync(join(root, outDir, MODE_STAMP), `${TEST_BUILD_MODE}\n`);
  return r.status ?? 1;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `vite preview` of <outDir> on a free localhost port, resolved once it answers (with the COOP/COEP headers it
 * sent, which the threaded WASM build needs): { proc, base, headers }. Kill `proc` when done.
 */
export async function startPreview(root, outDir = TEST_DIST) {
  const port = await freePort();
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const args = [vite, 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort', '--outDir', outDir];
  const proc = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (proc.exitCode !== null) throw new Error(`vite preview exited: ${stderr}`);
    try {
      const res = await fetch(`${base}/`);
      if (res.ok) {
        const coop = res.headers.get('cross-origin-opener-policy');
        const coep = res.headers.get('cross-origin-embedder-policy');
        return { proc, base, headers: { coop, coep } };
      }
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('vite preview did not answer within 30 s');
}

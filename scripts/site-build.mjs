// Shared by the e2e runner, the browser benchmark and the soak: is dist/ older than its sources,
// and a free localhost port for `vite preview`. Each caller keeps its own build policy and logging.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const BUILD_SOURCES = ['src', 'public', 'models', 'index.html', 'vite.config.ts', 'package-lock.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newestMtime(join(path, e)));
  return m;
}

/** True when <outDir>/index.html is missing or older than any file the build reads. */
export function distIsStale(root, outDir = 'dist') {
  const built = join(root, outDir, 'index.html');
  if (!existsSync(built)) return true;
  return Math.max(...BUILD_SOURCES.map((p) => newestMtime(join(root, p)))) > statSync(built).mtimeMs;
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

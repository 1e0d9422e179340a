// Which static server the smoke test uses: scripts/serve-pages.mjs (the GitHub-Pages-like server
// people use too) once it exists, else the stand-in static-server.mjs beside this file.
import { serveStatic } from './static-server.mjs';

/** Serves `dir` under `subPath`; resolves to { url, close, kind }. */
export async function startPagesServer(dir, subPath) {
  const s = await serveStatic(dir, { base: subPath });
  return { ...s, kind: 'e2e/browsers/static-server.mjs: no special headers, 404s' };
}

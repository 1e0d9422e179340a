// The static server the smoke test uses: scripts/serve-pages.mjs, which serves dist/ the way GitHub
// Pages does (a sub-path, no special headers, no rewrites, 404s), as people try a deployment.
import { servePages } from '../../scripts/serve-pages.mjs';

/** Serves `dir` under `subPath` on a free port; resolves to { url, close, kind }. */
export async function startPagesServer(dir, subPath) {
  const { server, url } = await servePages({ dir, base: subPath, port: 0 });
  return {
    url,
    kind: 'scripts/serve-pages.mjs: as GitHub Pages, no special headers, 404s',
    close: () => new Promise((done) => server.close(() => done())),
  };
}

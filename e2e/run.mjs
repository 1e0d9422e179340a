#!/usr/bin/env node
// End-to-end test runner: `npm run test:e2e` (= node e2e/run.mjs [extra playwright args]).
// 1. finds headless Chromium (/usr/bin/chromium or $CHROMIUM_PATH; as root it apt-installs the
//    Debian package when missing, unless E2E_NO_INSTALL=1),
// 2. builds the test site (with its test hooks: vite build --mode e2e) into dist-e2e/ when it is
//    missing, older than its sources, or not a test build (E2E_BUILD=always|never),
// 3. builds the production site into dist/ when it is missing or stale and e2e/pages.spec.ts runs
//    (that spec serves it like GitHub Pages, scripts/serve-pages.mjs),
// 4. picks a free localhost port and runs Playwright, which serves dist-e2e/ with `vite preview`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTestSite, distIsStale, freePort, prodDistIsStale, TEST_DIST } from '../scripts/site-build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// E2E_DIST=dist-x builds and serves another folder, so two runs at once never share a build.
const distDir = process.env.E2E_DIST ?? TEST_DIST;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function ensureChromium() {
  if (existsSync(chromium)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.env.CHROMIUM_PATH || process.env.E2E_NO_INSTALL === '1' || !isRoot) {
    console.error(`e2e: no Chromium at ${chromium}. Install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
    process.exit(1);
  }
  console.log('e2e: /usr/bin/chromium missing: installing the Debian package');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env }) !== 0
  ) {
    console.error('e2e: apt-get install chromium failed');
    process.exit(1);
  }
}

function ensureBuild() {
  const mode = process.env.E2E_BUILD ?? 'auto';
  const built = join(root, distDir, 'index.html');
  if (mode === 'never') {
    if (!existsSync(built)) {
      console.error(`e2e: E2E_BUILD=never but ${distDir}/ is missing`);
      process.exit(1);
    }
    return;
  }
  const stale = distIsStale(root, distDir);
  if (mode !== 'always' && !stale) {
    console.log(`e2e: ${distDir}/ is up to date`);
    return;
  }
  console.log(`e2e: building the test site (vite build --mode e2e) into ${distDir}/`);
  if (buildTestSite(root, distDir) !== 0) process.exit(1);
  // The production check's markers must match what the hooks really contain.
  if (run(process.execPath, ['scripts/check-prod-build.mjs', '--expect-hooks', distDir]) !== 0) process.exit(1);
}

/**
 * The production build (dist/, as `npm run build` writes it; `npm test` builds it just before) for
 * e2e/pages.spec.ts, which serves it like GitHub Pages: built here only when missing or stale, and
 * only when that spec is to run. E2E_PROD_DIST=dist-x names another folder.
 */
function ensureProdBuild() {
  const specs = process.argv.slice(2).filter((a) => a.includes('.spec'));
  if (specs.length > 0 && !specs.some((a) => a.includes('pages.spec'))) return;
  const dir = process.env.E2E_PROD_DIST ?? 'dist';
  if (!prodDistIsStale(root, dir)) return;
  console.log(`e2e: building the production site (vite build) into ${dir}/ for e2e/pages.spec.ts`);
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (run(process.execPath, [vite, 'build', '--logLevel', 'warn', '--outDir', dir]) !== 0) process.exit(1);
  if (run(process.execPath, ['scripts/check-prod-build.mjs', dir]) !== 0) process.exit(1);
}

ensureChromium();
ensureBuild();
ensureProdBuild();
const port = process.env.E2E_PORT ?? String(await freePort());
console.log(`e2e: Chromium ${chromium}, vite preview on 127.0.0.1:${port}`);
const resultsFile = join(root, 'test-results', 'e2e-results.json');
rmSync(resultsFile, { force: true });
const status = run('npx', ['playwright', 'test', '-c', 'playwright.config.ts', ...process.argv.slice(2)], {
  env: { ...process.env, E2E_PORT: port, CHROMIUM_PATH: chromium, E2E_DIST: distDir },
});

// One closing line a CI log reader understands.
try {
  const stats = JSON.parse(readFileSync(resultsFile, 'utf8')).stats ?? {};
  const failed = (stats.unexpected ?? 0) + (stats.flaky ?? 0);
  console.log(`e2e: ${stats.expected ?? 0} passed, ${failed} failed, ${stats.skipped ?? 0} skipped`);
} catch {
  console.log('e2e: 0 passed, 1 failed (no Playwright results: the run did not start)');
}
process.exit(status);

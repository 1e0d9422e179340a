#!/usr/bin/env node
// Browser smoke tests: `npm run test:browsers` (part of `npm test`).
// The PRODUCTION build (dist/, from `npm run build`) served the way a plain static host serves it
// (a sub-path, no special headers, 404s), opened in Firefox ESR (WebDriver BiDi, puppeteer-core)
// and WebKitGTK (WebKitWebDriver + MiniBrowser on Xvfb), one after the other: smoke.mjs says what
// each must do. Both browsers come from Debian's packages (firefox-esr, webkit2gtk-driver, xvfb;
// .ci/run installs them from scripts/debian-packages.txt); nothing downloads a browser.
//   BROWSERS=firefox|webkit   only one of them
//   BROWSERS_DIST=dir         another build folder (default dist; built by `npm run build` if missing)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIREFOX_PATH, startFirefox } from './firefox.mjs';
import { smoke } from './smoke.mjs';
import { startPagesServer } from './server.mjs';
import { findMiniBrowser, startWebKit, WEBKIT_DRIVER, XVFB } from './webkit.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const distDir = resolve(root, process.env.BROWSERS_DIST ?? 'dist');
const photo = join(root, 'e2e', 'fixtures', 'my-tiger.jpg');
/** The sub-path the app is served under: no build setting names it (one build, any path). */
const SUB_PATH = '/smoke-test/app/';
/**
 * Backstops for a browser or driver that stops answering (smoke.mjs's own waits are shorter): the
 * run fails with a message instead of hanging.
 */
const START_LIMIT_MS = 180_000;
const SMOKE_LIMIT_MS = 15 * 60_000;

function withLimit(promise, what, ms) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 60_000} min`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

const BROWSERS = [
  {
    id: 'firefox',
    start: startFirefox,
    needs: [[FIREFOX_PATH, 'firefox-esr']],
  },
  {
    id: 'webkit',
    start: startWebKit,
    needs: [
      [WEBKIT_DRIVER, 'webkit2gtk-driver'],
      [findMiniBrowser() ?? '/usr/lib/<arch>/webkit2gtk-4.1/MiniBrowser', 'libwebkit2gtk-4.1-0'],
      [XVFB, 'xvfb'],
    ],
  },
];

const only = process.env.BROWSERS?.split(',').map((s) => s.trim());
const chosen = BROWSERS.filter((b) => !only || only.includes(b.id));

// A missing browser fails the run with the Debian package to install (in CI, .ci/run installs it).
const missing = chosen.flatMap((b) => b.needs.filter(([path]) => !existsSync(path)));
if (missing.length > 0) {
  // MiniBrowser comes with webkit2gtk-driver (its dependency libwebkit2gtk-4.1-0).
  const packages = [...new Set(missing.map(([, pkg]) => (pkg === 'libwebkit2gtk-4.1-0' ? 'webkit2gtk-driver' : pkg)))];
  console.error(
    `browsers: missing ${missing.map(([path, pkg]) => `${path} (Debian package ${pkg})`).join(', ')}. ` +
      `Install: sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`,
  );
  console.log(`browsers: 0 passed, ${chosen.length} failed (browser missing)`);
  process.exit(1);
}

if (!existsSync(join(distDir, 'index.html'))) {
  console.log(`browsers: ${distDir} has no build: running npm run build`);
  const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}

const server = await startPagesServer(distDir, SUB_PATH);
console.log(`browsers: serving ${distDir} at ${server.url} (${server.kind})`);

const results = [];
for (const b of chosen) {
  let driver = null;
  try {
    driver = await withLimit(b.start(), 'starting the browser', START_LIMIT_MS);
    console.log(`browsers: ${driver.name}`);
    const obs = await withLimit(smoke(driver, server.url, photo), 'the smoke test', SMOKE_LIMIT_MS);
    results.push({ id: b.id, name: driver.name, ok: true, obs });
    console.log(
      `browsers: ${driver.name} passed: first row ${obs.firstRowSeconds.toFixed(1)} s, slider ${obs.ratio}, upload ok, ` +
        `badge "${obs.badge}" (threads ${obs.threads ?? 'n/a'}; crossOriginIsolated ${obs.crossOriginIsolated}, ` +
        `SharedArrayBuffer ${obs.sharedArrayBuffer}, service worker ${obs.serviceWorker})`,
    );
  } catch (e) {
    results.push({ id: b.id, name: driver?.name ?? b.id, ok: false, error: e });
    console.error(`browsers: ${driver?.name ?? b.id} FAILED: ${e?.message ?? e}`);
    if (e?.observations) console.error(`browsers: ${driver?.name ?? b.id} observed before failing: ${JSON.stringify(e.observations)}`);
  } finally {
    if (driver?.errors.length) console.error(`browsers: ${driver.name} page errors: ${driver.errors.join(' | ')}`);
    await driver?.close().catch(() => undefined);
  }
}
await server.close();

// One closing line a CI log reader understands (as e2e/run.mjs prints).
const passed = results.filter((r) => r.ok);
const failed = results.filter((r) => !r.ok);
const names = (list) => (list.length ? ` (${list.map((r) => r.name).join(', ')})` : '');
console.log(`browsers: ${passed.length} passed${names(passed)}, ${failed.length} failed${names(failed)}`);
process.exit(failed.length === 0 ? 0 : 1);

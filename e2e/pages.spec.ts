/**
 * The PRODUCTION build (dist/ from `npm run build`, no test hooks) on a host like GitHub Pages:
 * scripts/serve-pages.mjs serves a copy of it under a random sub-path that no build setting names, and
 * at a host's root, with no special headers (no COOP/COEP, no CSP header), no rewrites and 404s.
 *
 * What must hold there (issue 21): the first row reconstructs; the page becomes crossOriginIsolated
 * through its own service worker after one reload; the thread badge shows the threads onnxruntime
 * really uses (the page's cores, or ?threads=2's 2; 1 and why where service workers are blocked);
 * no request 404s; the second visit works with the network gone; a new deployment is offered and
 * applied by "Reload". e2e/run.mjs builds dist/ when it is missing (E2E_PROD_DIST names another folder).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { REPO_ROOT } from './config.ts';

const PROD_DIST = join(REPO_ROOT, process.env.E2E_PROD_DIST ?? 'dist');

/** serve-pages.mjs on a free port over `dir` at `base`; resolves with the site's URL. */
async function startPages(dir: string, base: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'serve-pages.mjs'), '--dir', dir, '--base', base, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /serve-pages: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`serve-pages exited (${code}): ${out}`)));
  });
  return { proc, url };
}

/** Every response of the context with a status of 400 or more (a 404 means a URL the build got wrong). */
function watchFailures(context: BrowserContext): string[] {
  const failures: string[] = [];
  context.on('response', (r) => {
    if (r.status() >= 400) failures.push(`${r.status()} ${r.url()}`);
  });
  context.on('requestfailed', (r) => {
    // A page's own reload cancels what it had in flight; only real failures count.
    const why = r.failure()?.errorText ?? '';
    if (!/ERR_ABORTED/.test(why)) failures.push(`failed ${r.url()} (${why})`);
  });
  return failures;
}

/** crossOriginIsolated, or false while the page is between documents (its one reload). */
async function isolated(page: Page): Promise<boolean> {
  try {
    return await page.evaluate(() => window.crossOriginIsolated);
  } catch {
    return false;
  }
}

/** The first row has a reconstruction (not an error). */
async function firstRowDone(page: Page): Promise<void> {
  const row = page.getByTestId('image-row').first();
  await expect(row).toHaveAttribute('data-status', /^(done|error)$/, { timeout: 180_000 });
  await expect(row, 'the first row reconstructs (no error)').toHaveAttribute('data-status', 'done');
}

/** What the thread badge says: the count and its text. */
async function threadBadge(page: Page): Promise<{ threads: number; text: string }> {
  const badge = page.getByTestId('wasm-threads');
  await expect(badge).toBeVisible({ timeout: 180_000 });
  return { threads: Number(await badge.getAttribute('data-threads')), text: (await badge.textContent()) ?? '' };
}

/**
 * onnxruntime's thread workers in this page: its pool holds threads - 1 (the calling thread is the
 * first), so this counts what the runtime really started, independently of what the page reports.
 * (The theory section's runtime on the page runs on one thread and starts none.)
 */
async function ortThreadWorkers(page: Page, expected: number): Promise<void> {
  const count = (): number => page.workers().filter((w) => /\/ort\/ort-wasm-simd-threaded(\.jsep)?\.mjs$/.test(w.url())).length;
  await expect.poll(count, { message: "onnxruntime's thread workers" }).toBe(expected);
}

async function cacheNames(page: Page): Promise<string[]> {
  return page.evaluate(() => caches.keys());
}

/** The first visit: one reload to isolation, the first row, the badge, the offline copy. */
async function firstVisit(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; failures: string[] }> {
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  const failures = watchFailures(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  let loads = 0;
  page.on('load', () => (loads += 1));
  // A deep link: the settings in the address survive the reload and the sub-path.
  await page.goto(`${url}?samples=1&ep=wasm&ratio=0.5&seed=7`);
  expect(await isolated(page), 'the host sends no COOP/COEP: the first load is not isolated').toBe(false);
  await expect.poll(() => isolated(page), { timeout: 180_000, message: 'isolated after the service worker took over' }).toBe(true);
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 180_000 });
  expect(loads, 'exactly one reload to gain isolation').toBe(2);
  expect(new URL(page.url()).search).toContain('ratio=0.5');
  await expect(page.getByTestId('ratio-slider')).toHaveValue('0.5');
  await firstRowDone(page);
  return { context, page, failures };
}

for (const where of ['sub-path', 'root'] as const) {
  test.describe(`production build on a plain static host (GitHub Pages-like), ${where}`, () => {
    test.use({ serviceWorkers: 'allow' });
    let site: string;
    let dir: string;
    let server: ChildProcess | null = null;

    test.beforeAll(async () => {
      expect(existsSync(join(PROD_DIST, 'index.html')), `${PROD_DIST}/index.html: run npm run build first`).toBe(true);
      expect(existsSync(join(PROD_DIST, 'build-mode.txt')), `${PROD_DIST} is a test build, not the production one`).toBe(false);
      // A copy: the update test writes a new sw.js into it, as a new deployment would.
      dir = mkdtempSync(join(tmpdir(), 'mae-pages-'));
      cpSync(PROD_DIST, dir, { recursive: true });
      // A path no build setting names: the build must not know where it is served.
      const base = where === 'root' ? '/' : `/${randomBytes(5).toString('hex')}/deep/`;
      const started = await startPages(dir, base);
      server = started.proc;
      site = started.url;
    });

    test.afterAll(() => {
      server?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    test('isolated after one reload, the first row, the real thread count, no 404, then offline', async ({ browser }) => {
      test.setTimeout(420_000);
      const { context, page, failures } = await firstVisit(browser, site);
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      const badge = await threadBadge(page);
      // Isolated, not asked for a number: one thread per core, as onnxruntime settled it.
      expect(badge.threads, badge.text).toBe(cores);
      // The first load of this model size measures the thread counts, each in a worker of its own
      // (thread-calibration.ts); the count it finds best is used from the next load on.
      const measured = page.getByTestId('threads-measured');
      if (cores > 1) await expect(measured).not.toHaveAttribute('data-best', '', { timeout: 180_000 });
      const best = Number(await measured.getAttribute('data-best')) || cores;
      await ortThreadWorkers(page, cores - 1);
      const names = await cacheNames(page);
      expect(names).toHaveLength(1);
      const cached = await page.evaluate(async (name) => (await (await caches.open(name)).keys()).map((r) => r.url), names[0]);
      for (const file of ['index.html', 'sw.js', 'models/index.json', 'models/default/encoder.onnx', 'ort/ort-wasm-simd-threaded.wasm']) {
        if (file === 'sw.js') continue; // the worker's own script is never in its cache
        expect(cached, file).toContain(new URL(file, site).href);
      }
      expect(failures, 'no request failed or answered 404').toEqual([]);

      // The second visit, with the network gone: served and isolated by the service worker.
      await context.setOffline(true);
      expect(
        await page.evaluate(() =>
          fetch('models/zoo.json', { cache: 'no-store' }).then(
            () => 'loaded',
            () => 'failed',
          ),
        ),
        'the network is really gone',
      ).toBe('failed');
      await page.reload();
      await firstRowDone(page);
      expect(await isolated(page)).toBe(true);
      const again = await threadBadge(page);
      expect(again.threads, again.text).toBe(best);
      if (cores > 1) await expect(measured).toHaveAttribute('data-source', 'measured');
      await expect(page.getByTestId('offline-ready')).toBeVisible();
      await context.close();
    });

    test('?threads=2 shows 2 (and ?model= finds its folder); blocked service workers: one thread and why', async ({ browser }) => {
      test.setTimeout(420_000);
      const context = await browser.newContext({ serviceWorkers: 'allow' });
      const failures = watchFailures(context);
      const page = await context.newPage();
      // A zoo model: not stored up front, so the worker fetches its folder under the sub-path.
      await page.goto(`${site}?samples=1&ep=wasm&threads=2&model=zoo-p16-r75`);
      await expect.poll(() => isolated(page), { timeout: 180_000 }).toBe(true);
      await firstRowDone(page);
      await expect(page.getByTestId('model-name')).toHaveText('Zoo: patch 16, trained at 75% masking');
      expect(failures).toEqual([]);
      const two = await threadBadge(page);
      expect(two.threads, two.text).toBe(2);
      expect(two.text).toContain('2 threads');
      await ortThreadWorkers(page, 1);
      await context.close();

      // Service workers blocked (as in some private windows): no isolation, one thread, and why.
      const blocked = await browser.newContext({ serviceWorkers: 'block' });
      const p2 = await blocked.newPage();
      await p2.goto(`${site}?samples=1&ep=wasm`);
      await firstRowDone(p2);
      const one = await threadBadge(p2);
      expect(await isolated(p2)).toBe(false);
      expect(one.threads, one.text).toBe(1);
      expect(one.text).toMatch(/not cross-origin isolated|service worker/);
      await ortThreadWorkers(p2, 0);
      await blocked.close();
    });

    test('a new deployment is offered and applied by "Reload"', async ({ browser }) => {
      test.setTimeout(420_000);
      const { context, page } = await firstVisit(browser, site);
      const [before] = await cacheNames(page);
      await expect(page.getByTestId('update-ready')).toHaveCount(0);
      const swPath = join(dir, 'sw.js');
      const deployed = readFileSync(swPath, 'utf8');
      writeFileSync(swPath, deployed.replace(/const VERSION = "[0-9a-f]+";/, 'const VERSION = "next-deployment";'));
      try {
        await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
        await expect(page.getByTestId('update-ready')).toBeVisible({ timeout: 180_000 });
        expect(await cacheNames(page)).toContain(before);
        let loads = 0;
        page.on('load', () => (loads += 1));
        await page.getByRole('button', { name: 'Reload' }).click();
        // The new worker takes over (its cache replaces the old one) and the page reloads under it, isolated.
        const t0 = Date.now();
        const states = setInterval(() => {
          void page
            .evaluate(async () => {
              const r = await navigator.serviceWorker.getRegistration();
              const ctl = navigator.serviceWorker.controller;
              // ctl: the controller is the registration's active worker (the new version once it took over).
              return JSON.stringify({
                i: r?.installing?.state,
                w: r?.waiting?.state,
                a: r?.active?.state,
                ctl: ctl === null ? null : ctl === r?.active ? 'active' : ctl.state,
                c: await caches.keys(),
              });
            })
            .then((x) => console.log(`[sw ${Math.round((Date.now() - t0) / 1000)} s, ${loads} loads] ${x}`))
            .catch(() => undefined);
        }, 5000);
        await expect
          .poll(() => cacheNames(page).catch(() => []), { timeout: 120_000 })
          .toEqual(['mae-playground-next-deployment'])
          .finally(() => clearInterval(states));
        await expect.poll(() => isolated(page), { timeout: 60_000 }).toBe(true);
        await firstRowDone(page);
        await expect(page.getByTestId('update-ready')).toHaveCount(0);
      } finally {
        writeFileSync(swPath, deployed);
      }
      await context.close();
    });
  });
}

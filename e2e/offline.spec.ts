/**
 * Offline and installable (src/features/offline): the built site's service worker stores the app,
 * the onnxruntime-web runtime and the default model on the first visit; a second visit with the
 * network gone (Playwright offline) loads and reconstructs; a new deployment is offered as an update.
 * Every other spec blocks service workers (e2e/config.ts) so that their request routes stay in charge.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from './config.ts';
import { settled } from './reliability-helpers.ts';

test.use({ serviceWorkers: 'allow' });

async function cacheNames(page: Page): Promise<string[]> {
  return page.evaluate(() => caches.keys());
}

/**
 * Every row has an answer (settled) and every answer is a reconstruction: settled() alone is also
 * true when rows end in errors, which is no proof that the page works offline.
 */
async function settledWell(page: Page): Promise<void> {
  await settled(page);
  const rows = page.getByTestId('image-row');
  expect(await rows.count()).toBeGreaterThan(0);
  for (const status of await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-status')))) {
    expect(status, 'every row reconstructed (no error)').toBe('done');
  }
}

test('offline: after one visit the page opens and reconstructs with the network gone', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?samples=1');
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 180_000 });
  const manifest = await page.evaluate(
    async () => (await fetch('/manifest.webmanifest')).json() as Promise<{ icons: { sizes: string }[] }>,
  );
  expect(manifest.icons.map((i) => i.sizes)).toContain('512x512');
  const names = await cacheNames(page);
  expect(names).toHaveLength(1);
  const cached = await page.evaluate(
    async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname),
    names[0],
  );
  for (const path of [
    '/index.html',
    '/models/index.json',
    '/models/default/encoder.onnx',
    '/models/default/decoder.onnx',
    '/ort/ort-wasm-simd-threaded.wasm',
    '/models/theory/results.json',
    '/models/theory/p4-r10/encoder.onnx',
  ]) {
    expect(cached, path).toContain(path);
  }
  expect(
    cached.some((p) => p.startsWith('/models/zoo-')),
    'zoo models are not stored up front',
  ).toBe(false);
  await settledWell(page);

  await context.setOffline(true);
  // Proof that the network is really gone for this page: an uncached file fails to load.
  expect(
    await page.evaluate(() =>
      fetch('/models/zoo.json', { cache: 'no-store' }).then(
        () => 'loaded',
        () => 'failed',
      ),
    ),
  ).toBe('failed');
  await page.reload();
  await expect(page.getByTestId('image-row')).toHaveCount(1, { timeout: 60_000 });
  await settledWell(page);
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16');
  await expect(page.getByTestId('offline-ready')).toBeVisible();
  // The theory section reads its results file and models from the same store.
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-chart')).toBeVisible({ timeout: 60_000 });
  await context.close();
});

test('offline: a store left by an earlier version (its activation cut short) is removed by the next page load', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=1');
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 180_000 });
  const [current] = await cacheNames(page);
  expect(current).toMatch(/^mae-playground-[0-9a-f]+$/);
  // What an update whose activate handler was stopped before it pruned leaves behind: the earlier
  // version's store beside the running one's. A store of another name is not ours to delete.
  const stale = 'mae-playground-0123456789ab';
  await page.evaluate(async (name) => {
    await (await caches.open(name)).put('/index.html', new Response('an earlier version'));
    await (await caches.open('not-the-app')).put('/x', new Response('kept'));
  }, stale);
  expect((await cacheNames(page)).sort()).toEqual([current, 'not-the-app', stale].sort());
  await page.reload();
  await expect
    .poll(async () => (await cacheNames(page).catch(() => [])).sort(), { timeout: 30_000 })
    .toEqual([current, 'not-the-app'].sort());
  // The running version's store is whole: the page still loads from it and reconstructs.
  await settledWell(page);
  await context.close();
});

test('offline: a new deployment is installed beside the running one and applied by "Reload"', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=1');
  await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 180_000 });
  const [before] = await cacheNames(page);
  await expect(page.getByTestId('update-ready')).toHaveCount(0);

  // The next deployment: the served site's sw.js with another version, as a rebuild with changed files
  // writes it (the served folder is this run's build; the original is put back at the end).
  const swPath = join(REPO_ROOT, process.env.E2E_DIST ?? 'dist-e2e', 'sw.js');
  const deployed = readFileSync(swPath, 'utf8');
  expect(deployed).toMatch(/const VERSION = "[0-9a-f]+";/);
  writeFileSync(swPath, deployed.replace(/const VERSION = "[0-9a-f]+";/, 'const VERSION = "next-deployment";'));
  try {
    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      await registration?.update();
    });
    await expect(page.getByTestId('update-ready')).toBeVisible({ timeout: 180_000 });
    // Until the person chooses, the old version keeps serving this page.
    expect(await cacheNames(page)).toContain(before);
    // The waiting worker (the new version) must reach 'activated' and control the page that reloads:
    // the page's own load event would also fire for a reload under the old worker.
    const waiting = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.waiting?.state ?? null);
    expect(waiting, 'the new version waits beside the running one').toBe('installed');
    await page.getByRole('button', { name: 'Reload' }).click();
    await expect
      .poll(
        () =>
          page
            .evaluate(async () => {
              const r = await navigator.serviceWorker.getRegistration();
              return {
                active: r?.active?.state ?? null,
                waiting: r?.waiting !== null && r?.waiting !== undefined,
                controlled: navigator.serviceWorker.controller !== null,
              };
            })
            .catch(() => null),
        { timeout: 60_000, message: 'the new worker activates and controls the reloaded page' },
      )
      .toEqual({ active: 'activated', waiting: false, controlled: true });
    await expect.poll(() => cacheNames(page).catch(() => []), { timeout: 60_000 }).toEqual(['mae-playground-next-deployment']);
    // The page under the new worker is the new version's: it answers (a row reconstructs).
    await expect(page.getByTestId('image-row').first()).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
    await expect(page.getByTestId('update-ready')).toHaveCount(0);
  } finally {
    writeFileSync(swPath, deployed);
  }
  await context.close();
});

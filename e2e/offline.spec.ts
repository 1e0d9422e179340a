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
  await settled(page);

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
  await settled(page);
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16');
  await expect(page.getByTestId('offline-ready')).toBeVisible();
  // The theory section reads its results file and models from the same store.
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-chart')).toBeVisible({ timeout: 60_000 });
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
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), page.getByRole('button', { name: 'Reload' }).click()]);
    await expect.poll(() => cacheNames(page), { timeout: 60_000 }).toEqual(['mae-playground-next-deployment']);
    await expect(page.getByTestId('update-ready')).toHaveCount(0);
  } finally {
    writeFileSync(swPath, deployed);
  }
  await context.close();
});

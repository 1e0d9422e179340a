/**
 * "Get the official MAE" (src/features/models/hub) against a stand-in hub (e2e/hub-server.ts) that
 * copies the hub's URL layout, redirects to a second host, and serves small random weight files
 * (e2e/fixtures/make-weights.py) in place of the real 448 MB / 1.3 GB ones. Each case ends in a
 * working model or a clear message with the model before still running; nothing is requested before
 * the person asks, then only from the hub's hosts, with no referrer and no cookies; the downloaded
 * model is stored and used again with the network gone. The stand-in also misbehaves as servers do:
 * a redirect to a host outside the CSP, a file server that hides Content-Range from pages, 429 and
 * 503, a tab closed mid-download. (download()'s other cases run in Node against the same server:
 * tests/node/hub-download.test.ts.) What cannot be tested here: the real hub.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { E2E_HUB } from '../vite.config.ts';
import { BASE_URL, REPO_ROOT } from './config.ts';
import { FakeHub } from './hub-server.ts';
import { openMenu, RequestLog } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const FIX = join(REPO_ROOT, 'e2e', 'fixtures', 'weights');
const reference = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as {
  photo: string;
  numPatches: number;
  cases: { maskRatio: number; seed: number; visible: number; maskedMse: number }[];
};
const SAFETENSORS = readFileSync(join(FIX, 'model.safetensors'));
const PTH = readFileSync(join(FIX, 'mae_visualize_vit_e2e.pth'));
const ORIGINS = new Set([new URL(BASE_URL).origin, new URL(E2E_HUB.base).origin, new URL(E2E_HUB.cdn).origin]);
const OUTSIDE_HOST = new URL(E2E_HUB.outside).host;

let hub: FakeHub;
test.beforeEach(async () => {
  hub = new FakeHub();
  hub.add('facebook/vit-mae-base', 'model.safetensors', SAFETENSORS);
  hub.add('facebook/vit-mae-large', 'pytorch_model.bin', PTH);
  hub.add('facebook/vit-mae-huge', 'pytorch_model.bin', PTH);
  await hub.start();
});
test.afterEach(async () => {
  await hub.stop();
});

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
  await settled(page);
  await openHubPanel(page);
  return page;
}

/** The hub list lives in the header's Models panel. */
async function openHubPanel(page: Page): Promise<void> {
  await openMenu(page, 'models');
  await expect(page.getByTestId('hub-panel')).toBeVisible();
}

/** The photo's masked MSE equals PyTorch's for the downloaded weights (1e-4 relative). */
async function expectReferenceMse(page: Page): Promise<void> {
  await settled(page);
  const [row] = await rows(page);
  const want = reference.cases[0].maskedMse;
  expect(Math.abs((row.mse ?? NaN) - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, want));
}

async function expectDefaultStillRunning(page: Page): Promise<void> {
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16');
  await page.getByTestId('seed-input').fill('4');
  await settled(page);
  expect((await rows(page))[0].status).toBe('done');
}

test('nothing is fetched until asked; the choice says size, what it is, licence and source', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext();
  const requests = new RequestLog(context);
  const page = await open(context);
  const panel = page.getByTestId('hub-panel');
  await expect(panel).toContainText('CC BY-NC 4.0');
  await expect(panel).toContainText('converted to the transformers format by Hugging Face');
  await expect(page.getByTestId('hub-size-vit-mae-base')).toHaveText('about 448 MB');
  await expect(page.getByTestId('hub-size-vit-mae-large')).toHaveText('about 1.32 GB');
  await expect(page.getByTestId('hub-size-vit-mae-huge')).toHaveText('about 2.63 GB');
  await expect(panel.getByRole('link', { name: 'facebook/vit-mae-large' })).toHaveAttribute(
    'href',
    `${E2E_HUB.base}/facebook/vit-mae-large`,
  );
  // ViT-H (approxBytes 2.63e9 / 4 = 657.5 M parameters) needs 657.5e6 × 4 × 2.2 + 0.34e9 = 6.126 GB in fp32
  // (weights/memory.ts estimate) and 657.5e6 × 2.2 + 0.34e9 = 1.787 GB in int8: offered on WASM in int8 only.
  await expect(page.getByTestId('hub-download-vit-mae-huge')).toBeEnabled();
  await expect(page.getByTestId('hub-int8-only-vit-mae-huge')).toHaveText(
    "on WASM in fast (int8) only: about 1.79 GB of memory to run; exact (fp32) needs about 6.13 GB, more than WASM's 4 GB (WebGPU runs it)",
  );
  await expect(page.getByTestId('hub-usage')).toHaveText('No model downloaded yet.');
  expect(hub.requests).toEqual([]);
  expect(requests.urls.filter((u) => new URL(u).origin !== new URL(BASE_URL).origin)).toEqual([]);
  await context.close();
});

test('download: file list, redirect to the file host, checked (size, SHA-256, structure), loaded; only hub hosts, no referrer, no cookies', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const requests = new RequestLog(context);
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
  await expectReferenceMse(page);
  await expect(page.getByTestId('hub-use-vit-mae-base')).toBeVisible();
  await expect(page.getByTestId('hub-usage')).toHaveText(
    // the fixture is 1-100 MB: decimal megabytes with one decimal (1,867,640 bytes: 1.9 MB)
    `Downloaded models use ${(SAFETENSORS.length / 1e6).toFixed(1)} MB on this device.`,
  );
  expect(hub.requests.map((r) => r.path.split('?')[0])).toEqual([
    '/api/models/facebook/vit-mae-base/tree/main',
    '/facebook/vit-mae-base/resolve/main/model.safetensors',
    '/xet/facebook/vit-mae-base/model.safetensors',
  ]);
  expect(hub.requests.every((r) => r.referer === null && r.cookie === null)).toBe(true);
  expect(requests.urls.filter((u) => !ORIGINS.has(new URL(u).origin))).toEqual([]);
  await context.close();
});

test('a connection dropped mid-file is picked up with a range request', async ({ browser }) => {
  test.setTimeout(300_000);
  hub.scenarios.set('facebook/vit-mae-large', { dropAfter: 200_000 });
  const context = await browser.newContext();
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-large').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-large.bin', { timeout: 120_000 });
  await expectReferenceMse(page);
  const ranges = hub.requests.filter((r) => r.path.startsWith('/xet/')).map((r) => r.range);
  expect(ranges[0]).toBeNull();
  expect(ranges.slice(1).some((r) => r !== null && /^bytes=\d+-$/.test(r) && Number(/\d+/.exec(r)![0]) > 0)).toBe(true);
  await context.close();
});

for (const [name, scenario, message] of [
  ['a missing file (404)', { notFound: true }, /not there \(HTTP 404\)/],
  ['a file of another size than listed', { listedSize: SAFETENSORS.length + 4096 }, /but the hub lists/],
  ['a corrupted file', { corrupt: true }, /damaged \(its SHA-256 is not the one the hub lists\)/],
] as const) {
  test(`${name}: a clear message, the model before keeps running`, async ({ browser }) => {
    test.setTimeout(240_000);
    hub.scenarios.set('facebook/vit-mae-base', scenario);
    const context = await browser.newContext();
    const page = await open(context);
    await page.getByTestId('hub-download-vit-mae-base').click();
    await expect(page.getByTestId('hub-error-vit-mae-base')).toHaveText(message, { timeout: 120_000 });
    await expect(page.getByTestId('hub-download-vit-mae-base')).toBeVisible();
    await expectDefaultStillRunning(page);
    await context.close();
  });
}

test('a slow download can be cancelled; nothing is kept', async ({ browser }) => {
  test.setTimeout(240_000);
  hub.scenarios.set('facebook/vit-mae-base', { slow: 50_000 });
  const context = await browser.newContext();
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('hub-progress-text')).toContainText(/MB of 0\.\d+|MB of \d/, { timeout: 60_000 });
  await expect(page.getByTestId('hub-progress-text')).toContainText('MB/s');
  await page.getByTestId('hub-cancel-vit-mae-base').click();
  await expect(page.getByTestId('hub-error-vit-mae-base')).toHaveText('Cancelled.');
  await expect(page.getByTestId('hub-usage')).toHaveText('No model downloaded yet.');
  await expectDefaultStillRunning(page);
  await context.close();
});

test('a full quota: a clear message, nothing half-kept as a model, the model before keeps running', async ({ browser }) => {
  // Chromium's storage quota for this origin set to 100 kB (DevTools protocol): the browser refuses the
  // writes. (navigator.storage.estimate() does not reflect this override, so the check made before a
  // download starts, which compares the hub's size with estimate(), cannot be driven from here.)
  test.setTimeout(240_000);
  const context = await browser.newContext();
  const page = await open(context);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(BASE_URL).origin, quotaSize: 100_000 });
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('hub-error-vit-mae-base')).toHaveText(/^Not enough storage/, { timeout: 60_000 });
  await expect(page.getByTestId('hub-download-vit-mae-base')).toBeVisible();
  await expectDefaultStillRunning(page);
  await context.close();
});

test.describe('offline', () => {
  test.use({ serviceWorkers: 'allow' });
  test('a second visit with the network gone uses the downloaded model', async ({ browser }) => {
    test.setTimeout(300_000);
    const context = await browser.newContext();
    const page = await open(context);
    await expect(page.getByTestId('offline-ready')).toBeVisible({ timeout: 180_000 });
    await page.getByTestId('hub-download-vit-mae-base').click();
    await expect(page.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
    const before = hub.requests.length;

    await context.setOffline(true);
    await page.reload();
    await openHubPanel(page);
    await page.getByTestId('hub-use-vit-mae-base').click();
    await expect(page.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
    await page.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
    await expect(page.getByTestId('image-row')).toHaveCount(1);
    await expectReferenceMse(page);
    expect(hub.requests.length).toBe(before);
    await context.close();
  });
});

test('a redirect to a host the CSP does not allow: the message says the redirect was blocked, nothing reaches that host', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  hub.scenarios.set('facebook/vit-mae-base', { outside: true });
  const context = await browser.newContext();
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-base').click();
  // Chromium reports a blocked redirect under the URL asked for (the CSP spec hides a redirect's
  // target), so the message names the hub's host and the step, not the file server.
  await expect(page.getByTestId('hub-error-vit-mae-base')).toHaveText(
    new RegExp(
      `^Step 2 of 3, the redirect: ${new URL(E2E_HUB.base).host.replace(/\./g, '\\.')} redirected the file to a server this page's Content-Security-Policy does not allow`,
    ),
    { timeout: 60_000 },
  );
  await expect(page.getByTestId('hub-error-vit-mae-base')).not.toContainText('connection');
  // (The browser's request log lists the attempt; the server shows nothing was sent.)
  expect(hub.requests.filter((r) => r.host === OUTSIDE_HOST)).toEqual([]);
  await expectDefaultStillRunning(page);
  await context.close();
});

test('a file server that hides Content-Range from pages: the resumed part is not trusted, the file starts over and is right', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  hub.scenarios.set('facebook/vit-mae-large', { dropAfter: 200_000, hideContentRange: true });
  const context = await browser.newContext();
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-large').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-large.bin', { timeout: 120_000 });
  await expectReferenceMse(page);
  expect(hub.fileRequests().map((r) => [r.status, r.range === null])).toEqual([
    [200, true],
    [206, false],
    [200, true],
  ]);
  await context.close();
});

test('429 with Retry-After on the file list and 503 on the file are waited out', async ({ browser }) => {
  test.setTimeout(300_000);
  hub.scenarios.set('facebook/vit-mae-base', { treeRateLimited: { times: 1, retryAfter: '1' }, treeUnavailable: 2, fileUnavailable: 2 });
  const context = await browser.newContext();
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
  await expectReferenceMse(page);
  expect(hub.requests.map((r) => `${r.status} ${r.path.split('?')[0].split('/').slice(-2).join('/')}`)).toEqual([
    '429 tree/main',
    '503 tree/main',
    '200 tree/main',
    // a failed answer from the file server goes back through the hub (which may pick another server)
    '302 main/model.safetensors',
    '503 vit-mae-base/model.safetensors',
    '302 main/model.safetensors',
    '503 vit-mae-base/model.safetensors',
    '302 main/model.safetensors',
    '200 vit-mae-base/model.safetensors',
  ]);
  await context.close();
});

test('a tab closed mid-download: opened again, the download resumes from what was stored', async ({ browser }) => {
  test.setTimeout(300_000);
  hub.scenarios.set('facebook/vit-mae-base', { slow: 50_000, slowOnce: true });
  const context = await browser.newContext();
  const first = await open(context);
  await first.getByTestId('hub-download-vit-mae-base').click();
  const bar = first.getByRole('progressbar', { name: 'download progress' });
  await expect.poll(async () => Number(await bar.getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(100_000);
  await first.close();

  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
  await expectReferenceMse(page);
  const files = hub.fileRequests();
  expect(files).toHaveLength(2);
  expect(files[0].range).toBeNull();
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(files[1].range ?? '')?.[1]);
  expect(resumedAt).toBeGreaterThan(100_000);
  await context.close();
});

test('a hub that refuses the connection: step 1, what to try, the model before keeps running', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext();
  const page = await open(context);
  await hub.stop(); // nothing listens on the hub's port: every connection is refused
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('hub-error-vit-mae-base')).toHaveText(
    /^Step 1 of 3, the file list: could not reach 127\.0\.0\.1:4801 \(Failed to fetch\)\. Check that you are online; a firewall, proxy or content blocker may be blocking 127\.0\.0\.1:4801\. Then try again\.$/,
    { timeout: 120_000 },
  );
  await expectDefaultStillRunning(page);
  await context.close();
});

test('the same model downloading in two tabs: the second says so, the first finishes', async ({ browser }) => {
  test.setTimeout(300_000);
  hub.scenarios.set('facebook/vit-mae-base', { slow: 100_000, slowOnce: true });
  const context = await browser.newContext();
  const first = await open(context);
  await first.getByTestId('hub-download-vit-mae-base').click();
  await expect(first.getByRole('progressbar', { name: 'download progress' })).toBeVisible({ timeout: 60_000 });
  const second = await open(context);
  await second.getByTestId('hub-download-vit-mae-base').click();
  await expect(second.getByTestId('hub-error-vit-mae-base')).toHaveText(
    'facebook/vit-mae-base is being downloaded in another tab of this page: finish or close it there, then try again.',
    { timeout: 60_000 },
  );
  await expect(first.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
  await expectReferenceMse(first);
  await context.close();
});

test('a signed URL that expires mid-download: resumed at the file server, renewed through /resolve/ when refused', async ({ browser }) => {
  test.setTimeout(300_000);
  hub.scenarios.set('facebook/vit-mae-large', { dropAfter: 200_000, expiring: true });
  const context = await browser.newContext();
  const page = await open(context);
  await page.getByTestId('hub-download-vit-mae-large').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-large.bin', { timeout: 120_000 });
  await expectReferenceMse(page);
  expect(
    hub.requests.filter((r) => !r.path.includes('/tree/')).map((r) => `${r.status} ${r.path.includes('/resolve/') ? 'resolve' : 'file'}`),
  ).toEqual([
    '302 resolve',
    '200 file',
    '403 file', // the same signed URL, asked directly: expired
    '302 resolve',
    '206 file',
  ]);
  await context.close();
});

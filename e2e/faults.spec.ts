/**
 * Reliability 3: faults. WebGPU missing (a browser started without it, and the ?inject= hooks),
 * the adapter request failing, the GPU device lost in the middle of a run, the worker crashing,
 * and the model download failing midway. Each time the page says what happened, moves on (to
 * WASM, a new worker, a Retry button) and every row still gets its result.
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { BASE_URL, CHROMIUM_ARGS, CHROMIUM_PATH } from './config.ts';
import { rows, settled } from './reliability-helpers.ts';

async function expectGridFilled(page: Page, provider: 'wasm' | 'webgpu', count: number, ratio?: number): Promise<void> {
  await settled(page, 240_000);
  const all = await rows(page);
  expect(all.length).toBe(count);
  for (const r of all) {
    expect(r.status, `${r.name}: ${r.error}`).toBe('done');
    expect(r.provider, r.name).toBe(provider);
    if (ratio !== undefined) expect(r.maskRatio, r.name).toBe(ratio);
  }
}

test('WebGPU unavailable in the browser (started without it): WebGPU forced falls back to WASM and says why', async () => {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((a) => !/webgpu|Vulkan|swiftshader/i.test(a)),
  });
  try {
    const page = await browser.newPage({ baseURL: BASE_URL });
    await page.goto('/?ep=webgpu&samples=1');
    await expect(page.getByTestId('provider-badge')).toHaveText('WASM', { timeout: 120_000 });
    const reason = (await page.getByTestId('provider-reason').textContent()) ?? '';
    console.log(`[faults] no WebGPU in the browser: ${reason}`);
    expect(reason).toMatch(
      /^WebGPU was forced but is unavailable \((this browser has no navigator\.gpu|requestAdapter\(\) returned no adapter)\): using WASM/,
    );
    await expectGridFilled(page, 'wasm', 1);
  } finally {
    await browser.close();
  }
});

// ("adapter-null" gives the message of the browser without WebGPU above; not repeated here.)
for (const [inject, why] of [
  ['no-webgpu', 'this browser has no navigator.gpu'],
  ['adapter-error', 'requestAdapter() failed: simulated adapter failure (test hook)'],
] as const) {
  test(`adapter fault "${inject}": the page says so and runs on WASM`, async ({ page }) => {
    await page.goto(`/?ep=webgpu&samples=1&inject=${inject}`);
    await expect(page.getByTestId('provider-badge')).toHaveText('WASM', { timeout: 120_000 });
    await expect(page.getByTestId('provider-reason')).toHaveText(
      new RegExp(`^WebGPU was forced but is unavailable \\(${why.replace(/[()]/g, '\\$&')}\\): using WASM`),
    );
    await expectGridFilled(page, 'wasm', 1);
  });
}

test('GPU device lost during a run: the run moves to WASM, the page says so, the row still fills in', async ({ page }) => {
  test.setTimeout(360_000);
  await page.goto('/?ep=webgpu&samples=1&ratio=0.6');
  await expect(page.getByTestId('provider-badge')).toHaveText('WebGPU', { timeout: 180_000 });
  // The row's first reconstruction is a WebGPU run of seconds on SwiftShader: the device is
  // destroyed while it runs.
  await expect.poll(() => page.evaluate(() => window.__maeDebug!.rows()[0]?.status)).toBe('waiting');
  await page.waitForTimeout(1500); // into the run (it takes ~8 s here); the worker says whether it was
  const detail = await page.evaluate(() => window.__maeDebug!.fault('gpu-device-lost'));
  expect(detail).toBe('GPUDevice.destroy() called during a run');
  await expectGridFilled(page, 'wasm', 1, 0.6);
  await expect(page.getByTestId('provider-badge')).toHaveText('WASM');
  const reason = (await page.getByTestId('provider-reason').textContent()) ?? '';
  console.log(`[faults] device lost: ${reason}`);
  expect(reason).toMatch(/^WebGPU stopped working: (the GPU device was lost|a WebGPU run failed) \(.+\)\. Moved to WASM\./);
  await expect(page.getByTestId('notice')).toContainText('WebGPU stopped working');
  // Later work runs on WASM without another fallback.
  await page.getByTestId('ratio-slider').fill('0.4');
  await expectGridFilled(page, 'wasm', 1, 0.4);
});

test('worker crash: it is restarted and the pending work runs again', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?ep=wasm&samples=3');
  await expectGridFilled(page, 'wasm', 3, 0.75);
  const workersBefore = page.workers().length;
  // New work for every row, then the worker dies before it is done.
  await page.getByTestId('ratio-slider').fill('0.3');
  expect(await page.evaluate(() => window.__maeDebug!.fault('crash'))).toBe('the worker throws an uncaught error now');
  await expect(page.getByTestId('notice')).toContainText('The worker stopped unexpectedly (', { timeout: 60_000 });
  await expect(page.getByTestId('notice')).toContainText('simulated worker crash (test hook)');
  await expectGridFilled(page, 'wasm', 3, 0.3);
  // The crashed worker is gone; one live model worker remains.
  await expect.poll(() => page.workers().filter((w) => w.url().includes('mae-worker')).length).toBe(1);
  console.log(`[faults] crash: workers before ${workersBefore}, after ${page.workers().length}; rows re-ran at 0.3`);
});

test('model download fails midway: a clear message and a Retry button that works', async ({ page }) => {
  test.setTimeout(240_000);
  let attempts = 0;
  // The weights (contract v2: encoder.onnx.data, 22 MB; encoder.onnx is the 0.2 MB graph) are what a cut connection hits.
  await page.context().route('**/models/default/encoder.onnx.data', async (route) => {
    attempts += 1;
    if (attempts > 1) return route.continue();
    // First attempt: the connection drops after half of the file.
    const res = await route.fetch();
    const body = await res.body();
    return route.fulfill({
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: body.subarray(0, body.length >> 1),
    });
  });
  await page.goto('/?ep=wasm&samples=2');
  const error = page.getByTestId('model-error-text');
  await expect(error).toHaveText(
    /^The model could not be loaded: The download of encoder\.onnx\.data is incomplete: 10\.9 MB of 21\.9 MB arrived\. Retry\.$/,
    { timeout: 120_000 },
  );
  await expect(page.getByTestId('provider-badge')).toHaveText('none');
  // Rows wait with their own note instead of failing silently.
  await expect(page.getByTestId('row-error').first()).toHaveText('Not processed: the model did not load (see the message above).');
  await page.getByTestId('retry-model').click();
  await expect(page.getByTestId('model-error')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('provider-badge')).toHaveText('WASM', { timeout: 120_000 });
  await expectGridFilled(page, 'wasm', 2);
  expect(attempts).toBe(2);
});

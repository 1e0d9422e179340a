/**
 * a) WebGPU forced with ?ep=webgpu. Here that is SwiftShader (WebGPU on the CPU), about 10-25 s
 * per image, so one image only. The worker must report `webgpu`, and its decoder output must match
 * the reference vectors (tests/reference/default, computed by the Python export) on the same input
 * tensor and ids.
 */
import { expect, test } from '@playwright/test';
import { randomMasking } from '../src/mae/index.ts';
import { BASE_URL } from './config.ts';
import { debugRows, f32FromBase64, loadReference, maxAbsDiff, RequestLog, runRawInPage, waitSettled } from './helpers.ts';

/** WebGPU (fp32 WGSL on SwiftShader) vs the reference from the Python export, same tensor and ids. */
const WEBGPU_PRED_MAX_ABS = 1e-4;
/**
 * Whole browser pipeline (Chromium JPEG decode + the core's resize + WebGPU) vs the Python pipeline.
 * The inputs are byte-identical here (see app.spec.ts), so this is the provider tolerance again,
 * with room for a JPEG decoder that rounds a few pixels differently.
 */
const PIPELINE_PRED_MAX_ABS = 5e-2;

test('a) WebGPU forced: provider is webgpu and pred matches the reference', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const requests = new RequestLog(context);
  const page = await context.newPage();
  await page.goto('/?ep=webgpu&samples=goldfinch&ratio=0.75&seed=0');

  await expect(page.getByTestId('provider-badge')).toHaveText('WebGPU', { timeout: 120_000 });
  const provider = await page.evaluate(() => window.__maeDebug?.provider());
  expect(provider?.active).toBe('webgpu');
  expect(provider?.requested).toBe('webgpu');
  await waitSettled(page, 240_000);

  const [row] = await debugRows(page);
  expect(row.name).toBe('goldfinch');
  expect(row.status).toBe('done');
  expect(row.provider).toBe('webgpu'); // what the worker says really ran
  await expect(page.getByTestId('image-row').first().locator('canvas')).toHaveCount(4);

  const ref = loadReference();
  const key = 'goldfinch/r0.75/s0';
  const idsKeep = ref.int64(`${key}/ids_keep`);
  const idsRestore = ref.int64(`${key}/ids_restore`);
  const refPred = ref.float32(`${key}/pred`);

  // Same tensor, same ids: only the execution provider differs.
  const raw = await runRawInPage(page, ref.float32('goldfinch/image'), idsKeep, idsRestore);
  const dRaw = maxAbsDiff(raw.pred, refPred);

  // The row itself: the browser decoded goldfinch.jpg; seed 0 / ratio 0.75 gives the reference ids.
  const masks = randomMasking(0, 196, 0.75);
  expect(Array.from(masks.idsKeep)).toEqual(idsKeep);
  const rowPred = f32FromBase64((await page.evaluate(() => window.__maeDebug?.predBase64(0))) ?? '');
  const dRow = maxAbsDiff(rowPred, refPred);

  const timing = {
    firstImageMs: Math.round(row.totalMs ?? 0),
    firstEncoderMs: Math.round(row.encoderMs ?? 0),
    firstDecoderMs: Math.round(row.decoderMs ?? 0),
    warmRunMs: Math.round(raw.encoderMs + raw.decoderMs),
  };
  console.log(
    `[webgpu] adapter=${provider?.adapter} maxAbs(pred, reference)=${dRaw.toExponential(2)} ` +
      `maxAbs(row pred, reference)=${dRow.toExponential(2)} timing=${JSON.stringify(timing)}`,
  );
  test.info().annotations.push({ type: 'webgpu', description: JSON.stringify({ dRaw, dRow, ...timing }) });

  expect(dRaw).toBeLessThanOrEqual(WEBGPU_PRED_MAX_ABS);
  expect(dRow).toBeLessThanOrEqual(PIPELINE_PRED_MAX_ABS);

  // Busy styling waits BUSY_DIM_DELAY_MS (1 s): nothing changes in the first frames of an update,
  // and a slow one (seconds on SwiftShader) dims its panels and says "updating…".
  const firstFrame = await page.getByTestId('ratio-slider').evaluate(async (el) => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(el, '0.5');
    el.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const row = document.querySelector('[data-testid="image-row"]');
    return {
      busy: row?.getAttribute('data-busy'),
      dimmed: document.querySelectorAll('.panel-busy').length,
      status: row?.querySelector('.row-status')?.textContent ?? '',
    };
  });
  expect(firstFrame).toEqual({ busy: 'true', dimmed: 0, status: '' });
  await page.waitForFunction(() => document.querySelectorAll('.panel-busy').length === 4, undefined, { timeout: 30_000, polling: 100 });
  await expect(page.getByTestId('image-row').first().locator('.row-status')).toHaveText('updating…');
  await waitSettled(page, 240_000);
  expect(await page.locator('.panel-busy').count()).toBe(0);
  await expect(page.getByTestId('image-row').first().locator('.row-status')).toHaveCount(0);

  requests.expectSameOrigin(new URL(BASE_URL).origin);
  await context.close();
});

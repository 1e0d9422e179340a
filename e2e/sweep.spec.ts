/**
 * Masking-ratio sweep (issue 7, part 2) on WASM with the real default model: 19 ratios × 4 seeds
 * computed in the worker with progress, a filmstrip and a chart; every point equals what the row
 * shows at that ratio and seed; row requests are served while a sweep runs; Stop stops it.
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { BASE_URL } from './config.ts';
import { artifactPath, debugRows, openApp, RequestLog, waitSettled } from './helpers.ts';

const ORIGIN = new URL(BASE_URL).origin;
/** Sweep points run 4 seeds in one batch, the row alone: batched and single runs agree to ~1e-5 in pred. */
const MSE_REL_TOL = 1e-4;

interface SweepDebug {
  status: string;
  done: number;
  total: number;
  model: string;
  ratios: number[];
  gridSeeds: number[];
  imageSeeds: number[];
  points: {
    maskRatio: number;
    visible: number;
    mse: (number | null)[];
    mean: number | null;
    std: number | null;
    min: number | null;
    max: number | null;
    baselineMean: number | null;
  }[];
}

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let requests: RequestLog;

const sweepState = (): Promise<SweepDebug> => page.evaluate(() => window.__maeDebug?.sweep() as unknown as SweepDebug);

async function setRatioAndSeed(ratio: number, seed: number): Promise<void> {
  await page.getByTestId('seed-input').fill(String(seed));
  await page.getByTestId('ratio-slider').fill(String(ratio));
  await page.waitForFunction(
    ([r]) => {
      const row = window.__maeDebug?.rows()[0];
      return window.__maeDebug?.settled() === true && row?.maskRatio === r;
    },
    [ratio],
    { timeout: 60_000, polling: 100 },
  );
}

test.beforeAll(async ({ browser }) => {
  ({ context, page, requests } = await openApp(browser, '/?ep=wasm&samples=1', { viewport: { width: 1280, height: 1000 } }));
  await waitSettled(page);
});

test.afterAll(async () => {
  await context.close();
});

test('a full sweep: progress to N/N, 19 frames, 19 chart points, MSE rises with the ratio', async () => {
  test.setTimeout(240_000);
  await page.getByTestId('sweep-row').first().click();
  const panel = page.getByTestId('sweep-panel');
  await expect(panel).toBeVisible();
  // progress moves in steps of one ratio (4 seeds) while it runs
  await page.waitForFunction(() => (window.__maeDebug?.sweep().done ?? 0) >= 4, undefined, { timeout: 60_000 });
  const early = await sweepState();
  expect(early.total).toBe(76);
  expect(early.done % 4).toBe(0);
  await page.waitForFunction(() => window.__maeDebug?.sweep().status === 'done', undefined, { timeout: 200_000, polling: 250 });
  await expect(page.getByTestId('sweep-progress')).toHaveText('76 / 76');
  await expect(page.getByTestId('sweep-frame')).toHaveCount(19);
  await expect(page.getByTestId('sweep-point')).toHaveCount(19);
  await expect(page.getByTestId('sweep-band')).toHaveCount(1);
  await expect(page.getByTestId('sweep-train-ratio')).toContainText('0.75');
  await expect(page.getByTestId('sweep-frame').first()).toContainText('0.05');
  await expect(page.getByTestId('sweep-frame').last()).toContainText('0.95');

  const s = await sweepState();
  expect(s.model).not.toBe('');
  expect(s.ratios).toHaveLength(19);
  expect(s.gridSeeds).toEqual([0, 1, 2, 3]);
  expect(s.points.map((p) => p.maskRatio)).toEqual(s.ratios);
  for (const p of s.points) {
    expect(p.mse).toHaveLength(4);
    const mse = p.mse as number[];
    for (const v of mse) expect(Number.isFinite(v)).toBe(true);
    // the chart's summary of the four seeds, against plain arithmetic on the per-seed values
    const mean = (mse[0] + mse[1] + mse[2] + mse[3]) / 4;
    const sampleVar = ((mse[0] - mean) ** 2 + (mse[1] - mean) ** 2 + (mse[2] - mean) ** 2 + (mse[3] - mean) ** 2) / 3;
    expect(p.mean as number).toBeCloseTo(mean, 12);
    expect(p.std as number).toBeCloseTo(Math.sqrt(sampleVar), 12);
    expect(p.min).toBe(Math.min(...mse));
    expect(p.max).toBe(Math.max(...mse));
  }
  // different seeds hide different patches: the spread is real, not four copies
  expect(s.points.some((p) => (p.std as number) > 0)).toBe(true);
  const first = s.points[0];
  const last = s.points[18];
  console.log(`sweep: MSE ${first.mean?.toFixed(3)} at 0.05, ${s.points[14].mean?.toFixed(3)} at 0.75, ${last.mean?.toFixed(3)} at 0.95`);
  expect(first.mean as number).toBeLessThan(last.mean as number);
  // the model beats the visible-mean baseline at its training ratio
  expect(s.points[14].mean as number).toBeLessThan(s.points[14].baselineMean as number);
  // the chart's points are the summary's means, left to right
  const cy = await page.getByTestId('sweep-point').evaluateAll((els) => els.map((e) => Number(e.getAttribute('cy'))));
  expect(cy[0]).toBeGreaterThan(cy[18]); // SVG y grows downwards: lower MSE sits lower
  await page.getByTestId('sweep-panel').screenshot({ path: artifactPath('sweep-panel.png') });
});

test('each sweep point equals the row reconstruction at that ratio and seed', async () => {
  const s = await sweepState();
  for (const [ratio, k] of [
    [0.3, 2],
    [0.9, 1],
  ] as const) {
    await setRatioAndSeed(ratio, s.gridSeeds[k]);
    const row = (await debugRows(page))[0] as unknown as { mse: number; seed: number; visible: number };
    const point = s.points.find((p) => p.maskRatio === ratio);
    expect(point, `sweep point ${ratio}`).toBeDefined();
    expect(row.seed).toBe(s.imageSeeds[k]);
    expect(row.visible).toBe(point?.visible);
    const sweepMse = point?.mse[k] as number;
    expect(Math.abs(row.mse - sweepMse) / sweepMse, `row ${row.mse} vs sweep ${sweepMse} at ${ratio}, seed ${k}`).toBeLessThan(MSE_REL_TOL);
  }
  // the sweep did not move with the page's settings
  expect((await sweepState()).status).toBe('done');
});

test('rows are served during a sweep; Stop stops it and the app keeps working', async () => {
  test.setTimeout(180_000);
  await setRatioAndSeed(0.75, 0);
  await page.getByTestId('sweep-row').first().click(); // starts over
  await page.waitForFunction(
    () => {
      const s = window.__maeDebug?.sweep();
      return s?.status === 'running' && s.done >= 8;
    },
    undefined,
    { timeout: 60_000, polling: 100 },
  );
  // a slider move is answered before the sweep ends (the worker interleaves ratio by ratio)
  await page.getByTestId('ratio-slider').fill('0.5');
  await page.waitForFunction(() => window.__maeDebug?.settled() === true && window.__maeDebug.rows()[0]?.maskRatio === 0.5, undefined, {
    timeout: 30_000,
    polling: 100,
  });
  const during = await sweepState();
  expect(during.status).toBe('running');
  expect(during.done).toBeLessThan(during.total);

  await page.getByTestId('sweep-cancel').click();
  await expect(page.getByTestId('sweep-panel')).toHaveAttribute('data-status', 'cancelled');
  const stopped = (await sweepState()).done;
  await page.waitForTimeout(3000);
  const after = await sweepState();
  expect(after.status).toBe('cancelled');
  expect(after.done).toBe(stopped);
  expect(after.done).toBeLessThan(after.total);
  await expect(page.getByTestId('sweep-progress')).toHaveText(`${stopped} / 76`);
  await expect(page.getByTestId('sweep-frame')).toHaveCount(stopped / 4);

  // the app still answers, and closing removes the panel
  await setRatioAndSeed(0.6, 5);
  const row = (await debugRows(page))[0];
  expect(row.status).toBe('done');
  expect(Number.isFinite(row.mse)).toBe(true);
  await page.getByTestId('sweep-close').click();
  await expect(page.getByTestId('sweep-panel')).toHaveCount(0);
  expect((await sweepState()).status).toBe('closed');
  requests.expectSameOrigin(ORIGIN);
});

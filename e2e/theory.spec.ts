/**
 * The theory section in real Chromium: the chart's values are the results file's, the sample drawer
 * shows the Python generator's pixels (tests/unit/theory-world.fixture.json), the exported theory
 * models reconstruct a sample with the hidden-pixel error PyTorch measured (results.json `reference`),
 * a broken results file gives a specific message, and nothing leaves the origin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { BASE_URL, REPO_ROOT } from './config.ts';
import { artifactPath, openApp } from './helpers.ts';

const ORIGIN = new URL(BASE_URL).origin;
const LEVELS = ['global', 'middle', 'local'] as const;
type Stat = { mean: number; std: number; n: number };
const RESULTS = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'theory', 'results.json'), 'utf8')) as {
  patchSizes: number[];
  ratios: number[];
  world: { levels: Record<string, string[]> };
  summary: { patchSize: number; maskRatio: number; levels: Record<string, Stat> }[];
  controls: { untrained: { patchSize: number; levels: Record<string, Stat> }[] };
  models: { id: string; patchSize: number; maskRatio: number }[];
  reference: { sampleSeed: number; maskRatio: number; maskSeed: number; hiddenMse: Record<string, number> };
};
const FIXTURE = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'unit', 'theory-world.fixture.json'), 'utf8')) as {
  samples: { seed: number; latents: { shape: number }; pixels?: number[] }[];
};
const SHAPES = ['square', 'disk', 'diamond', 'ring'];

async function canvasPixels(page: Page, testId: string, index = 0): Promise<number[]> {
  return page
    .getByTestId(testId)
    .nth(index)
    .evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
}

const byKey = <T extends { panel: string; patch: number; ratio: number }>(a: T, b: T): number =>
  a.panel.localeCompare(b.panel) || a.patch - b.patch || a.ratio - b.ratio;

test('theory section: chart from results.json, samples from the shared generator, reconstructions as PyTorch computes them', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const { page, requests } = await openApp(browser, '/?ep=wasm&samples=1');
  const section = page.getByTestId('theory');
  await section.scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-chart')).toBeVisible({ timeout: 60_000 });

  // 1. the chart's points and control lines are the results file's numbers, one panel per level
  await expect(page.getByTestId('theory-panel')).toHaveCount(LEVELS.length);
  const points = await page.getByTestId('theory-point').evaluateAll((els) =>
    els.map((e) => ({
      panel: e.dataset.panel ?? '',
      patch: Number(e.dataset.patch),
      ratio: Number(e.dataset.ratio),
      mean: Number(e.dataset.mean),
      std: Number(e.dataset.std),
    })),
  );
  const expected = RESULTS.summary.flatMap((e) =>
    LEVELS.map((level) => ({ panel: level, patch: e.patchSize, ratio: e.maskRatio, mean: e.levels[level].mean, std: e.levels[level].std })),
  );
  expect(points.length).toBe(RESULTS.patchSizes.length * RESULTS.ratios.length * LEVELS.length);
  expect(points.sort(byKey)).toEqual(expected.sort(byKey));
  const controls = await page
    .getByTestId('theory-control')
    .evaluateAll((els) => els.map((e) => ({ panel: e.dataset.panel ?? '', patch: Number(e.dataset.patch), mean: Number(e.dataset.mean) })));
  expect(controls.length).toBe(RESULTS.patchSizes.length * LEVELS.length);
  for (const c of controls) {
    expect(c.mean).toBe(RESULTS.controls.untrained.find((u) => u.patchSize === c.patch)!.levels[c.panel].mean);
  }
  // The findings and the plain-words summary, against values computed outside the page: Python over
  // models/theory/results.json (the finished 2026-11-29 run; it never changes), not a re-run of the
  // component's own TypeScript. Best ratio = the first ratio with the highest mean; "clearly" = the gap to
  // the untrained network exceeds both standard deviations added (computed by hand in Python, 2026-12-06).
  const BEST_RATIO: Record<string, Record<number, number>> = {
    global: { 4: 0.1, 8: 0.3 },
    middle: { 4: 0.1, 8: 0.95 },
    local: { 4: 0.85, 8: 0.1 },
  };
  expect(Object.keys(BEST_RATIO).sort(), 'the levels the Python check covered').toEqual([...LEVELS].sort());
  for (const level of LEVELS) {
    for (const p of RESULTS.patchSizes) {
      await expect(page.locator(`[data-testid="theory-finding"][data-level="${level}"][data-patch="${p}"]`)).toHaveAttribute(
        'data-best-ratio',
        String(BEST_RATIO[level][p]),
      );
    }
  }
  // Python: 12 of the 12 points clearly raise the global level, 12 of 12 clearly lower the local level.
  expect(RESULTS.summary.length).toBe(12);
  await expect(page.getByTestId('theory-summary')).toContainText(
    'raised the global level at 12 of 12 points and clearly lowered the local level at 12 of 12',
  );
  await page.getByTestId('theory-by-latent').check();
  const latentCount = Object.values(RESULTS.world.levels).flat().length;
  await expect(page.getByTestId('theory-panel')).toHaveCount(latentCount);
  await page.getByTestId('theory-by-latent').uncheck();

  // 2. a sample drawn in the page is the Python generator's, pixel for pixel (8-bit as the canvas holds it)
  const sample = FIXTURE.samples.find((s) => s.seed === RESULTS.reference.sampleSeed && s.pixels)!;
  expect(sample, 'the reference sample is one of the fixture pixel samples').toBeTruthy();
  await page.getByTestId('theory-seed').fill(String(sample.seed));
  await expect(page.getByTestId('theory-latent-shape')).toHaveText(SHAPES[sample.latents.shape]);
  const hw = 32 * 32;
  const want = new Uint8ClampedArray(hw * 4);
  for (let i = 0; i < hw; i++) {
    for (let c = 0; c < 3; c++) want[i * 4 + c] = sample.pixels![c * hw + i] * 255; // clamped, rounded half to even
    want[i * 4 + 3] = 255;
  }
  expect(await canvasPixels(page, 'theory-sample-canvas')).toEqual(Array.from(want));
  await page.getByTestId('theory-new-sample').click();
  await expect(page.getByTestId('theory-seed')).toHaveValue(String(sample.seed + 1));
  expect(await canvasPixels(page, 'theory-sample-canvas')).not.toEqual(Array.from(want));
  await page.getByTestId('theory-seed').fill(String(sample.seed));

  // 3. every exported model reconstructs the sample; hidden-pixel error as PyTorch measured it
  await page.getByTestId('theory-run-models').click();
  const recons = page.getByTestId('theory-recon');
  await expect(recons).toHaveCount(RESULTS.models.length, { timeout: 120_000 });
  await expect(page.getByTestId('theory-mask-ratio')).toHaveValue(String(RESULTS.reference.maskRatio));
  for (const m of RESULTS.models) {
    const card = page.locator(`[data-testid="theory-recon"][data-model="${m.id}"]`);
    await expect(card).toHaveAttribute('data-mse', /\d/, { timeout: 60_000 });
    const mse = Number(await card.getAttribute('data-mse'));
    const ref = RESULTS.reference.hiddenMse[m.id];
    // the page measures 8-bit pixels, PyTorch float ones: measured ≤ 3e-5 apart (Node), another mask is 1e-4 to 3e-3 off
    expect(Math.abs(mse - ref), `${m.id}: page ${mse}, PyTorch ${ref}`).toBeLessThanOrEqual(5e-5 + 0.005 * ref);
  }
  const before = await canvasPixels(page, 'theory-recon-canvas');
  await page.getByTestId('theory-new-mask').click();
  await expect.poll(async () => JSON.stringify(await canvasPixels(page, 'theory-recon-canvas')) !== JSON.stringify(before)).toBe(true);
  await section.screenshot({ path: artifactPath('theory-section.png') }); // for a person to look at, not compared
  requests.expectSameOrigin(ORIGIN);
});

test('theory section: a broken results file gives a specific message and the page keeps working', async ({ browser }) => {
  const { page } = await openApp(browser, '/?ep=wasm&samples=1', { serviceWorkers: 'block' });
  await page.route('**/models/theory/results.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: '{"format":"something else"}' }),
  );
  // the section may already have fetched the real file (it loads when near the screen, and the compact
  // header puts it nearer): load the page again with the route in place
  await page.reload();
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-results-error')).toContainText('format must be "mae-playground/theory-results/1"');
  await expect(page.getByTestId('theory-chart')).toHaveCount(0);
  // the sample drawer does not depend on the results
  await page.getByTestId('theory-new-sample').click();
  await expect(page.getByTestId('theory-seed')).toHaveValue('2');
});

test('theory section: a model file that is not a model is named in the message, and the section keeps drawing samples', async ({
  browser,
}) => {
  const { page } = await openApp(browser, '/?ep=wasm&samples=1', { serviceWorkers: 'block' });
  const broken = RESULTS.models[0].id;
  await page.route(`**/models/theory/${broken}/encoder.onnx`, (route) =>
    route.fulfill({ contentType: 'application/octet-stream', body: Buffer.from('this is not an ONNX model') }),
  );
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await page.getByTestId('theory-run-models').click();
  await expect(page.getByTestId('theory-models-error')).toContainText(
    `models/theory/${broken}/encoder.onnx: onnxruntime could not load it`,
  );
  await expect(page.getByTestId('theory-chart')).toBeVisible();
  await page.getByTestId('theory-new-sample').click();
  await expect(page.getByTestId('theory-seed')).toHaveValue('2');
});

/** The issue-26 run's file as hreport.py wrote it; the page shows its verdicts, it does not compute them. */
const RUN = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'theory', 'run', 'results.json'), 'utf8')) as {
  expected: number;
  runs: unknown[];
  verdicts: { id: string; mlp: { verdict: string }; linear: { verdict: string } }[];
  models: { id: string; reference: { sampleSeed: number; maskRatio: number; maskSeed: number; hiddenMse: number } }[];
};

test('theory section: the issue-26 run shows its progress and every prediction with the verdicts of its results file', async ({
  browser,
}) => {
  const { page, requests } = await openApp(browser, '/?ep=wasm&samples=1');
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-run-progress')).toContainText(`${RUN.runs.length} of ${RUN.expected} models trained`);
  await expect(page.getByTestId('theory-verdicts').locator('tbody tr')).toHaveCount(RUN.verdicts.length);
  for (const v of RUN.verdicts) {
    const cells = page.getByTestId(`theory-verdict-${v.id}`).locator('td');
    await expect(cells.nth(2)).toHaveText(v.mlp.verdict);
    await expect(cells.nth(3)).toHaveText(v.linear.verdict);
  }
  if (RUN.models.length === 0) await expect(page.getByTestId('theory-grid-none')).toBeVisible();
  else await expect(page.getByTestId('theory-grid-first').locator('option')).toHaveCount(RUN.models.length);
  // the first run's chart is still there beside it
  await expect(page.getByTestId('theory-chart')).toBeVisible({ timeout: 60_000 });
  requests.expectSameOrigin(ORIGIN);
});

test('theory section: every exported grid model reconstructs the reference sample with the hidden-pixel error PyTorch measured', async ({
  browser,
}) => {
  test.skip(RUN.models.length === 0, 'no model of the issue-26 grid has finished yet (models/theory/run/results.json lists none)');
  // the grid grows as the run goes on (up to 18 seed-0 models): a budget per model, and every step bounded so a
  // stuck step fails naming itself instead of using up the whole test (a CI run, 2026-12-06, timed out on the first)
  test.setTimeout(90_000 + 30_000 * RUN.models.length);
  const step = { timeout: 30_000 };
  const { page, requests } = await openApp(browser, '/?ep=wasm&samples=1');
  await page.getByTestId('theory-run').scrollIntoViewIfNeeded(step);
  const open = page.getByTestId('theory-grid-open');
  for (const m of RUN.models) {
    // the viewer's defaults are the reference case (sample 42, 50% masking, mask seed 0); one model alone
    expect(m.reference).toMatchObject({ sampleSeed: 42, maskRatio: 0.5, maskSeed: 0 });
    await expect(open, `${m.id}: the previous model finished loading`).toBeEnabled({ timeout: 60_000 });
    await page.getByTestId('theory-grid-first').selectOption(m.id, step);
    await page.getByTestId('theory-grid-second').selectOption('', step);
    await open.click(step);
    const recon = page.locator(`[data-testid="theory-grid-recon"][data-model="${m.id}"][data-mse]`);
    await expect(recon).toHaveCount(1, { timeout: 60_000 });
    const mse = Number(await recon.getAttribute('data-mse'));
    const ref = m.reference.hiddenMse;
    expect(Math.abs(mse - ref), `${m.id}: page ${mse}, PyTorch ${ref}`).toBeLessThanOrEqual(5e-5 + 0.005 * ref);
  }
  requests.expectSameOrigin(ORIGIN);
});

test('theory section: a broken run file is named in a specific message, and the first run still shows', async ({ browser }) => {
  const { page } = await openApp(browser, '/?ep=wasm&samples=1', { serviceWorkers: 'block' });
  await page.route('**/models/theory/run/results.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ format: 'mae-playground/theory-results/2', ratios: [] }) }),
  );
  await page.reload(); // with the route in place before the panel can fetch
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-run-error')).toContainText('models/theory/run/results.json: ratios must be a non-empty array');
  await expect(page.getByTestId('theory-verdicts')).toHaveCount(0);
  await expect(page.getByTestId('theory-chart')).toBeVisible({ timeout: 60_000 });
});

/**
 * Whole photos (issue 25): a wide (320×224) and a tall (224×320) photo reconstructed whole, at their
 * own aspect ratio, against PyTorch (models_mae.py with the position tables for the 14×20 / 20×14
 * patch grid):
 * - the bundled default (contract v2, sin-cos tables computed in the page): pred against
 *   tests/reference/default's gridCases, WASM, and the wide photo on WebGPU (SwiftShader here: one image);
 * - an imported official-layout file (e2e/fixtures/weights/mae_visualize_vit_e2e.pth, whose random stored
 *   7×7 tables the page resizes bicubically): masked MSE and every 7th patch of pred against
 *   e2e/fixtures/whole-photo/reference.json (make_whole_photo_refs.py).
 * The photos are goldfinch.jpg resized whole by Pillow to exactly those sizes, so the page feeds the
 * same tensors (never enlarged, both sides whole patches). Tolerance: the contract's, max|Δ| ≤
 * 1e-4 · max(1, max|ref|) (fp32 kernels vs PyTorch: rounding only). A format-1 folder keeps the crop
 * and says why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { exportLayout } from '../src/features/export/export-layout.ts';
import { REPO_ROOT } from './config.ts';
import { f32FromBase64, loadReference, maxAbsDiff, openMenu } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const FIX = join(REPO_ROOT, 'e2e', 'fixtures', 'whole-photo');
const WIDE = 'goldfinch-320x224.png';
const TALL = 'goldfinch-224x320.png';
interface ImportedCase {
  photo: string;
  width: number;
  height: number;
  gridH: number;
  gridW: number;
  visible: number;
  maskedMse: number;
  predStride: number;
  pred: string;
}
const imported = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as { cases: ImportedCase[] };

const bound = (ref: Float32Array): number =>
  1e-4 *
  Math.max(
    1,
    ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
  );

async function rowPred(page: Page, name: string): Promise<{ pred: Float32Array; index: number }> {
  const all = await rows(page);
  const index = all.findIndex((r) => r.name === name);
  expect(index, `row ${name}`).toBeGreaterThanOrEqual(0);
  expect(all[index].status).toBe('done');
  const b64 = await page.evaluate((i) => window.__maeDebug?.predBase64(i) ?? '', index);
  return { pred: f32FromBase64(b64), index };
}

/** The row's masked panel: its canvas has the photo's size (the crop would be square). */
async function panelSize(page: Page, index: number): Promise<[number, number]> {
  const canvas = page.getByTestId('image-row').nth(index).locator('canvas[data-panel="masked"]');
  return canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height] as [number, number]);
}

async function uploadBoth(page: Page): Promise<void> {
  await page.getByTestId('file-input').setInputFiles([join(FIX, WIDE), join(FIX, TALL)]);
  await expect(page.getByTestId('image-row')).toHaveCount(2);
  await settled(page);
}

test('whole photos on the bundled default (WASM): a wide and a tall photo match PyTorch; the crop comes back', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm&photo=whole');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await expect(page.getByTestId('photo-whole')).toBeChecked();
  await uploadBoth(page);
  const ref = loadReference();
  for (const [name, key, size] of [
    [WIDE, 'goldfinch/224x320/r0.75/s0', [320, 224]],
    [TALL, 'goldfinch/320x224/r0.75/s0', [224, 320]],
  ] as const) {
    const { pred, index } = await rowPred(page, name);
    const want = ref.float32(`${key}/pred`);
    expect(pred.length).toBe(280 * 768);
    const d = maxAbsDiff(pred, want);
    console.log(`[wasm] ${name}: maxAbs(pred, PyTorch) = ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(bound(want));
    expect(await panelSize(page, index)).toEqual(size);
    expect((await rows(page))[index].numPatches).toBe(280);
  }
  // the address keeps the choice; the crop gives the square again
  await expect.poll(() => new URL(page.url()).searchParams.get('photo')).toBe('whole');
  await page.getByTestId('photo-crop').check();
  await settled(page);
  const { pred, index } = await rowPred(page, WIDE);
  expect(pred.length).toBe(196 * 768);
  expect(await panelSize(page, index)).toEqual([224, 224]);
  await expect.poll(() => new URL(page.url()).searchParams.get('photo')).toBeNull();
  await context.close();
});

test('whole photos on an imported official-layout file (WASM): stored tables resized, masked MSE and pred match PyTorch', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm&photo=whole');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await openMenu(page, 'models');
  await page.getByTestId('weights-input').setInputFiles(join(REPO_ROOT, 'e2e', 'fixtures', 'weights', 'mae_visualize_vit_e2e.pth'));
  await expect(page.getByTestId('model-name')).toContainText('mae_visualize_vit_e2e.pth', { timeout: 120_000 });
  await uploadBoth(page);
  for (const c of imported.cases) {
    const { pred, index } = await rowPred(page, c.photo);
    const row = (await rows(page))[index];
    expect(row.numPatches).toBe(c.gridH * c.gridW);
    expect(row.visible).toBe(c.visible);
    const mse = row.mse as number;
    expect(Math.abs(mse - c.maskedMse), `masked MSE ${mse} vs PyTorch ${c.maskedMse}`).toBeLessThanOrEqual(1e-4 * Math.max(1, c.maskedMse));
    const want = f32FromBase64(c.pred);
    const per = 16 * 16 * 3;
    const got = new Float32Array(want.length);
    for (let j = 0; j * c.predStride < c.gridH * c.gridW; j++)
      got.set(pred.subarray(j * c.predStride * per, (j * c.predStride + 1) * per), j * per);
    const d = maxAbsDiff(got, want);
    console.log(`[imported] ${c.photo}: maxAbs(pred, PyTorch) = ${d.toExponential(2)}, MSE ${mse} vs ${c.maskedMse}`);
    expect(d).toBeLessThanOrEqual(bound(want));
    expect(await panelSize(page, index)).toEqual([c.width, c.height]);
  }
  await context.close();
});

test('whole photo on WebGPU (SwiftShader: one wide photo) matches PyTorch', async ({ browser }) => {
  test.setTimeout(400_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=webgpu&photo=whole');
  await expect(page.getByTestId('provider-badge')).toHaveText('WebGPU', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles(join(FIX, WIDE));
  await expect(page.getByTestId('image-row')).toHaveCount(1);
  await settled(page, 300_000);
  const { pred } = await rowPred(page, WIDE);
  expect((await rows(page))[0].provider).toBe('webgpu');
  const want = loadReference().float32('goldfinch/224x320/r0.75/s0/pred');
  const d = maxAbsDiff(pred, want);
  console.log(`[webgpu] ${WIDE}: maxAbs(pred, PyTorch) = ${d.toExponential(2)}`);
  expect(d).toBeLessThanOrEqual(bound(want));
  await context.close();
});

test('a model with format-1 graphs (fixed grid) keeps the centre crop and says why whole photos are unavailable', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=goldfinch&same=1&seed=0&ratio=0.75&ep=wasm&photo=whole');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await settled(page);
  expect((await rows(page))[0].numPatches).toBe(21 * 16); // goldfinch 341×256 whole: 21×16 patches
  await openMenu(page, 'models');
  await page.getByTestId('model-folder-input').setInputFiles(join(REPO_ROOT, 'e2e', 'fixtures', 'models', 'converted-tiny'));
  await expect(page.getByTestId('model-name')).toContainText('Converted tiny MAE', { timeout: 120_000 });
  await expect(page.getByTestId('photo-whole')).toBeDisabled();
  await expect(page.getByTestId('photo-crop')).toBeChecked();
  await expect(page.getByTestId('photo-whole-why')).toContainText('model format 1');
  await settled(page);
  const [row] = await rows(page);
  expect(row.status).toBe('done');
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'e2e', 'fixtures', 'models', 'converted-tiny', 'manifest.json'), 'utf8')) as {
    imgSize: number;
    patchSize: number;
  };
  expect(row.numPatches).toBe((manifest.imgSize / manifest.patchSize) ** 2);
  await context.close();
});

test('the sweep of a whole-photo row runs on its 14×20 grid: a point equals the row at that ratio and seed', async ({ browser }) => {
  test.setTimeout(400_000);
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm&photo=whole');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles(join(FIX, WIDE));
  await settled(page);
  await page.getByTestId('sweep-row').first().click();
  await page.waitForFunction(() => window.__maeDebug?.sweep().status === 'done', undefined, { timeout: 360_000, polling: 500 });
  const s = await page.evaluate(() => window.__maeDebug!.sweep());
  const point = s.points.find((p) => p.maskRatio === 0.75);
  expect(point?.visible).toBe(70); // 280 patches, 25% visible
  // the row at the sweep's second seed and ratio 0.75 (same mask for every image: the seed is the image's)
  await page.getByTestId('seed-input').fill(String(s.gridSeeds[1]));
  await page.waitForFunction(
    (seed) => window.__maeDebug?.settled() === true && window.__maeDebug.rows()[0]?.seed === seed,
    s.imageSeeds[1],
    {
      timeout: 60_000,
    },
  );
  const [row] = await rows(page);
  expect(row.numPatches).toBe(280);
  const sweepMse = point?.mse[1] as number;
  expect(Math.abs((row.mse as number) - sweepMse) / sweepMse, `row ${row.mse} vs sweep ${sweepMse}`).toBeLessThan(1e-4);
  await context.close();
});

test('the grid PNG of whole-photo rows: each row at its own panel size, the pixels the page shows', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm&photo=whole');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await uploadBoth(page);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-grid').click()]);
  const png = PNG.sync.read(readFileSync(await dl.path()));
  const all = await rows(page);
  const sizes = await Promise.all(all.map((_, i) => panelSize(page, i)));
  const layout = exportLayout({ rows: all.length, panelSize: 224, rowSizes: sizes.map(([width, height]) => ({ width, height })) });
  expect([png.width, png.height]).toEqual([layout.width, layout.height]);
  for (let i = 0; i < all.length; i++) {
    // the masked panel of each row, pixel for pixel
    const rect = layout.rows[i].panels[0];
    const want = Buffer.from(await page.evaluate((r) => window.__maeDebug?.panelBase64(r, 'masked') ?? '', i), 'base64');
    expect(want.length).toBe(rect.w * rect.h * 4);
    let differing = 0;
    for (let y = 0; y < rect.h; y++)
      for (let x = 0; x < rect.w; x++) {
        const o = ((rect.y + y) * png.width + rect.x + x) * 4;
        const k = (y * rect.w + x) * 4;
        if (png.data[o] !== want[k] || png.data[o + 1] !== want[k + 1] || png.data[o + 2] !== want[k + 2]) differing++;
      }
    expect(differing, `row ${i}: pixels different from the page`).toBe(0);
  }
  await context.close();
});

/**
 * int8 on load (issue 23 item 1; src/features/models/weights/int8-cache.ts, load-handler.ts): an
 * imported weights file on WASM offers exact (fp32) and fast (int8) on its model card. The small e2e
 * weights (e2e/fixtures/make-weights.py, 0.5 M parameters) load exact by default (int8 is the default
 * above 50 M); fast quantizes them in the worker, keeps the int8 copy in the private file system, and
 * reconstructs within the stated tolerance of PyTorch's fp32 masked MSE. The choice is kept: the same
 * file opened on a new page loads int8 again, from the stored copy. Exact again: PyTorch's MSE to 1e-4.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from './config.ts';
import { openMenu } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const FIX = join(REPO_ROOT, 'e2e', 'fixtures', 'weights');
interface Reference {
  photo: string;
  numPatches: number;
  cases: { maskRatio: number; seed: number; visible: number; maskedMse: number }[];
}
const reference = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as Reference;
const PTH = join(FIX, 'mae_visualize_vit_e2e.pth');

// int8 against PyTorch fp32, the masked MSE of the reference case: the Node tests measure the int8
// error of these weights at relL2 ~2e-2 on the prediction (tests/node/weights-int8-cache.test.ts);
// the masked MSE moves far less (measured here: see BENCHMARKS.md, int8 section). Stated tolerance: 2%.
const INT8_MSE_TOLERANCE = 0.02;

async function firstRowMse(page: Page): Promise<number> {
  await settled(page);
  const [row] = await rows(page);
  expect(row.status).toBe('done');
  return row.mse as number;
}

async function openWeights(page: Page): Promise<void> {
  await openMenu(page, 'models');
  await page.getByTestId('weights-input').setInputFiles(PTH);
  await expect(page.getByTestId('model-name')).toContainText('mae_visualize_vit_e2e.pth', { timeout: 120_000 });
}

test('imported weights on WASM: exact by default, fast (int8) within 2% of PyTorch, kept and reused from storage, exact again', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  const c = reference.cases[0];
  const url = `/?samples=0&same=1&seed=${c.seed}&ratio=${c.maskRatio}&ep=wasm`;
  await page.goto(url);
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await openWeights(page);
  const choice = page.getByTestId('precision-choice');
  await expect(choice).toHaveAttribute('data-precision', 'fp32');
  await expect(page.getByTestId('precision-reason')).toContainText('the default for models up to 50 M parameters');
  await page.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
  await expect(page.getByTestId('image-row')).toHaveCount(1);
  const exact = await firstRowMse(page);
  expect(Math.abs(exact - c.maskedMse)).toBeLessThanOrEqual(1e-4 * Math.max(1, c.maskedMse));

  // fast: the model loads again in int8 (quantized now, then kept), the row runs again
  // a click asks for the reload; the radio follows once the model runs in int8
  await page.getByTestId('precision-int8').click();
  await expect(choice).toHaveAttribute('data-precision', 'int8', { timeout: 120_000 });
  await expect(page.getByTestId('precision-reason')).toContainText('fast (int8), as chosen; quantized in');
  await expect(page.getByTestId('precision-note')).toHaveCount(0); // kept without trouble
  await expect.poll(async () => (await rows(page))[0]?.mse, { timeout: 120_000 }).not.toBe(exact);
  const fast = await firstRowMse(page);
  const change = Math.abs(fast - c.maskedMse) / c.maskedMse;
  console.log(`[int8 e2e] masked MSE PyTorch fp32 ${c.maskedMse}, page exact ${exact}, page int8 ${fast} (${(100 * change).toFixed(3)}%)`);
  expect(change).toBeLessThanOrEqual(INT8_MSE_TOLERANCE);
  expect(fast).not.toBe(exact); // really the int8 model
  // the copy is in the private file system under int8-cache/: two graphs, two buffers, the record,
  // and the position tables (the e2e weights' are random: a v2 'table' model)
  const stored = await page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('int8-cache');
    const names: string[] = [];
    for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    return names.sort();
  });
  expect(stored).toHaveLength(6);
  expect(stored.filter((n) => n.endsWith('.json'))).toHaveLength(1);

  // a new page of the same site: the choice is kept, and the int8 copy comes from storage
  const again = await context.newPage();
  await again.goto(url);
  await expect(again.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await openWeights(again);
  await expect(again.getByTestId('precision-choice')).toHaveAttribute('data-precision', 'int8');
  await expect(again.getByTestId('precision-reason')).toContainText("from this browser's storage");
  await again.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
  expect(Math.abs((await firstRowMse(again)) - fast)).toBeLessThanOrEqual(1e-6 * fast);

  // exact again: PyTorch's MSE
  await again.getByTestId('precision-fp32').click();
  await expect(again.getByTestId('precision-choice')).toHaveAttribute('data-precision', 'fp32', { timeout: 120_000 });
  await expect(again.getByTestId('precision-reason')).toContainText('exact (fp32), as chosen');
  await expect.poll(async () => (await rows(again))[0]?.mse, { timeout: 120_000 }).not.toBe(fast);
  const exactAgain = await firstRowMse(again);
  expect(Math.abs(exactAgain - c.maskedMse)).toBeLessThanOrEqual(1e-4 * Math.max(1, c.maskedMse));
  await context.close();
});

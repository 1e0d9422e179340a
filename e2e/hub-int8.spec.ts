/**
 * A hub download in fast (int8) (issue 23 item 1; weights/int8-cache.ts, hub-storage.ts): the int8
 * copy is kept under the hub's SHA-256 of the file; the fp32 file can then be freed to save space,
 * and the model still runs from its int8 copy, while exact (fp32) says it needs the file again.
 * Remove takes the int8 copy with it. Against the stand-in hub (e2e/hub-server.ts) with the small
 * e2e weights (e2e/fixtures/make-weights.py).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from './config.ts';
import { FakeHub } from './hub-server.ts';
import { openMenu } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const FIX = join(REPO_ROOT, 'e2e', 'fixtures', 'weights');
const reference = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as { photo: string; cases: { maskedMse: number }[] };
const SAFETENSORS = readFileSync(join(FIX, 'model.safetensors'));
const SHA = createHash('sha256').update(SAFETENSORS).digest('hex');
// the stated int8 tolerance of the e2e weights' masked MSE against PyTorch fp32 (e2e/weights-int8.spec.ts)
const INT8_MSE_TOLERANCE = 0.02;

let hub: FakeHub;
test.beforeEach(async () => {
  hub = new FakeHub();
  hub.add('facebook/vit-mae-base', 'model.safetensors', SAFETENSORS);
  await hub.start();
});
test.afterEach(async () => {
  await hub.stop();
});

async function int8Files(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    try {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('int8-cache');
      const names: string[] = [];
      for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
      return names.sort();
    } catch {
      return [];
    }
  });
}

async function rowMse(page: Page): Promise<number> {
  await settled(page);
  return (await rows(page))[0].mse as number;
}

test('a hub download in int8: kept under its SHA-256; the fp32 file freed, it still runs in int8, exact says it needs the file; Remove takes the copy', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  // fast (int8) chosen before (the card's choice is kept in localStorage)
  await context.addInitScript(() => localStorage.setItem('mae-playground-precision', 'int8'));
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm');
  await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
  await settled(page);
  await openMenu(page, 'models');
  await page.getByTestId('hub-download-vit-mae-base').click();
  await expect(page.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
  await expect(page.getByTestId('precision-choice')).toHaveAttribute('data-precision', 'int8');
  const want = reference.cases[0].maskedMse;
  const int8Mse = await rowMse(page);
  expect(Math.abs(int8Mse - want) / want).toBeLessThanOrEqual(INT8_MSE_TOLERANCE);
  // the copy's key is the hub's SHA-256 of the file
  const key = `int8-v2-per-channel-sha-${SHA}`;
  // (the e2e weights' position tables are random, a v2 'table' model: pos-embed.bin is kept with the copy)
  expect(await int8Files(page)).toEqual(
    ['decoder.bin', 'decoder.onnx', 'encoder.bin', 'encoder.onnx', 'json', 'positions.bin'].map((f) => `${key}.${f}`),
  );

  // free the fp32 file: listed still, as int8 only; the space used drops to the record
  await expect(page.getByTestId('hub-stored-vit-mae-base')).toContainText('with its int8 copy');
  await page.getByTestId('hub-free-vit-mae-base').click();
  await expect(page.getByTestId('hub-stored-vit-mae-base')).toContainText('fp32 file freed: runs fast (int8) only');
  await expect(page.getByTestId('hub-free-vit-mae-base')).toHaveCount(0);
  // the record only: the 1.9 MB file is gone
  await expect(page.getByTestId('hub-usage')).toHaveText(/^Downloaded models use \d+ bytes on this device\.$/);

  // a new page: Use loads the int8 copy alone; exact is offered disabled and says why
  const again = await context.newPage();
  await again.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm');
  await expect(again.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
  await again.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
  await settled(again);
  await openMenu(again, 'models');
  await again.getByTestId('hub-use-vit-mae-base').click();
  await expect(again.getByTestId('model-name')).toContainText('vit-mae-base.safetensors', { timeout: 120_000 });
  await expect(again.getByTestId('precision-choice')).toHaveAttribute('data-precision', 'int8');
  await expect(again.getByTestId('precision-reason')).toContainText('the fp32 file was freed');
  await expect(again.getByTestId('precision-fp32')).toBeDisabled();
  await expect(again.getByTestId('precision-freed')).toContainText('Exact (fp32) needs the weights file, which was freed');
  await expect.poll(async () => (await rows(again))[0]?.mse, { timeout: 120_000 }).not.toBeNull();
  expect(Math.abs((await rowMse(again)) - int8Mse)).toBeLessThanOrEqual(1e-6 * int8Mse);
  expect(hub.requests.filter((r) => r.path.includes('/resolve/'))).toHaveLength(1); // no second download

  // Remove: the record, and the int8 copy with it
  await again.getByTestId('hub-remove-vit-mae-base').click();
  await expect(again.getByTestId('hub-download-vit-mae-base')).toBeVisible();
  expect(await int8Files(again)).toEqual([]);
  await context.close();
});

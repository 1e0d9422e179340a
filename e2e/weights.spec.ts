/**
 * Real MAE weights in the page (src/features/models/weights, weights-local.ts): a weights file opened
 * with "Open weights file…" (header, Models) or dropped on the page is imported in the worker and runs like any model.
 * The page's masked MSE on a photo equals PyTorch's for the same weights and masks
 * (e2e/fixtures/make-weights.py; tolerance 1e-4 relative), on WASM and on WebGPU, for the official
 * layout (.pth, fused qkv) and the Hugging Face one (model.safetensors, split q/k/v). Bad files get
 * their message and the model before keeps running.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { REPO_ROOT } from './config.ts';
import { openMenu } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const FIX = join(REPO_ROOT, 'e2e', 'fixtures', 'weights');
const BAD = join(REPO_ROOT, 'tests', 'fixtures', 'weights');
interface Reference {
  photo: string;
  numPatches: number;
  embedDim: number;
  depth: number;
  cases: { maskRatio: number; seed: number; visible: number; maskedMse: number }[];
}
const reference = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as Reference;

async function expectMse(page: Page, c: Reference['cases'][number]): Promise<void> {
  await settled(page);
  await expect(page.getByTestId('ratio-label')).toContainText(`${c.visible} of ${reference.numPatches} visible`);
  const [row] = await rows(page);
  expect(row.status).toBe('done');
  const mse = row.mse as number;
  expect(
    Math.abs(mse - c.maskedMse),
    `masked MSE ${mse} vs PyTorch ${c.maskedMse} (seed ${c.seed}, ratio ${c.maskRatio})`,
  ).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(c.maskedMse)));
}

/** A drop of one file on the page, as a person dragging it from their file manager does. */
async function dropFile(page: Page, path: string, name: string): Promise<void> {
  const b64 = readFileSync(path).toString('base64');
  await page.evaluate(
    ({ name, b64 }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name));
      document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, b64 },
  );
}

for (const ep of ['wasm', 'webgpu'] as const) {
  test(`weights import on ${ep}: the official .pth by the file input, then the Hugging Face safetensors by drop, reproduce PyTorch`, async ({
    browser,
  }) => {
    test.setTimeout(300_000);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
    await page.goto(`/?samples=0&same=1&seed=0&ratio=0.75&ep=${ep}`);
    await expect(page.getByTestId('model-name')).toContainText('ViT-Ti/16', { timeout: 120_000 });
    await openMenu(page, 'models');
    await expect(page.getByTestId('open-weights')).toBeVisible();
    expect(await page.getByTestId('weights-input').getAttribute('accept')).toBe('.pth,.bin,.safetensors');

    await page.getByTestId('weights-input').setInputFiles(join(FIX, 'mae_visualize_vit_e2e.pth'));
    await expect(page.getByTestId('model-name')).toContainText('mae_visualize_vit_e2e.pth', { timeout: 120_000 });
    await expect(page.getByTestId('provider-badge')).toContainText(ep === 'webgpu' ? 'WebGPU' : 'WASM');
    // several heads per side (make-weights.py): read from the widths, so a wrong split would miss PyTorch's MSE
    await expect(page.getByTestId('imported-architecture')).toHaveText(`ViT ${reference.embedDim}-d × ${reference.depth}, patch 16`);
    await expect(page.getByTestId('imported-license')).toContainText('CC BY-NC 4.0');
    await page.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
    await expect(page.getByTestId('image-row')).toHaveCount(1);
    await expectMse(page, reference.cases[0]);
    if (ep === 'wasm') {
      // Other masks: the seed, then the ratio and the seed.
      await page.getByTestId('seed-input').fill(String(reference.cases[1].seed));
      await expectMse(page, reference.cases[1]);
      await page.getByTestId('ratio-slider').fill(String(reference.cases[2].maskRatio));
      await page.getByTestId('seed-input').fill(String(reference.cases[2].seed));
      await expectMse(page, reference.cases[2]);
      await page.getByTestId('ratio-slider').fill('0.75');
      await page.getByTestId('seed-input').fill('0');
      await settled(page);

      // The imported model joins the zoo's cards in the compare view; its 7x7 grid is the zoo's coarsest,
      // so its mask there is the page's seed-0 mask and its masked MSE PyTorch's again.
      await page.getByTestId('compare-open').click();
      const card = page.locator('[data-testid="zoo-card"][data-model^="local:"]');
      await expect(card).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
      await expect(card).toContainText('imported');
      const compared = await page.evaluate(() => window.__maeDebug!.compare().models.find((m) => m.id.startsWith('local:')));
      const want = reference.cases[0].maskedMse;
      expect(Math.abs((compared?.mse ?? NaN) - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, want));
      await page.getByTestId('compare-close').click();
    }

    await dropFile(page, join(FIX, 'model.safetensors'), 'model.safetensors');
    await expect(page.getByTestId('model-name')).toContainText('model.safetensors', { timeout: 120_000 });
    await expect(page.getByTestId('imported-card')).toContainText('Hugging Face names');
    await expectMse(page, reference.cases[0]);
    await context.close();
  });
}

test('bad weights files: each gets its message, and the model before keeps running', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=0&same=1&seed=0&ratio=0.75&ep=wasm');
  await page.getByTestId('weights-input').setInputFiles(join(FIX, 'mae_visualize_vit_e2e.pth'));
  await expect(page.getByTestId('model-name')).toContainText('mae_visualize_vit_e2e.pth', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles(join(REPO_ROOT, reference.photo));
  await expectMse(page, reference.cases[0]);

  const cases: [string, RegExp[]][] = [
    ['mae_pretrain_vit_tiny.pth', [/has no decoder/, /mae_visualize_vit_base\.pth/]],
    ['malicious.pth', [/refused/, /os\.system/]],
    ['truncated.safetensors', [/truncated\.safetensors/, /truncated/]],
    ['not-a-checkpoint.zip', [/not-a-checkpoint\.pth is a zip file, but not a PyTorch checkpoint/]],
  ];
  for (const [file, patterns] of cases) {
    const input = page.getByTestId('weights-input');
    if (file.endsWith('.zip')) await dropFile(page, join(BAD, file), file.replace('.zip', '.pth'));
    else await input.setInputFiles(join(BAD, file));
    const error = page.getByTestId('model-error-text');
    await expect(error).toBeVisible({ timeout: 60_000 });
    for (const p of patterns) await expect(error, file).toHaveText(p);
    await expect(error).toContainText('Still using');
    await expect(page.getByTestId('model-name')).toContainText('mae_visualize_vit_e2e.pth');
    // The model before still answers: a new mask gets a new, correct reconstruction.
    await page.getByTestId('seed-input').fill(String(reference.cases[1].seed));
    await expectMse(page, reference.cases[1]);
    await page.getByTestId('seed-input').fill('0');
    await expectMse(page, reference.cases[0]);
    await page.getByRole('button', { name: 'dismiss' }).first().click();
  }
  await context.close();
});

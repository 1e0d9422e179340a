/**
 * Large models stay usable: with lazy rows (automatic from 50 M parameters, forced here with
 * ?lazy=on on the small default model so the test stays fast), the rows on screen are computed and
 * the rows below the fold wait until they scroll into view.
 */
import { expect, test } from '@playwright/test';

test('lazy rows: rows on screen first, the others when they scroll into view', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto('/?samples=12&lazy=on&ep=wasm');
  const rowsOf = page.getByTestId('image-row');
  await expect(rowsOf).toHaveCount(12, { timeout: 60_000 });
  await expect(rowsOf.first()).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  // A moment for anything else to run: the last row, far below the fold, must still be waiting.
  await page.waitForTimeout(3000);
  const last = rowsOf.last();
  await expect(last).toHaveAttribute('data-status', 'waiting');
  const statuses = await rowsOf.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
  expect(statuses.filter((s) => s === 'done').length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s === 'waiting').length).toBeGreaterThan(3);

  await last.scrollIntoViewIfNeeded();
  await expect(last).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await context.close();
});

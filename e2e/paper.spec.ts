/**
 * The paper-style view (src/features/paper): the grid switches to triplets (masked, reconstruction +
 * visible, original) and back; "Download figure PNG" writes one PNG whose size is the layout worked
 * out by hand for two 224 px images, and whose panels hold exactly the pixels the page shows.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { settled } from './reliability-helpers.ts';

test('paper view: triplets in columns, switchable with the rows, exported as one PNG', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto('/?samples=2');
  await settled(page);
  await expect(page.getByTestId('image-row')).toHaveCount(2);

  await page.getByTestId('view-paper').check();
  await expect(page.getByTestId('image-row')).toHaveCount(0);
  await expect(page.getByTestId('paper-triplet')).toHaveCount(2);
  const triplet = page.getByTestId('paper-triplet').first();
  await expect(triplet.locator('canvas')).toHaveCount(3);
  await expect(triplet.locator('canvas').nth(1)).toHaveAttribute('data-panel', 'reconstructionWithVisible');

  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-figure').click()]);
  expect(dl.suggestedFilename()).toBe('mae-figure-2-images-75pct.png');
  const path = await dl.path();
  const png = PNG.sync.read(readFileSync(path));
  // 12 + 2 * (3 * 224 + 2 * 2) + 16 + 12 wide; 12 + 20 + 224 + 16 + 12 high
  expect([png.width, png.height]).toEqual([1392, 284]);

  // The second triplet's original panel sits at x = 12 + 692 + 2 * 226, y = 32: the same pixels as on the page.
  const shown = await page
    .getByTestId('paper-triplet')
    .nth(1)
    .locator('canvas[data-panel="original"]')
    .evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? []));
  expect(shown.length).toBe(224 * 224 * 4);
  let differing = 0;
  for (let y = 0; y < 224; y++) {
    for (let x = 0; x < 224; x++) {
      const p = ((32 + y) * png.width + 1156 + x) * 4;
      const q = (y * 224 + x) * 4;
      for (let c = 0; c < 3; c++) if (png.data[p + c] !== shown[q + c]) differing++;
    }
  }
  expect(differing).toBe(0);

  await page.getByTestId('view-rows').check();
  await expect(page.getByTestId('image-row')).toHaveCount(2);
  await expect(page.getByTestId('paper-view')).toHaveCount(0);
  await context.close();
});

#!/usr/bin/env node
// README screenshot of the attention view: docs/attention.png (1280x800): the bundled default on the
// goldfinch sample, a hidden patch near the bird chosen, the decoder's map ("where it copied from").
// The test build (it exposes the view's numbers, used here to pick a hidden patch):
//   E2E_DIST=dist-e2e-attn npm run test:e2e -- e2e/attention.spec.ts   # builds it
//   node scripts/attention-screenshot.mjs dist-e2e-attn
import { chromium } from 'playwright-core';
import { startPreview } from './site-build.mjs';

const root = process.cwd();
const dist = process.argv[2] ?? 'dist-e2e';
const server = await startPreview(root, dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/?samples=goldfinch&ep=wasm&ratio=0.75&seed=0`);
  await page.waitForSelector('[data-testid="metric-mse"]', { timeout: 180_000 });
  await page.getByTestId('attention-row').click();
  await page.waitForSelector('[data-testid="attention-panel"][data-status="ready"]', { timeout: 180_000 });
  // a hidden patch near the middle of the 14x14 grid
  const kept = await page.evaluate(() => window.__maeDebug?.attention().idsKeep ?? []);
  const patch = [90, 91, 104, 105, 76, 77, 89, 92, 103, 106].find((p) => !kept.includes(p)) ?? 90;
  const canvas = page.getByTestId('attention-canvas');
  const box = await canvas.boundingBox();
  await canvas.click({ position: { x: ((patch % 14) + 0.5) * (box.width / 14), y: (Math.floor(patch / 14) + 0.5) * (box.height / 14) } });
  await page.waitForTimeout(500);
  // the attention view whole at the bottom of the screen, the row's panels above it
  await page.evaluate(() => {
    document.querySelector('[data-testid="attention-panel"]')?.scrollIntoView({ block: 'end' });
    window.scrollBy(0, 16);
  });
  await page.screenshot({ path: 'docs/attention.png' });
  console.log(`docs/attention.png (patch ${patch})`);
  await context.close();
} finally {
  await browser.close();
  server.proc.kill();
}

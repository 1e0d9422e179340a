#!/usr/bin/env node
// README screenshot of whole photos: docs/whole-photo.png, the first two sample rows shown whole
// (?photo=whole) at 1280 px wide (a tall viewport so both rows fit), the built site (npm run build first) in headless Chromium.
//   node scripts/whole-photo-screenshot.mjs [distDir]
import { chromium } from 'playwright-core';
import { startPreview } from './site-build.mjs';

const root = process.cwd();
const dist = process.argv[2] ?? 'dist';
const server = await startPreview(root, dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1400 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/?samples=school_bus,lakeside&photo=whole&ep=wasm`);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="metric-mse"]').length >= 2, undefined, { timeout: 180_000 });
  await page.waitForTimeout(1500);
  const rows = page.getByTestId('image-row');
  const first = await rows.nth(0).boundingBox();
  const second = await rows.nth(1).boundingBox();
  if (!first || !second) throw new Error('no rows to show');
  await page.screenshot({
    path: 'docs/whole-photo.png',
    clip: { x: 0, y: Math.max(0, first.y - 8), width: 1280, height: second.y + second.height - first.y + 16 },
  });
  console.log('docs/whole-photo.png');
  await context.close();
} finally {
  await browser.close();
  server.proc.kill();
}

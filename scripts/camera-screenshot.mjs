#!/usr/bin/env node
// README screenshot of the live camera row: docs/camera.png (1280x800), the built site (npm run build
// first) in headless Chromium whose fake camera plays a still clip made here from a sample photo
// (YUV4MPEG2 under artifacts/camera/, not committed). Shown mirrored, as a front camera is.
//   node --import ./src/cli/register-ts.mjs scripts/camera-screenshot.mjs [distDir]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { frameFromJpeg, writeY4m } from '../e2e/camera-clip.ts';
import { startPreview } from './site-build.mjs';

const root = process.cwd();
const dist = process.argv[2] ?? 'dist';
const clipDir = join(root, 'artifacts', 'camera');
mkdirSync(clipDir, { recursive: true });
const clip = join(clipDir, 'screenshot-640x480.y4m');
writeY4m(clip, frameFromJpeg(join(root, 'public', 'samples', 'golden_retriever.jpg'), 640, 480), 30, 30);

const server = await startPreview(root, dist);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless=new',
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${clip}`,
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/?samples=1`);
  await page.waitForSelector('[data-testid="metric-mse"]', { timeout: 180_000 });
  await page.getByTestId('use-camera').click();
  // A few frames in, so the fps reading has settled.
  await page.waitForFunction(() => /\d fps/.test(document.querySelector('[data-testid="live-fps"]')?.textContent ?? ''), undefined, {
    timeout: 180_000,
  });
  await page.waitForTimeout(4000);
  await page.getByTestId('live-row').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'docs/camera.png' });
  console.log('docs/camera.png');
  await context.close();
} finally {
  await browser.close();
  server.proc.kill();
}

#!/usr/bin/env node
// README screenshots of the built site (npm run build first): docs/screenshot.png (1280x800 laptop) and
// docs/phone.png (390x844, touch), both the first screen as it opens (the pictures are on it), docs/dark.png
// (desktop, dark theme) and docs/paper.png (the paper-style view).
//   node scripts/screenshots.mjs [distDir]
import { chromium } from 'playwright-core';
import { startPreview } from './site-build.mjs';

const dist = process.argv[2] ?? 'dist';
const server = await startPreview(process.cwd(), dist);
const base = server.base;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** Waits until every image row shows its metrics (a finished reconstruction). */
async function shoot(name, contextOptions, path, prepare) {
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  await page.waitForFunction(
    () => {
      const rows = document.querySelectorAll('[data-testid="image-row"]');
      return rows.length > 0 && document.querySelectorAll('[data-testid="metric-mse"]').length === rows.length;
    },
    undefined,
    { timeout: 180_000 },
  );
  // The first load times thread counts once the grid is idle (the badge says "measuring…" for a while):
  // shoot what stays on the screen after it has a result (or says why it skipped). WASM only: on a
  // WebGPU machine there is no measurement, and the wait gives up.
  await page
    .waitForFunction(
      () => {
        const hint = document.querySelector('[data-testid="threads-measured"]');
        return hint !== null && (hint.getAttribute('data-best') !== '' || / · threads /.test(hint.textContent ?? ''));
      },
      undefined,
      { timeout: 60_000 },
    )
    .catch(() => console.log(`${name}: no thread measurement on this page; shooting as it is`));
  if (prepare) await prepare(page);
  await page.waitForTimeout(500);
  await page.screenshot({ path: `docs/${name}.png` });
  await context.close();
  console.log(`docs/${name}.png`);
}

try {
  await shoot('screenshot', { viewport: { width: 1280, height: 800 } }, '/?samples=3');
  await shoot('phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 }, '/?samples=2');
  await shoot('dark', { viewport: { width: 1280, height: 860 }, colorScheme: 'dark' }, '/?samples=2');
  await shoot('paper', { viewport: { width: 1280, height: 900 } }, '/?samples=9', async (page) => {
    await page.getByTestId('view-paper').check();
    await page.getByTestId('image-grid').scrollIntoViewIfNeeded();
  });
} finally {
  await browser.close();
  server.proc.kill();
}

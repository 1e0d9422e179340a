/**
 * PNG export (issue 7, part 5): one row and the whole grid, downloaded from the real page. The
 * PNG's size follows the layout, its panels hold exactly the page's pixels, its caption band has
 * text, the file names carry ratio and seed, and nothing leaves the origin.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type BrowserContext, type Download, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { exportLayout, type Rect } from '../src/features/export/export-layout.ts';
import { BASE_URL } from './config.ts';
import { debugRows, openApp, RequestLog, waitSettled } from './helpers.ts';

const ORIGIN = new URL(BASE_URL).origin;
const PANELS = ['masked', 'reconstruction', 'reconstructionWithVisible', 'original'] as const;
/** The caption band's fill (#e9edf3), see src/features/export/export-png.ts. */
const BAND = [0xe9, 0xed, 0xf3];

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let requests: RequestLog;

test.beforeAll(async ({ browser }) => {
  ({ context, page, requests } = await openApp(browser, '/?ep=wasm&samples=2&ratio=0.6&seed=3', {
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  }));
  await waitSettled(page);
});

test.afterAll(async () => {
  await context.close();
});

async function download(testId: string, index = 0): Promise<{ dl: Download; png: PNG }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).nth(index).click()]);
  const path = await dl.path();
  return { dl, png: PNG.sync.read(readFileSync(path)) };
}

/** The rect's pixels of the PNG equal the page's panel pixels (RGBA bytes), exactly. */
async function expectPanel(png: PNG, rect: Rect, rowIndex: number, panel: (typeof PANELS)[number]): Promise<void> {
  const b64 = await page.evaluate(([i, p]) => window.__maeDebug?.panelBase64(i, p) ?? null, [rowIndex, panel] as const);
  expect(b64).not.toBeNull();
  const want = Buffer.from(b64 as string, 'base64');
  expect(want.length).toBe(rect.w * rect.h * 4);
  let differing = 0;
  for (let y = 0; y < rect.h; y++) {
    for (let x = 0; x < rect.w; x++) {
      const o = ((rect.y + y) * png.width + rect.x + x) * 4;
      const i = (y * rect.w + x) * 4;
      if (png.data[o] !== want[i] || png.data[o + 1] !== want[i + 1] || png.data[o + 2] !== want[i + 2]) differing++;
    }
  }
  expect(differing, `row ${rowIndex} ${panel}: pixels different from the page`).toBe(0);
}

/** Pixels of the caption band that are not its fill: the text. */
function inkPixels(png: PNG, rect: Rect): number {
  let ink = 0;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    for (let x = rect.x; x < rect.x + rect.w; x++) {
      const o = (y * png.width + x) * 4;
      if (Math.abs(png.data[o] - BAND[0]) + Math.abs(png.data[o + 1] - BAND[1]) + Math.abs(png.data[o + 2] - BAND[2]) > 60) ink++;
    }
  }
  return ink;
}

test('one row: size, panels, caption, file name', async () => {
  const rows = await debugRows(page);
  const first = rows[0] as unknown as { name: string; seed: number; maskRatio: number };
  expect(first.maskRatio).toBe(0.6);
  const { dl, png } = await download('download-row', 0);
  expect(dl.suggestedFilename()).toBe(`mae-${first.name.replace(/[^A-Za-z0-9_-]+/g, '-')}-r60-s${first.seed}.png`);
  const layout = exportLayout({ rows: 1, panelSize: 224 });
  expect([png.width, png.height]).toEqual([layout.width, layout.height]);
  for (const [k, panel] of PANELS.entries()) await expectPanel(png, layout.rows[0].panels[k], 0, panel);
  const ink = inkPixels(png, layout.rows[0].caption);
  expect(ink, 'caption text pixels').toBeGreaterThan(300);
  // the band itself is there around the text
  const c = layout.rows[0].caption;
  const o = ((c.y + 1) * png.width + c.x + c.w - 2) * 4;
  expect([png.data[o], png.data[o + 1], png.data[o + 2]]).toEqual(BAND);
});

test('the grid: every row, size, panels, captions, file name; no request leaves the origin', async () => {
  const { dl, png } = await download('download-grid');
  expect(dl.suggestedFilename()).toBe('mae-grid-2-r60-s3.png');
  const layout = exportLayout({ rows: 2, panelSize: 224 });
  expect([png.width, png.height]).toEqual([layout.width, layout.height]);
  for (const r of [0, 1]) {
    for (const [k, panel] of PANELS.entries()) await expectPanel(png, layout.rows[r].panels[k], r, panel);
    expect(inkPixels(png, layout.rows[r].caption)).toBeGreaterThan(300);
  }
  // two rows with different per-image seeds: their captions differ
  const a = layout.rows[0].caption;
  const b = layout.rows[1].caption;
  let same = true;
  for (let y = 0; y < a.h && same; y++) {
    for (let x = 0; x < a.w; x++) {
      const oa = ((a.y + y) * png.width + a.x + x) * 4;
      const ob = ((b.y + y) * png.width + b.x + x) * 4;
      if (png.data[oa] !== png.data[ob]) {
        same = false;
        break;
      }
    }
  }
  expect(same, 'the two captions are pixel-identical').toBe(false);
  requests.expectSameOrigin(ORIGIN);
});

/**
 * Reliability 1: bad images. Every file of e2e/fixtures/images (made by make-fixtures.py) plus a
 * 12000x9000 photo made at test time go onto one page at once. Each gets a correct result or a
 * specific message next to it; the rows already there keep their results.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { FIXTURES } from './helpers.ts';
import { expectColour, makeHugeJpeg, mimeOf, panel, rows, sampleRendererRss, settled } from './reliability-helpers.ts';

const IMAGES = join(FIXTURES, 'images');

/** Files that must be refused, and the message that must stand next to each. */
const REFUSED: Record<string, RegExp> = {
  'empty.jpg': /^“empty\.jpg” is empty \(0 bytes\)/,
  'notes-text.jpg': /^“notes-text\.jpg” is a text file, not an image\.$/,
  'report-pdf.jpg': /^“report-pdf\.jpg” is a PDF document, not an image\.$/,
  'truncated.jpg': /^“truncated\.jpg” is a truncated JPEG: the file ends \(at 2\.4 KB\) before the image does/,
  'corrupt.png': /^“corrupt\.png” is a damaged PNG: chunk IDAT fails its checksum\.$/,
  'drawing.svg': /^“drawing\.svg” is an SVG drawing: vector images are not supported here/,
};

const RED: [number, number, number] = [220, 30, 30];
const GREEN: [number, number, number] = [40, 180, 60];
const BLUE: [number, number, number] = [30, 60, 200];

test.describe.configure({ mode: 'serial' });

let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?samples=2&ep=wasm');
  await settled(page);
});

test.afterAll(async () => {
  await page?.close();
});

test('bad images: each file gets a correct result or its own message; the grid stays as it was', async ({ browser }) => {
  const before = await rows(page);
  expect(before.map((r) => [r.name, r.status])).toEqual([
    ['goldfinch', 'done'],
    ['macaw', 'done'],
  ]);
  const predsBefore = await page.evaluate(() => [0, 1].map((i) => window.__maeDebug?.predBase64(i)));

  const names = readdirSync(IMAGES).sort();
  expect(names.length).toBe(13);
  const huge = await makeHugeJpeg(browser);
  console.log(`[bad-images] huge photo: 12000x9000 JPEG, ${(huge.length / 1e6).toFixed(1)} MB`);
  const files = [
    ...names.map((name) => ({ name, mimeType: mimeOf(name), buffer: readFileSync(join(IMAGES, name)) })),
    { name: 'huge-12000x9000.jpg', mimeType: 'image/jpeg', buffer: huge },
  ];
  const rss = sampleRendererRss();
  const t0 = Date.now();
  await page.getByTestId('file-input').setInputFiles(files);
  await expect(page.getByTestId('image-row')).toHaveCount(2 + files.length);
  await settled(page);
  const mem = rss.stop();
  console.log(
    `[bad-images] ${files.length} files settled in ${Date.now() - t0} ms; renderer RSS ${mem ? `${mem.start.toFixed(0)} → peak ${mem.peak.toFixed(0)} MB` : 'n/a'}`,
  );
  // A full decode of the 12000x9000 photo alone would hold 432 MB of RGBA pixels.
  if (mem) expect(mem.peak - mem.start, 'renderer memory rise while decoding (MB)').toBeLessThan(250);

  const after = await rows(page);
  const byName = new Map(after.map((r) => [r.name, r]));
  // Refused files: the message stands in that row, no panels.
  for (const [name, message] of Object.entries(REFUSED)) {
    const row = page.locator(`[data-testid="image-row"][data-name="${name}"]`);
    await expect(row, name).toHaveAttribute('data-status', 'error');
    await expect(row.getByTestId('row-error'), name).toHaveText(message);
    await expect(row.locator('canvas'), name).toHaveCount(0);
  }
  // Every other file decodes and reconstructs.
  const good = files.map((f) => f.name).filter((n) => !(n in REFUSED));
  for (const name of good) {
    expect(byName.get(name)?.status, `${name}: ${byName.get(name)?.error}`).toBe('done');
    expect(byName.get(name)?.visible, name).toBe(49);
  }
  // The rows that were there keep their results, untouched.
  expect(after.filter((r) => r.origin === 'sample').map((r) => [r.name, r.status])).toEqual([
    ['goldfinch', 'done'],
    ['macaw', 'done'],
  ]);
  const n = after.length;
  const predsAfter = await page.evaluate((n) => [n - 2, n - 1].map((i) => window.__maeDebug?.predBase64(i)), n);
  expect(predsAfter).toEqual(predsBefore);
});

test('bad images: what the decodable ones look like after preprocessing', async () => {
  const info = new Map((await rows(page)).map((r) => [r.name, r.decode]));

  // Animated GIF: the first frame (red), and the row says so.
  const gif = await panel(page, 'animated.gif');
  expectColour(gif.at(112, 112), [255, 0, 0], 2, 'animated.gif centre');
  expect(info.get('animated.gif')?.frames).toBe(3);
  await expect(page.locator('[data-name="animated.gif"]').getByTestId('row-note-frames')).toHaveText(
    'Animated (3 frames): the first frame is used.',
  );

  // PNG with alpha: transparent left half composited on white, stated next to the row.
  const alpha = await panel(page, 'alpha.png');
  expectColour(alpha.at(30, 112), [255, 255, 255], 1, 'alpha.png transparent half');
  expectColour(alpha.at(190, 112), GREEN, 1, 'alpha.png opaque half');
  expect(info.get('alpha.png')?.transparentOn).toBe('white');
  await expect(page.locator('[data-name="alpha.png"]').getByTestId('row-note-alpha')).toHaveText('Transparent areas are shown on white.');

  // 16 bits per channel: the high bytes.
  const deep = await panel(page, 'deep-16bit.png');
  expectColour(deep.at(112, 30), [192, 64, 32], 1, '16-bit top');
  expectColour(deep.at(112, 190), [32, 64, 192], 1, '16-bit bottom');

  // CMYK JPEG: the colour it was made from (PIL, via inverted Adobe CMYK).
  expectColour((await panel(page, 'cmyk.jpg')).at(112, 112), [230, 80, 20], 8, 'cmyk.jpg');

  // EXIF orientation 6: upright, red on top; the size is the upright one.
  const exif = await panel(page, 'exif-rotated.jpg');
  expectColour(exif.at(112, 20), RED, 12, 'exif-rotated top');
  expectColour(exif.at(112, 200), BLUE, 12, 'exif-rotated bottom');
  expectColour(exif.at(20, 112), BLUE, 12, 'exif-rotated left (red if it were not rotated)');
  expect([info.get('exif-rotated.jpg')?.sourceWidth, info.get('exif-rotated.jpg')?.sourceHeight]).toEqual([120, 200]);

  // 1x1 and 4x3000: a flat colour, full size known.
  const one = await panel(page, 'pixel-1x1.png');
  for (const [x, y] of [
    [0, 0],
    [112, 112],
    [223, 223],
  ])
    expectColour(one.at(x, y), [10, 200, 30], 1, `1x1 at ${x},${y}`);
  const thin = await panel(page, 'thin-4x3000.png');
  for (const [x, y] of [
    [0, 0],
    [112, 112],
    [223, 223],
  ])
    expectColour(thin.at(x, y), GREEN, 1, `4x3000 at ${x},${y}`);
  expect([info.get('thin-4x3000.png')?.sourceWidth, info.get('thin-4x3000.png')?.sourceHeight]).toEqual([4, 3000]);

  // 12000x9000: decoded downscaled by the JPEG decoder (never 108 megapixels in memory), right way round.
  const hugeInfo = info.get('huge-12000x9000.jpg');
  console.log(`[bad-images] huge photo decode: ${JSON.stringify(hugeInfo)}`);
  expect(hugeInfo?.method).toBe('image-decoder');
  expect([hugeInfo?.sourceWidth, hugeInfo?.sourceHeight]).toEqual([12000, 9000]);
  expect((hugeInfo?.decodedWidth ?? 0) * (hugeInfo?.decodedHeight ?? 0)).toBeLessThanOrEqual(1500 * 1125);
  await expect(page.locator('[data-name="huge-12000x9000.jpg"]').getByTestId('row-note-scaled')).toContainText('12000×9000');
  const huge = await panel(page, 'huge-12000x9000.jpg');
  expectColour(huge.at(60, 60), RED, 20, 'huge top-left');
  expectColour(huge.at(170, 60), GREEN, 20, 'huge top-right');
  expectColour(huge.at(60, 170), BLUE, 20, 'huge bottom-left');
  expectColour(huge.at(170, 170), [250, 250, 250], 20, 'huge bottom-right');
});

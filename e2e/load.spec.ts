/**
 * Reliability 4 (CI part): 200 files dropped at once (capped, with a message and a progress
 * count), and a storm of 500 slider changes in a few seconds that ends with every row showing the
 * final ratio's result without a queue building up. The long soak is `npm run soak`.
 */
import { expect, test } from '@playwright/test';
import { PNG } from 'pngjs';
import { lenKeep } from '../src/mae/index.ts';
import { MAX_ROWS } from '../src/features/grid/uploads.ts';
import { expectLastPaintsAt, rows, settled } from './reliability-helpers.ts';

function tinyPng(i: number): string {
  const png = new PNG({ width: 16, height: 16 });
  for (let p = 0; p < 256; p++) {
    png.data[p * 4] = (i * 37) & 255;
    png.data[p * 4 + 1] = (i * 91 + p) & 255;
    png.data[p * 4 + 2] = (i * 53) & 255;
    png.data[p * 4 + 3] = 255;
  }
  return PNG.sync.write(png).toString('base64');
}

test('200 files dropped at once: capped at the grid size with a message, progress until each is done', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?samples=2&ep=wasm');
  await settled(page);
  const files = Array.from({ length: 200 }, (_, i) => ({ name: `drop-${String(i).padStart(3, '0')}.png`, b64: tinyPng(i) }));
  const t0 = Date.now();
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: 'image/png' }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  const taken = MAX_ROWS - 2;
  await expect(page.getByTestId('notice')).toContainText(`Added ${taken} of 200 files: the grid holds at most ${MAX_ROWS} images.`);
  await expect(page.getByTestId('image-row')).toHaveCount(MAX_ROWS);
  const progress = page.getByTestId('upload-progress');
  await expect(progress).toContainText(new RegExp(`Adding your photos: \\d+ of ${taken} ready`));
  // The count moves while the worker goes through the files.
  const firstCount = Number(/(\d+) of/.exec((await progress.textContent()) ?? '')?.[1]);
  await expect
    .poll(async () => Number(/(\d+) of/.exec((await progress.textContent().catch(() => null)) ?? `${taken} of`)?.[1]), { timeout: 120_000 })
    .toBeGreaterThan(firstCount);
  await settled(page, 240_000);
  await expect(progress).toHaveCount(0);
  const ms = Date.now() - t0;
  const all = await rows(page);
  const uploads = all.filter((r) => r.origin === 'upload');
  expect(uploads.length).toBe(taken);
  expect(uploads.every((r) => r.status === 'done')).toBe(true);
  // The first files of the drop are the ones added, first on top.
  expect(uploads[0].name).toBe('drop-000.png');
  expect(uploads.map((r) => r.name).sort()).toEqual(files.slice(0, taken).map((f) => f.name));
  console.log(`[load] 200 dropped → ${taken} rows done in ${ms} ms (${(ms / taken).toFixed(0)} ms per file)`);
});

test('slider storm: 500 changes in a few seconds end with every row at the final ratio, no queue', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?samples=4&ep=wasm');
  await settled(page);
  const rowCount = (await rows(page)).length;
  expect(rowCount).toBe(4);
  const s0 = await page.evaluate(() => window.__maeDebug!.stats());
  const storm = await page.getByTestId('ratio-slider').evaluate(async (el) => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the native setter, called below with setValue.call(el, v)
    const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    let maxQueued = 0;
    const t0 = performance.now();
    for (let i = 0; i < 500; i++) {
      const v = i === 499 ? '0.37' : (Math.round(rand() * 95) / 100).toFixed(2);
      setValue?.call(el, v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
      maxQueued = Math.max(maxQueued, window.__maeDebug?.queued() ?? 0);
      if (i % 5 === 4) await new Promise((r) => setTimeout(r, 4));
    }
    return { ms: performance.now() - t0, maxQueued, end: performance.now() };
  });
  await expect(page.getByTestId('ratio-label')).toHaveText('37% · 123 of 196 visible');
  await settled(page);
  const settleMs = await page.evaluate((end) => performance.now() - end, storm.end);
  const s1 = await page.evaluate(() => window.__maeDebug!.stats());
  const asked = s1.requested - s0.requested;
  const ran = s1.dispatched - s0.dispatched;
  const all = await rows(page);
  console.log(
    `[load] storm: 500 changes in ${storm.ms.toFixed(0)} ms × ${rowCount} rows: ${asked} requested, ${ran} ran, ` +
      `${s1.superseded - s0.superseded} dropped; most queued ${storm.maxQueued}; settled ${settleMs.toFixed(0)} ms after the last change`,
  );
  expect(storm.ms).toBeLessThan(10_000);
  expect(asked).toBeGreaterThan(400 * rowCount);
  // Latest-wins: at most one waiting request per row, and most of the storm never ran.
  expect(storm.maxQueued).toBeLessThanOrEqual(rowCount);
  expect(ran).toBeLessThan(asked / 5);
  for (const r of all) {
    expect(r.status, r.name).toBe('done');
    expect(r.maskRatio, r.name).toBe(0.37);
    expect(r.visible, r.name).toBe(lenKeep(196, 0.37));
  }
  // And the pictures on screen are those results: the paint log's last mark per row is 0.37.
  await expectLastPaintsAt(
    page,
    all.map((r) => r.id),
    0.37,
  );
});

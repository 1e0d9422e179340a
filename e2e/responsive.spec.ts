/**
 * Phones, tablets and dark mode (issue: the playground everywhere a person is).
 * - 390x844 phone with touch: the page is laid out at the device width (no zoom-out, no sideways
 *   scrolling), every control sits inside the screen and is at least 44 px tall (a finger), the four
 *   panels of a row stack two by two, and a tap on the masked panel paints a patch.
 * - 768x1024 tablet and 1280 desktop: no sideways scrolling, the four panels in one row (two by two
 *   below 720 px).
 * - The first screen is the pictures: on a 390x844 phone and a 1280x800 laptop the first row's four
 *   panels and the masking-ratio slider are inside the viewport at load, and the official models are one
 *   tap away (the header's Models menu shows the hub list on that same screen).
 * - Dark mode follows prefers-color-scheme; the Theme switch (Settings) pins light or dark across a reload.
 */
import { expect, test, type Page } from '@playwright/test';
import { settled } from './reliability-helpers.ts';
import { openMenu } from './helpers.ts';

const FINGER_PX = 44;

async function layoutWidth(page: Page): Promise<{ scrollWidth: number; innerWidth: number }> {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

/** Distinct left edges of the first row's panels: 2 means two by two, 4 means one line. */
async function panelColumns(page: Page): Promise<number> {
  const xs = await page
    .getByTestId('image-row')
    .first()
    .locator('canvas')
    .evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().left)));
  return new Set(xs).size;
}

function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

async function pageBackground(page: Page): Promise<number> {
  return luminance(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor));
}

test('first screen: the first row’s four panels and the slider are in view at load on a 390x844 phone and a 1280x800 laptop', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  for (const [width, height, phone] of [
    [390, 844, true],
    [1280, 800, false],
  ] as const) {
    const what = `${width}x${height}`;
    const context = await browser.newContext({
      viewport: { width, height },
      isMobile: phone,
      hasTouch: phone,
      deviceScaleFactor: phone ? 2 : 1,
    });
    const page = await context.newPage();
    await page.goto('/?samples=2&ep=wasm');
    await settled(page);
    expect(await page.evaluate(() => window.scrollY), what).toBe(0);
    const canvases = page.getByTestId('image-row').first().locator('.panel canvas');
    await expect(canvases).toHaveCount(4);
    const boxes = [...(await canvases.all()), page.getByTestId('ratio-slider')].map((l) => l.boundingBox());
    for (const [i, box] of (await Promise.all(boxes)).entries()) {
      const name = i < 4 ? `${what}: panel ${i + 1}` : `${what}: slider`;
      expect(box, name).not.toBeNull();
      expect(box!.y, name).toBeGreaterThanOrEqual(0);
      expect(box!.y + box!.height, name).toBeLessThanOrEqual(height);
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(width);
    }
    // One tap on Models and the official MAE's Download buttons are on the screen.
    await page.getByTestId('models-toggle').click();
    await expect(page.getByTestId('models-toggle')).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('hub-download-vit-mae-base'), what).toBeInViewport();
    // and each says what to expect here (no GPU on the test machine: WASM, with the thread count it runs)
    await expect(page.getByTestId('hub-expect-vit-mae-base')).toContainText(
      /^On this device: runs on the CPU \(WASM, \d+ threads?\): about 1\.4 s per image/,
    );
    expect(await layoutWidth(page), what).toEqual({ scrollWidth: width, innerWidth: width });
    // Escape closes it and gives the focus back to the button.
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('models-panel')).toBeHidden();
    await expect(page.getByTestId('models-toggle')).toBeFocused();
    await context.close();
  }
});

test('phone 390x844 with touch: no sideways scroll, finger-sized controls inside the screen, panels two by two, tap paints', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await context.newPage();
  await page.goto('/?samples=1');
  await settled(page);
  expect(await layoutWidth(page)).toEqual({ scrollWidth: 390, innerWidth: 390 });

  const controls = page.locator(
    'header button:visible, header select:visible, .controls button:visible, .controls select:visible, .controls input[type=number]:visible, .controls .segmented label:visible',
  );
  const boxes = await controls.evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { what: `${el.tagName} ${(el.textContent ?? '').trim().slice(0, 30)}`, left: r.left, right: r.right, height: r.height };
    }),
  );
  expect(boxes.length).toBeGreaterThan(8);
  for (const b of boxes) {
    expect(b.left, b.what).toBeGreaterThanOrEqual(0);
    expect(b.right, b.what).toBeLessThanOrEqual(390);
    expect(b.height, b.what).toBeGreaterThanOrEqual(FINGER_PX);
  }
  expect(await panelColumns(page)).toBe(2);

  // The row's name keeps room for its first 8 characters (or all of it, if shorter to show) beside its
  // actions ("Download PNG" shows as "PNG" and is still named in full): probes in the name's own font
  // measure what that needs.
  const row = page.getByTestId('image-row').first();
  await expect(row.getByRole('button', { name: 'Download PNG', exact: true })).toBeVisible();
  const room = await row.locator('.row-name').evaluate((el) => {
    const width = (text: string): number => {
      const probe = document.createElement('span');
      probe.style.font = getComputedStyle(el).font;
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = text;
      document.body.append(probe);
      const w = probe.getBoundingClientRect().width;
      probe.remove();
      return w;
    };
    const name = el.textContent ?? '';
    return { has: el.getBoundingClientRect().width, need: Math.min(width(`${name.slice(0, 8)}…`), width(name)), name };
  });
  expect(room.name.length).toBeGreaterThan(8);
  expect(room.has, `room for "${room.name.slice(0, 8)}…" or "${room.name}"`).toBeGreaterThanOrEqual(room.need - 0.5);

  // A tap on the masked panel switches to paint and flips the patch under the finger.
  const label = page.getByTestId('ratio-label');
  const before = (await label.textContent()) ?? '';
  const masked = page.getByTestId('image-row').first().getByTestId('paint-surface').locator('canvas');
  await masked.scrollIntoViewIfNeeded();
  const box = await masked.boundingBox();
  if (!box) throw new Error('masked panel has no box');
  await page.touchscreen.tap(box.x + box.width * 0.53, box.y + box.height * 0.47);
  await expect(label).toContainText('painted');
  const visible = (text: string): number => Number(/(\d+) of 196 visible/.exec(text)?.[1] ?? NaN);
  expect(Math.abs(visible((await label.textContent()) ?? '') - visible(before))).toBe(1);

  // The measurement's text arrives seconds after load (the production build times thread counts):
  // it stays on the badge's one line and the pictures do not move. Appended here as the app words it.
  const panelTop = async (): Promise<number> => (await row.locator('.panel canvas').first().boundingBox())?.y ?? NaN;
  const top = await panelTop();
  const reason = page.locator('.model-status .provider-reason');
  const line = await reason.evaluate((el) => el.getBoundingClientRect().height);
  const threads = page.getByTestId('wasm-threads');
  await page.getByTestId('threads-measured').evaluate((el) => {
    const words = document.createElement('span');
    words.textContent = ' (measured for this model size: 1: 92 ms, 2: 58 ms, 4: 61 ms, 8: 70 ms)';
    el.append(words);
  });
  expect(await reason.evaluate((el) => el.getBoundingClientRect().height)).toBeCloseTo(line, 0);
  expect(await panelTop()).toBeCloseTo(top, 0);
  // The thread count itself stays whole, inside the line's visible part (the measurement is what is
  // cut), and nothing scrolls sideways.
  const shown = await threads.evaluate((el) => ({
    right: el.getBoundingClientRect().right,
    lineRight: el.parentElement!.getBoundingClientRect().right,
    text: el.textContent ?? '',
  }));
  expect(shown.text).toMatch(/^ · \d+ threads?$/);
  expect(shown.right).toBeLessThanOrEqual(shown.lineRight + 0.5);
  expect(shown.right).toBeLessThanOrEqual(390);
  expect(await layoutWidth(page)).toEqual({ scrollWidth: 390, innerWidth: 390 });
  await context.close();
});

test('tablet 768x1024 and desktop 1280: no sideways scroll, four panels in a row', async ({ browser }) => {
  test.setTimeout(240_000);
  for (const [width, height, columns] of [
    [768, 1024, 4],
    [1280, 900, 4],
  ] as const) {
    const context = await browser.newContext({ viewport: { width, height }, hasTouch: width < 1000 });
    const page = await context.newPage();
    await page.goto('/?samples=1');
    await settled(page);
    expect(await layoutWidth(page)).toEqual({ scrollWidth: width, innerWidth: width });
    expect(await panelColumns(page)).toBe(columns);
    await context.close();
  }
});

test('dark mode follows the system; the Theme switch pins light or dark and survives a reload', async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto('/?samples=0');
  expect(await pageBackground(page)).toBeLessThan(0.2);
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await pageBackground(page)).toBeGreaterThan(0.8);

  await openMenu(page, 'settings');
  await page.getByTestId('theme-select').selectOption('dark');
  expect(await pageBackground(page)).toBeLessThan(0.2);
  await page.reload();
  await openMenu(page, 'settings');
  await expect(page.getByTestId('theme-select')).toHaveValue('dark');
  expect(await pageBackground(page)).toBeLessThan(0.2);

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('theme-select').selectOption('light');
  expect(await pageBackground(page)).toBeGreaterThan(0.8);
  await page.getByTestId('theme-select').selectOption('system');
  expect(await pageBackground(page)).toBeLessThan(0.2);
  await context.close();
});

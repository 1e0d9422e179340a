/**
 * Keyboard-only use (issue: the playground everywhere a person is): Tab reaches the controls in page
 * order with a visible focus ring; the slider says "76%, 47 of 196 visible" to a screen reader;
 * the seed, the mask strategy and painting all work from the keyboard (arrow keys move a cursor over
 * the patch grid, Space flips the patch); a model change is announced politely.
 */
import { expect, test, type Page } from '@playwright/test';
import { settled } from './reliability-helpers.ts';
import { openMenu } from './helpers.ts';

/** Presses Tab until the focused element matches `testId`, collecting what got focus on the way. */
async function tabTo(page: Page, testId: string, max = 60): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el?.dataset.testid ?? el?.getAttribute('aria-label') ?? el?.tagName ?? '';
    });
    seen.push(id);
    if (id === testId) return seen;
  }
  throw new Error(`Tab never reached ${testId}; saw ${seen.join(' > ')}`);
}

async function focusRing(page: Page): Promise<{ style: string; width: number }> {
  return page.evaluate(() => {
    const cs = getComputedStyle(document.activeElement as Element);
    return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
  });
}

const visibleOf = (text: string | null): number => Number(/(\d+) of 196 visible/.exec(text ?? '')?.[1] ?? NaN);

test('keyboard only: page order with focus rings, slider, seed, strategy and paint', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=1');
  await settled(page);
  await expect(page.getByTestId('announcer')).toHaveText(/Model loaded: MAE ViT-Ti\/16/);

  // Header first, then the controls, in the order they are on the page.
  const order = await tabTo(page, 'ratio-slider');
  const at = (id: string): number => order.indexOf(id);
  expect(at('models-toggle')).toBeGreaterThanOrEqual(0);
  expect(at('settings-toggle')).toBeGreaterThan(at('models-toggle'));
  expect(at('mask-random')).toBeGreaterThan(at('settings-toggle'));
  expect(at('ratio-slider')).toBeGreaterThan(at('mask-random'));
  const ring = await focusRing(page);
  expect(ring.style).not.toBe('none');
  expect(ring.width).toBeGreaterThanOrEqual(2);

  // Slider: one step right is 76%; 196 * (1 - 0.76) = 47.04 -> 47 patches stay visible.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('ratio-label')).toHaveText('76% · 47 of 196 visible');
  await expect(page.getByTestId('ratio-slider')).toHaveAttribute('aria-valuetext', '76%, 47 of 196 visible');
  await settled(page);

  // Seed: typed, then Tab on to Re-roll.
  await tabTo(page, 'seed-input');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('7');
  await expect(page).toHaveURL(/[?&]seed=7(&|$)/);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid)).toBe('reroll');
  await settled(page);

  // Strategy: Shift+Tab back to the radio group, arrow to Block.
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Shift+Tab');
    if ((await page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid)) === 'mask-random') break;
  }
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('mask-block')).toBeChecked();
  await expect(page).toHaveURL(/[?&]mask=block(&|$)/);
  await settled(page);

  // Paint: Tab to the first row's masked panel; Space flips the patch under the cursor (centre:
  // row 8, column 8 of 14), an arrow moves it, Space flips the next one.
  await tabTo(page, 'paint-surface');
  await expect(page.getByTestId('paint-cursor')).toBeVisible();
  await expect(page.getByTestId('paint-announce')).toHaveText('row 8, column 8');
  const before = visibleOf(await page.getByTestId('ratio-label').textContent());
  await page.keyboard.press('Space');
  await expect(page.getByTestId('mask-paint')).toBeChecked();
  await expect(page.getByTestId('ratio-label')).toContainText('painted');
  const once = visibleOf(await page.getByTestId('ratio-label').textContent());
  expect(Math.abs(once - before)).toBe(1);
  await expect(page.getByTestId('paint-announce')).toHaveText(/^row 8, column 8: (hidden|visible)$/);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('paint-announce')).toHaveText(/^row 8, column 9: (hidden|visible)$/);
  await page.keyboard.press('Space');
  const twice = visibleOf(await page.getByTestId('ratio-label').textContent());
  expect(Math.abs(twice - once)).toBe(1);
  await settled(page);

  // Model change by keyboard: the select, then the announcement.
  await openMenu(page, 'models');
  await page.getByTestId('model-select').focus();
  await page.getByTestId('model-select').selectOption('default-int8');
  await expect(page.getByTestId('announcer')).toHaveText(/Model loaded: .*int8/, { timeout: 120_000 });
  await context.close();
});

/**
 * Accessibility: axe-core (WCAG 2.1 A/AA and best practices) finds no serious or critical violation on
 * the page in its main states: the rows, the header's Models menu (bundled models, the official MAE
 * from the hub, files from disk) and Settings menu, the paper view, the model zoo's compare view with
 * its results, a finished ratio sweep with its chart, the theory section once its chart is drawn, dark
 * theme and phone width. Moderate ones are printed.
 */
import { expect, test, type Page } from '@playwright/test';
import { axeViolations } from './a11y-helpers.ts';
import { openMenu } from './helpers.ts';
import { settled } from './reliability-helpers.ts';

async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  for (const v of violations) console.log(`[axe ${state}] ${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.join(', ')}`),
    state,
  ).toEqual([]);
}

test('axe: no serious or critical violations in rows, menus, paper view, compare, sweep, theory, dark theme and at phone width', async ({
  browser,
}) => {
  test.setTimeout(480_000);
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto('/?samples=2&ep=wasm');
  await settled(page);
  await expectNoSeriousViolations(page, 'rows');

  // The header's menus: the hub list (Download buttons, sizes, licence, links) and the settings.
  await openMenu(page, 'models');
  await expect(page.getByTestId('hub-download-vit-mae-base')).toBeVisible();
  await expect(page.getByTestId('hub-usage')).toBeVisible();
  await expectNoSeriousViolations(page, 'models menu');
  await openMenu(page, 'settings');
  await expectNoSeriousViolations(page, 'settings menu');
  await page.getByTestId('settings-toggle').click();

  await page.getByTestId('view-paper').check();
  await expectNoSeriousViolations(page, 'paper');
  await page.getByTestId('view-rows').check();

  // The model zoo side by side, once every card shows its reconstruction and numbers.
  await page.getByTestId('compare-open').click();
  const compare = page.getByTestId('compare');
  await expect(compare).toHaveAttribute('data-status', 'done', { timeout: 180_000 });
  const cards = page.getByTestId('zoo-card');
  expect(await cards.count()).toBeGreaterThan(1);
  await expect(page.locator('[data-testid="zoo-card"]:not([data-status="done"])')).toHaveCount(0, { timeout: 180_000 });
  await expectNoSeriousViolations(page, 'compare');
  await page.getByTestId('compare-close').click();

  // A finished sweep: filmstrip, chart with its band, points and legend.
  await page.getByTestId('sweep-row').first().click();
  await expect(page.getByTestId('sweep-panel')).toHaveAttribute('data-status', 'done', { timeout: 240_000 });
  await expect(page.getByTestId('sweep-point')).toHaveCount(19);
  await expectNoSeriousViolations(page, 'sweep');
  await page.getByTestId('sweep-close').click();

  // The theory section draws its chart when it is scrolled to: scan it once it is there.
  await page.getByTestId('theory').scrollIntoViewIfNeeded();
  await expect(page.getByTestId('theory-chart')).toBeVisible({ timeout: 60_000 });
  expect(await page.getByTestId('theory-point').count()).toBeGreaterThan(0);
  await expectNoSeriousViolations(page, 'theory');

  await openMenu(page, 'settings');
  await page.getByTestId('theme-select').selectOption('dark');
  await expectNoSeriousViolations(page, 'dark');
  await page.setViewportSize({ width: 390, height: 844 });
  await expectNoSeriousViolations(page, 'phone');
  await openMenu(page, 'models');
  await expectNoSeriousViolations(page, 'phone, models menu');
  await context.close();
});

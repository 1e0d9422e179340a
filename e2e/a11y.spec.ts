/**
 * Accessibility: axe-core (WCAG 2.1 A/AA and best practices) finds no serious or critical violation on
 * the page in its main states (rows, paper view, dark theme, phone width); moderate ones are printed
 * and listed in the README.
 */
import { expect, test, type Page } from '@playwright/test';
import { axeViolations } from './a11y-helpers.ts';
import { settled } from './reliability-helpers.ts';

async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const violations = await axeViolations(page);
  for (const v of violations) console.log(`[axe ${state}] ${v.impact ?? '?'} ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
  expect(
    violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.join(', ')}`),
    state,
  ).toEqual([]);
}

test('axe: no serious or critical violations in rows, paper view, dark theme and at phone width', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto('/?samples=2');
  await settled(page);
  await expectNoSeriousViolations(page, 'rows');
  await page.getByTestId('view-paper').check();
  await expectNoSeriousViolations(page, 'paper');
  await page.getByTestId('view-rows').check();
  await page.getByTestId('theme-select').selectOption('dark');
  await expectNoSeriousViolations(page, 'dark');
  await page.setViewportSize({ width: 390, height: 844 });
  await expectNoSeriousViolations(page, 'phone');
  await context.close();
});

/**
 * Threads by measurement (issue 23 item 4; src/features/models/thread-calibration.ts): the first
 * load of a model size measures each candidate thread count in a worker of its own, remembers the
 * fastest (the fewest within 10%) for that size in localStorage and shows it; the next load runs
 * with it and says so; ?threads=N still wins. (The test build measures only with ?calibrate, so the
 * other specs see no extra workers; the production build measures by itself, e2e/pages.spec.ts.)
 */
import { expect, test } from '@playwright/test';
import { threadCandidates } from '../src/worker/ort-config.ts';

test('the first load measures the thread counts; the next load uses the best for its size; ?threads=N wins', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=1&ep=wasm&calibrate');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores <= 1, 'one core: nothing to choose');
  const badge = page.getByTestId('wasm-threads');
  await expect(badge).toHaveAttribute('data-threads', String(cores), { timeout: 120_000 });
  const measured = page.getByTestId('threads-measured');
  await expect(measured).toHaveAttribute('data-source', 'default');
  await expect(measured).not.toHaveAttribute('data-best', '', { timeout: 180_000 });
  const table = await page.evaluate(
    () =>
      JSON.parse(localStorage.getItem('mae-playground-threads') ?? '{}') as Record<string, { threads: number; ms: Record<string, number> }>,
  );
  // the bundled default is 'tiny' (6.5 M parameters); every candidate of this machine was timed
  expect(Object.keys(table)).toEqual(['tiny']);
  const times = table.tiny.ms;
  expect(Object.keys(times).map(Number)).toEqual(threadCandidates(cores));
  // the choice follows the rule from the times written down: the fewest threads within 10% of the fastest
  const fastest = Math.min(...Object.values(times));
  const want = threadCandidates(cores).find((t) => times[t] <= fastest * 1.1);
  expect(table.tiny.threads).toBe(want);
  await expect(measured).toHaveAttribute('data-best', String(want));
  await expect(measured).toContainText('measured');

  // the next load: that count, from the measurement
  await page.reload();
  await expect(badge).toHaveAttribute('data-threads', String(want), { timeout: 120_000 });
  await expect(measured).toHaveAttribute('data-source', 'measured');
  await expect(measured).toContainText('measured for this model size');
  // ?threads=N still wins
  await page.goto('/?samples=1&ep=wasm&calibrate&threads=2');
  await expect(badge).toHaveAttribute('data-threads', '2', { timeout: 120_000 });
  await expect(measured).toHaveAttribute('data-source', 'asked');
  await context.close();
});

/**
 * Large models feel live (issue 23 item 5; src/worker/row-scheduler.ts): a slider step during a
 * running batch waits for that one call, then the top row goes first, alone; the other rows follow
 * in order at the new ratio. On the small default model here (one call holds at most 8 rows, well
 * within the 1 s budget); tests/unit/row-budget.test.ts checks the time-bounded split itself with
 * hand-computed cases (no timing in tests).
 */
import { expect, test } from '@playwright/test';
import { expectLastPaintsAt, rows, settled } from './reliability-helpers.ts';

test('a slider step during a long batch: the top row is the first one painted at the new ratio, computed alone', async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto('/?samples=12&ep=wasm&ratio=0.75&seed=1');
  await expect(page.getByTestId('image-row')).toHaveCount(12, { timeout: 60_000 });
  await settled(page);
  // A new ratio: the lead goes alone, then a batch of the rest starts.
  await page.getByTestId('ratio-slider').fill('0.5');
  await expect.poll(async () => (await rows(page))[0]?.maskRatio, { timeout: 60_000 }).toBe(0.5);
  const ids = (await rows(page)).map((r) => r.id);
  // The lead's picture at 0.5 is on screen before t0: its paint mark comes a frame after the store
  // has its result, and would otherwise count as a stale paint after the step.
  const leadLastPaint = async () =>
    (await page.evaluate(() => window.__maeDebug!.paints())).filter((p) => p.rowId === ids[0]).at(-1)?.maskRatio;
  await expect.poll(leadLastPaint, { timeout: 10_000, message: "the lead's last painted ratio" }).toBe(0.5);
  // The step comes while the batch after the lead is in the worker (or queued behind it).
  const t0 = await page.evaluate(() => performance.now());
  await page.getByTestId('ratio-slider').fill('0.25');
  await settled(page);
  // Every row's picture on screen is at the new ratio (the helper waits for the paint marks' frame).
  await expectLastPaintsAt(page, ids, 0.25, t0);
  const paints = await page.evaluate((since) => window.__maeDebug!.paints(since), t0);
  const atNew = paints.filter((p) => p.maskRatio === 0.25);
  expect(atNew.length).toBeGreaterThanOrEqual(12);
  // the first row painted at the new ratio is the top row
  expect(atNew[0].rowId).toBe(ids[0]);
  // rows at the old ratio painted after the step: only those of the one call that was running
  const stale = paints.filter((p) => p.maskRatio === 0.5 && p.t < atNew[0].t);
  expect(stale.length).toBeLessThanOrEqual(8);
  const all = await rows(page);
  expect(all.every((r) => r.status === 'done' && r.maskRatio === 0.25)).toBe(true);
  // the top row ran alone; the others in batches (each at most 8 rows)
  expect(all[0].batchSize).toBe(1);
  expect(all.slice(1).every((r) => (r.batchSize ?? 0) >= 1 && (r.batchSize ?? 0) <= 8)).toBe(true);
  // the rest in the order asked: each row's first paint at the new ratio is no earlier than the row above's
  const firstPaint = ids.map((id) => atNew.find((p) => p.rowId === id)?.t ?? Number.POSITIVE_INFINITY);
  for (let i = 1; i < firstPaint.length; i++) expect(firstPaint[i], `row ${i}`).toBeGreaterThanOrEqual(firstPaint[i - 1]);
});

/**
 * The load's timings say where the time went (LoadResult: filesMs, probeMs, compileMs, warmupMs):
 * a download held back by the test shows in filesMs, and the four parts fit inside the wall time
 * the test measured around the load. Lower bounds from the delay the test injects: nothing here
 * depends on how fast the machine is.
 */
import { expect, test } from '@playwright/test';

const HELD_MS = 2_000;

test('a download held back 2 s counts in filesMs; the parts add up to at most the load', async ({ page }) => {
  test.setTimeout(180_000);
  await page.context().route('**/models/default/decoder.onnx', async (route) => {
    await new Promise((r) => setTimeout(r, HELD_MS));
    await route.continue();
  });
  const t0 = Date.now();
  await page.goto('/?ep=wasm&samples=0');
  await page.waitForFunction(() => window.__maeDebug?.model().phase === 'ready', undefined, { timeout: 150_000, polling: 100 });
  const wall = Date.now() - t0;
  const m = await page.evaluate(() => window.__maeDebug!.model());
  const parts = { filesMs: m.filesMs, probeMs: m.probeMs, compileMs: m.compileMs, warmupMs: m.warmupMs };
  console.log(`[load-timings] wall ${wall} ms; ${JSON.stringify(parts)}`);
  for (const [name, v] of Object.entries(parts)) {
    expect(typeof v === 'number' && Number.isFinite(v) && v >= 0, `${name} = ${v}`).toBe(true);
  }
  expect(m.filesMs).toBeGreaterThanOrEqual(HELD_MS);
  // the held-back download is in no other part
  expect((m.probeMs ?? 0) + (m.compileMs ?? 0) + (m.warmupMs ?? 0)).toBeLessThan(wall - HELD_MS);
  expect((m.filesMs ?? 0) + (m.probeMs ?? 0) + (m.compileMs ?? 0) + (m.warmupMs ?? 0)).toBeLessThanOrEqual(wall);
});

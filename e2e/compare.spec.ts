/**
 * The model-zoo compare view in real Chromium (WASM): one image and one mask through every zoo model,
 * the same hidden pixels for all of them, reconstructions, PCA feature maps, the card numbers from
 * models/zoo.json, the ratio control, and the theory text; nothing leaves the origin.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { lenKeep } from '../src/mae/index.ts';
import { BASE_URL, REPO_ROOT } from './config.ts';
import { RequestLog, waitSettled } from './helpers.ts';

const ORIGIN = new URL(BASE_URL).origin;
const ZOO = JSON.parse(readFileSync(join(REPO_ROOT, 'models', 'zoo.json'), 'utf8')) as {
  models: { id: string; patchSize: number; probeAccuracy: number }[];
};
const SIZE = 112;
/** The grey checker the masked panel paints over hidden patches (src/mae/composite.ts CHECKER_GREYS). */
const CHECKER = new Set([200, 225]);

type Snapshot = NonNullable<Window['__maeDebug']> extends { compare(): infer R } ? R : never;

async function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => window.__maeDebug!.compare());
}

async function waitDone(page: Page, ratio: number): Promise<Snapshot> {
  await expect
    .poll(
      async () => {
        const s = await snapshot(page);
        return s.status === 'done' && s.maskRatio === ratio && s.models.every((m) => m.status === 'done');
      },
      { timeout: 180_000 },
    )
    .toBe(true);
  return snapshot(page);
}

/** Per pixel of the 112 px image: hidden (1) or not, from a model's per-patch mask. */
function hiddenPixels(hidden: number[]): Uint8Array {
  const side = Math.round(Math.sqrt(hidden.length));
  const p = SIZE / side;
  const out = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) out[y * SIZE + x] = hidden[Math.floor(y / p) * side + Math.floor(x / p)];
  return out;
}

test('zoo compare view: same hidden pixels for every model, reconstructions, feature maps, card numbers', async ({ page, context }) => {
  const requests = new RequestLog(context);
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?ep=wasm&samples=1');
  await waitSettled(page);
  const rowBefore = await page.evaluate(() => window.__maeDebug!.rows()[0]);
  await expect(page.getByTestId('zoo-theory')).toContainText('Kong et al.');

  await page.getByTestId('compare-open').click();
  const s = await waitDone(page, 0.75);
  expect(s.models.map((m) => m.id)).toEqual(ZOO.models.map((m) => m.id));
  expect(new Set(s.models.map((m) => m.patchSize)).size).toBeGreaterThanOrEqual(2);

  const reference = hiddenPixels(s.models[0].hidden!);
  const coarseVisible = lenKeep(49, 0.75);
  for (const m of s.models) {
    // The same pixels are hidden for every model, whatever its patch grid.
    expect(Array.from(hiddenPixels(m.hidden!))).toEqual(Array.from(reference));
    expect(m.visible).toBe(coarseVisible * (16 / m.patchSize) ** 2);
    expect(m.mse).not.toBeNull();
    expect(m.mse!).toBeGreaterThan(0);
    // On screen: every hidden pixel of the masked panel is the grey checker.
    const masked = Buffer.from(m.maskedBase64!, 'base64');
    let hiddenNotGrey = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      const grey = masked[i * 4] === masked[i * 4 + 1] && masked[i * 4] === masked[i * 4 + 2] && CHECKER.has(masked[i * 4]);
      if (reference[i] && !grey) hiddenNotGrey += 1;
    }
    expect(hiddenNotGrey).toBe(0);
    // The feature map is a picture, not a flat colour: many distinct patch colours.
    const fm = Buffer.from(m.featureMapBase64!, 'base64');
    const colours = new Set<string>();
    for (let i = 0; i < fm.length; i += 4) colours.add(`${fm[i]},${fm[i + 1]},${fm[i + 2]}`);
    expect(colours.size).toBeGreaterThan((m.numPatches ?? 0) / 4);
  }
  // Different models learned different features: their maps differ.
  expect(s.models[0].featureMapBase64).not.toEqual(s.models[1].featureMapBase64);

  // Card numbers come from models/zoo.json.
  for (const z of ZOO.models) {
    const card = page.locator(`[data-testid="zoo-card"][data-model="${z.id}"]`);
    await expect(card.getByTestId('zoo-probe')).toContainText(`${Math.round(z.probeAccuracy * 100)}%`);
  }

  // Another ratio: every model again, with fewer visible patches.
  await page.getByTestId('compare-ratio').fill('0.9');
  const s90 = await waitDone(page, 0.9);
  for (const m of s90.models) expect(m.visible).toBe(lenKeep(49, 0.9) * (16 / m.patchSize) ** 2);
  const mse75 = new Map(s.models.map((m) => [m.id, m.mse!]));
  // Hiding more makes it harder for most models (allow one exception: tiny models, one image).
  const harder = s90.models.filter((m) => m.mse! > mse75.get(m.id)!).length;
  expect(harder).toBeGreaterThanOrEqual(s90.models.length - 1);

  // The main grid was not disturbed, and closing ends the view.
  const rowAfter = await page.evaluate(() => window.__maeDebug!.rows()[0]);
  expect(rowAfter.mse).toBe(rowBefore.mse);
  await page.getByTestId('compare-close').click();
  await expect.poll(async () => (await snapshot(page)).status).toBe('closed');
  requests.expectSameOrigin(ORIGIN);
});

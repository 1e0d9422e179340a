/**
 * The attention view (issue 24) on an imported model: the e2e weights fixture (official layout, two
 * heads per side, each head its own query/key scale: e2e/fixtures/make-weights.py) on the fixture
 * photo. A hidden patch clicked in the view shows the decoder's attention of that patch; the numbers
 * the view exposes (window.__maeDebug.attention(), the map's per-patch values) match PyTorch's
 * (python/mae_playground/attention_reference.py -> tests/fixtures/attention/e2e.json) within
 * ATTENTION_TOLERANCE. WASM: click, tap and keyboard, head choice, the encoder's cls and its rollout,
 * the mask following the seed and paint, a whole photo, PNG export, axe in light and dark. WebGPU (SwiftShader): one hidden patch.
 * The bundled default (a contract v2 folder: its encoder-attention.onnx / decoder-attention.onnx) on the
 * goldfinch sample against the exporter's PyTorch rows (tests/reference/default); a format-1 folder: the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { randomMasking } from '../src/mae/index.ts';
import { axeViolations } from './a11y-helpers.ts';
import { REPO_ROOT } from './config.ts';
import { f32FromBase64, loadReference, pngStats } from './helpers.ts';
import { settled } from './reliability-helpers.ts';

/** Page (Chromium decode + the core's Pillow-exact resize + onnxruntime-web) vs PyTorch, per attention weight. */
const ATTENTION_TOLERANCE = 1e-4;

interface GraphRecord {
  depth: number;
  heads: number;
  tokens: number;
  rows: number[];
  headBlocks: number[];
  perHead: string;
  mean: string;
  rollout?: string;
}
interface Reference {
  numPatches: number;
  cases: { pageSeed: number; maskRatio: number; idsKeep: number[]; hidden: number[]; encoder: GraphRecord; decoder: GraphRecord }[];
}
const reference = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'attention', 'e2e.json'), 'utf8')) as Reference;
const CASE = reference.cases[0];
const WEIGHTS = join(REPO_ROOT, 'e2e', 'fixtures', 'weights', 'mae_visualize_vit_e2e.pth');
const PHOTO = join(REPO_ROOT, 'tests', 'fixtures', 'weights', 'photo.png');
const GRID = Math.round(Math.sqrt(reference.numPatches));

type Snapshot = ReturnType<NonNullable<Window['__maeDebug']>['attention']>;
const snapshot = (page: Page): Promise<Snapshot> => page.evaluate(() => window.__maeDebug!.attention());

/** PyTorch's row of `token` in `rec` (every row is stored for this small model): a head's, or the head mean. */
function pythonRow(rec: GraphRecord, block: number, head: number | 'mean', token: number): Float32Array {
  const n = rec.tokens;
  const ri = rec.rows.indexOf(token);
  if (head === 'mean') return f32FromBase64(rec.mean).subarray((block * rec.rows.length + ri) * n, (block * rec.rows.length + ri + 1) * n);
  const bi = rec.headBlocks.indexOf(block);
  const at = ((bi * rec.heads + head) * rec.rows.length + ri) * n;
  return f32FromBase64(rec.perHead).subarray(at, at + n);
}

/** The view's per-patch values against PyTorch's row (decoder: token p+1 is patch p; encoder: token i+1 is patch idsKeep[i]). */
function expectMatches(map: NonNullable<Snapshot['map']>, row: Float32Array, graph: 'encoder' | 'decoder'): void {
  let worst = Math.abs((map.cls ?? NaN) - row[0]);
  for (let p = 0; p < reference.numPatches; p++) {
    const token = graph === 'decoder' ? p + 1 : CASE.idsKeep.indexOf(p) + 1;
    const got = map.patches[p];
    if (token === 0) expect(got, `patch ${p} is hidden: no encoder value`).toBeNull();
    else worst = Math.max(worst, Math.abs((got ?? NaN) - row[token]));
  }
  expect(worst, 'max |page - PyTorch| over the row').toBeLessThanOrEqual(ATTENTION_TOLERANCE);
}

async function clickPatch(page: Page, patch: number, how: 'click' | 'tap' = 'click'): Promise<void> {
  const canvas = page.getByTestId('attention-canvas');
  const box = await canvas.boundingBox();
  if (!box) throw new Error('no attention canvas');
  const position = { x: ((patch % GRID) + 0.5) * (box.width / GRID), y: (Math.floor(patch / GRID) + 0.5) * (box.height / GRID) };
  if (how === 'tap') await canvas.tap({ position });
  else await canvas.click({ position });
  await page.waitForFunction((p) => window.__maeDebug!.attention().map?.query === p, patch);
}

async function openImported(page: Page, ep: 'wasm' | 'webgpu'): Promise<void> {
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(`/?samples=0&same=1&seed=${CASE.pageSeed}&ratio=${CASE.maskRatio}&ep=${ep}`);
  await expect(page.getByTestId('model-name')).toContainText('ViT', { timeout: 120_000 });
  await page.getByTestId('weights-input').setInputFiles(WEIGHTS);
  await expect(page.getByTestId('model-name')).toContainText('mae_visualize_vit_e2e.pth', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles(PHOTO);
  await settled(page);
  await page.getByTestId('attention-row').click();
  await expect(page.getByTestId('attention-panel')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });
  const s = await snapshot(page);
  expect(s.idsKeep, "the view's mask is the row's (the page's seeded mask)").toEqual(CASE.idsKeep);
}

test('attention view on WASM: a clicked hidden patch shows where the decoder copied it from, as PyTorch computes it', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ bypassCSP: true, hasTouch: true, colorScheme: 'dark' });
  const page = await context.newPage();
  await openImported(page, 'wasm');

  // a hidden patch, clicked: the decoder's attention (head mean, the last block)
  const hidden = CASE.hidden[Math.floor(CASE.hidden.length / 2)];
  await clickPatch(page, hidden);
  let s = await snapshot(page);
  expect(s.map?.graph).toBe('decoder');
  const last = CASE.decoder.depth - 1;
  expectMatches(s.map!, pythonRow(CASE.decoder, last, 'mean', hidden + 1), 'decoder');
  // the split between visible patches, mask tokens and cls is that row's
  const row = pythonRow(CASE.decoder, last, 'mean', hidden + 1);
  const visibleShare = CASE.idsKeep.reduce((a, p) => a + row[p + 1], 0);
  expect(Math.abs(s.map!.shares!.visible - visibleShare)).toBeLessThanOrEqual(ATTENTION_TOLERANCE * reference.numPatches);
  await expect(page.getByTestId('attention-numbers')).toContainText('to mask tokens');

  // each head (the heads differ: a wrong split would not match)
  for (let h = 0; h < CASE.decoder.heads; h++) {
    await page.getByTestId('attention-head').selectOption(String(h));
    await page.waitForFunction((head) => window.__maeDebug!.attention().map?.head === head, h);
    expectMatches((await snapshot(page)).map!, pythonRow(CASE.decoder, last, h, hidden + 1), 'decoder');
  }
  await page.getByTestId('attention-head').selectOption('mean');

  // a tap on another hidden patch (touch), then the keyboard: Right moves to the next patch
  const tapped = CASE.hidden[0];
  await clickPatch(page, tapped, 'tap');
  expectMatches((await snapshot(page)).map!, pythonRow(CASE.decoder, last, 'mean', tapped + 1), 'decoder');
  await page.getByTestId('attention-map').focus();
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((p) => window.__maeDebug!.attention().map?.query === p, tapped + 1);
  await page.keyboard.press('Home');
  await page.waitForFunction(() => window.__maeDebug!.attention().map?.query === 'cls');

  // the encoder's cls, block by block, and its rollout (Abnar & Zuidema) through every block
  await page.getByText('Encoder (visible patches)').click();
  for (let b = 0; b < CASE.encoder.depth; b++) {
    await page.getByTestId('attention-layer').fill(String(b + 1));
    await page.waitForFunction(
      (layer) => window.__maeDebug!.attention().map?.layer === layer && window.__maeDebug!.attention().map?.graph === 'encoder',
      b,
    );
    expectMatches((await snapshot(page)).map!, pythonRow(CASE.encoder, b, 'mean', 0), 'encoder');
  }
  await page.getByTestId('attention-rollout').check();
  await page.waitForFunction(() => window.__maeDebug!.attention().map?.rollout === true);
  expectMatches((await snapshot(page)).map!, f32FromBase64(CASE.encoder.rollout!), 'encoder');

  // axe on the open view, dark and light
  expect(await axeViolations(page)).toEqual([]);
  await page.emulateMedia({ colorScheme: 'light' });
  expect(await axeViolations(page)).toEqual([]);

  // PNG export with its caption
  const download = page.waitForEvent('download');
  await page.getByTestId('attention-download').click();
  const file = await (await download).path();
  const png = pngStats(readFileSync(file));
  expect(png.width).toBeGreaterThanOrEqual(224);
  expect(png.distinctColours).toBeGreaterThan(50);

  // the view follows the seed: a new mask, the row's
  await page.getByTestId('seed-input').fill('5');
  await settled(page);
  await page.waitForFunction(() => window.__maeDebug!.attention().seed === 5);
  s = await snapshot(page);
  expect(s.idsKeep).toEqual(Array.from(randomMasking(5, reference.numPatches, CASE.maskRatio).idsKeep));

  // paint mode: the view follows the painted mask (its kept patches are the row's visible ones)
  await page.getByTestId('mask-paint').check();
  await settled(page);
  await expect
    .poll(async () => {
      const [snap, hidden] = await page.evaluate(() => [window.__maeDebug!.attention(), window.__maeDebug!.hiddenMask(0)] as const);
      const visible = (hidden ?? []).flatMap((h, p) => (h ? [] : [p]));
      return snap.status === 'ready' && JSON.stringify([...(snap.idsKeep ?? [])].sort((x, y) => x - y)) === JSON.stringify(visible);
    })
    .toBe(true);

  // a whole photo: the view runs on the row's own grid
  await page.getByTestId('mask-random').check();
  await page.getByTestId('photo-whole').check();
  await settled(page);
  await expect
    .poll(async () => {
      const [snap, rows] = await page.evaluate(() => [window.__maeDebug!.attention(), window.__maeDebug!.rows()] as const);
      return snap.status === 'ready' && snap.numPatches === rows[0].numPatches && snap.map?.patches.length === rows[0].numPatches;
    })
    .toBe(true);
  await context.close();
});

test('attention view on WebGPU (SwiftShader): a clicked hidden patch matches PyTorch', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await openImported(page, 'webgpu');
  const s0 = await snapshot(page);
  expect(s0.provider).toBe('webgpu');
  const hidden = CASE.hidden[1];
  await clickPatch(page, hidden);
  expectMatches((await snapshot(page)).map!, pythonRow(CASE.decoder, CASE.decoder.depth - 1, 'mean', hidden + 1), 'decoder');
  await context.close();
});

test('attention view: the bundled default (contract v2, its own attention graphs) matches PyTorch; a format-1 folder from disk says why it has none', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/?samples=goldfinch&ep=wasm&ratio=0.75&seed=0');
  await settled(page);
  await page.getByTestId('attention-row').click();
  await expect(page.getByTestId('attention-panel')).toHaveAttribute('data-status', 'ready', { timeout: 120_000 });

  // the folder's own attention graphs (downloaded on first use) against the exporter's PyTorch rows
  // (tests/reference/default: every block and head at four query rows), on Chromium's decode of the sample
  const ref = loadReference();
  const c = ref.meta.cases.find((k) => k.key === 'goldfinch/r0.75/s0') as unknown as {
    key: string;
    attention: { encoder: string; encoderRows: number[]; decoder: string; decoderRows: number[] };
  };
  const idsKeep = ref.int64(`${c.key}/ids_keep`);
  expect((await snapshot(page)).idsKeep).toEqual(idsKeep);
  const side = 14;
  const compareRow = async (graph: 'encoder' | 'decoder', name: string, rows: number[], token: number, head: number) => {
    const map = (await snapshot(page)).map!;
    const want = ref.float32(name);
    const n = graph === 'encoder' ? idsKeep.length + 1 : side * side + 1;
    const at = (((map.depth - 1) * map.heads + head) * rows.length + rows.indexOf(token)) * n;
    const row = want.subarray(at, at + n);
    let worst = Math.abs((map.cls ?? NaN) - row[0]);
    map.patches.forEach((v, p) => {
      const t = graph === 'decoder' ? p + 1 : idsKeep.indexOf(p) + 1;
      if (t > 0) worst = Math.max(worst, Math.abs((v ?? NaN) - row[t]));
    });
    expect(worst, `${graph} token ${token} head ${head}`).toBeLessThanOrEqual(ATTENTION_TOLERANCE);
  };
  const pickHead = async (h: number) => {
    await page.getByTestId('attention-head').selectOption(String(h));
    await page.waitForFunction((head) => window.__maeDebug!.attention().map?.head === head, h);
  };
  // decoder, token 98 (patch 97), last block, each head
  const decToken = c.attention.decoderRows[2];
  const canvas = page.getByTestId('attention-canvas');
  const box = (await canvas.boundingBox())!;
  const patch = decToken - 1;
  await canvas.click({
    position: { x: ((patch % side) + 0.5) * (box.width / side), y: (Math.floor(patch / side) + 0.5) * (box.height / side) },
  });
  await page.waitForFunction((p) => window.__maeDebug!.attention().map?.query === p, patch);
  await page.getByText('Decoder (all patches)').click();
  await page.waitForFunction(() => window.__maeDebug!.attention().map?.graph === 'decoder');
  for (let h = 0; h < 4; h++) {
    await pickHead(h);
    await compareRow('decoder', c.attention.decoder, c.attention.decoderRows, decToken, h);
  }
  // encoder cls (token 0), last block, each head
  await page.getByTestId('attention-cls').click();
  await page.getByText('Encoder (visible patches)').click();
  await page.waitForFunction(
    () => window.__maeDebug!.attention().map?.graph === 'encoder' && window.__maeDebug!.attention().map?.query === 'cls',
  );
  for (let h = 0; h < 3; h++) {
    await pickHead(h);
    await compareRow('encoder', c.attention.encoder, c.attention.encoderRows, 0, h);
  }
  await page.getByTestId('attention-close').click();

  // a folder exported before contract v2 (format 1, no attention graphs), opened from disk: it runs, and the view says why not
  await page.getByTestId('model-folder-input').setInputFiles(join(REPO_ROOT, 'e2e', 'fixtures', 'models', 'tiny-112'));
  await expect(page.getByTestId('model-name')).toContainText('Tiny test MAE', { timeout: 120_000 });
  await settled(page);
  await page.getByTestId('attention-row').first().click();
  await expect(page.getByTestId('attention-reason')).toHaveText(
    'Attention unavailable: this folder has no attention graphs (exported before contract v2)',
    { timeout: 60_000 },
  );
  await context.close();
});

/**
 * Bring your own model: a model folder from disk, by the folder picker, the plain file picker or a
 * drop. The good folder is what python/mae_playground/convert_official.py writes (e2e/fixtures/models/converted-tiny,
 * made by e2e/fixtures/make-byom-model.py); the broken ones are made here from it and from
 * e2e/fixtures/models/tiny-112. Each broken folder names its problem and the running model keeps
 * answering; the good one replaces it, rows re-run on it, and switching back to a bundled model works.
 * Nothing is fetched for a model from disk, and no request leaves the page's origin.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { lenKeep } from '../src/mae/index.ts';
import { BASE_URL } from './config.ts';
import { FIXTURES, openApp, openMenu, RequestLog } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const CONVERTED = join(FIXTURES, 'models', 'converted-tiny');
const TINY = join(FIXTURES, 'models', 'tiny-112');
const CONVERTED_NAME = 'Converted tiny MAE (random weights)';
const DEFAULT_NAME = 'MAE ViT-Ti/16 (playground)';
const STILL = `Still using “MAE ViT-Ti\\/16 \\(playground\\)”\\.$`;

const fixture = (dir: string, f: string): Buffer => readFileSync(join(dir, f));
const withoutFiles = (dir: string): string =>
  JSON.stringify({ ...(JSON.parse(fixture(dir, 'manifest.json').toString('utf8')) as object), files: undefined });
/** Bytes that are no ONNX model (a fixed pseudo-random sequence). */
const noise = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 104729) % 251));

/** Broken folders: name → file → body; each is written to disk and opened with the folder picker. */
const BROKEN: Record<string, Record<string, string | Buffer>> = {
  'no-manifest': { 'encoder.onnx': fixture(CONVERTED, 'encoder.onnx'), 'decoder.onnx': fixture(CONVERTED, 'decoder.onnx') },
  'broken-json': { 'manifest.json': '{ "name": "half a manifest", "imgSize": 112, ', 'encoder.onnx': fixture(CONVERTED, 'encoder.onnx') },
  'no-decoder': { 'manifest.json': fixture(CONVERTED, 'manifest.json'), 'encoder.onnx': fixture(CONVERTED, 'encoder.onnx') },
  'random-bytes': { 'manifest.json': withoutFiles(CONVERTED), 'encoder.onnx': noise, 'decoder.onnx': fixture(CONVERTED, 'decoder.onnx') },
  // A graph from another model: tiny-112 is 32-d, the converted decoder takes 48-d latents.
  'other-width': {
    'manifest.json': withoutFiles(TINY),
    'encoder.onnx': fixture(TINY, 'encoder.onnx'),
    'decoder.onnx': fixture(CONVERTED, 'decoder.onnx'),
  },
  // The same swap with manifest.json's sizes kept: caught before onnxruntime sees the file.
  'other-size': {
    'manifest.json': fixture(TINY, 'manifest.json'),
    'encoder.onnx': fixture(TINY, 'encoder.onnx'),
    'decoder.onnx': fixture(CONVERTED, 'decoder.onnx'),
  },
};

const EXPECTED: Record<keyof typeof BROKEN, RegExp> = {
  'no-manifest': new RegExp(
    `^Could not load the model from your disk \\(“no-manifest”\\): There is no manifest\\.json among the 2 files chosen \\(no-manifest/(en|de)coder\\.onnx, no-manifest/(de|en)coder\\.onnx\\): a model folder holds manifest\\.json, encoder\\.onnx and decoder\\.onnx\\. ${STILL}`,
  ),
  'broken-json': new RegExp(
    `^Could not load the model from your disk \\(“broken-json”\\): The folder has a bad manifest\\.json: not valid JSON \\(.+\\)\\. ${STILL}`,
  ),
  'no-decoder': new RegExp(
    `\\(“no-decoder”\\): decoder\\.onnx is missing from the folder: manifest\\.json names it as the decoder \\(decoder\\.file\\)\\. ${STILL}`,
  ),
  'random-bytes': new RegExp(`\\(“random-bytes”\\): encoder\\.onnx is not an ONNX model.*${STILL}`),
  'other-width': new RegExp(
    `\\(“other-width”\\): The folder does not fit its manifest: decoder\\.onnx takes latents of width 48, but manifest\\.json says encoder\\.embedDim 32\\. ${STILL}`,
  ),
  'other-size': new RegExp(
    `\\(“other-size”\\): decoder\\.onnx is 164527 bytes, but manifest\\.json says 162479: it is not the file this manifest describes\\. ${STILL}`,
  ),
};

test.describe.configure({ mode: 'serial' });

const ROOT = join(tmpdir(), `byom-e2e-${process.pid}`);
let context: BrowserContext;
let page: Page;
let log: RequestLog;

test.beforeAll(async ({ browser }) => {
  rmSync(ROOT, { recursive: true, force: true });
  for (const [name, files] of Object.entries(BROKEN)) {
    mkdirSync(join(ROOT, name), { recursive: true });
    for (const [f, body] of Object.entries(files)) writeFileSync(join(ROOT, name, f), body);
  }
  ({ context, page, requests: log } = await openApp(browser, '/?ep=wasm&samples=1'));
  await expect(page.getByTestId('model-name')).toHaveText(DEFAULT_NAME, { timeout: 120_000 });
  await settled(page);
});

test.afterAll(async () => {
  await context?.close();
  rmSync(ROOT, { recursive: true, force: true });
});

async function expectDefaultAnswering(label: string, before: Awaited<ReturnType<typeof rows>>): Promise<void> {
  const m = await page.evaluate(() => window.__maeDebug!.model());
  expect([m.activeUrl, m.phase, m.name], label).toEqual(['./models/default/', 'ready', DEFAULT_NAME]);
  await expect(page.getByTestId('model-name')).toHaveText(DEFAULT_NAME);
  await expect(page.getByTestId('model-select')).toHaveValue('default');
  expect(
    (await rows(page)).map((r) => [r.name, r.status, r.numPatches, r.mse]),
    label,
  ).toEqual(before.map((r) => [r.name, r.status, r.numPatches, r.mse]));
}

async function expectConverted(how: string): Promise<void> {
  await expect(page.getByTestId('model-name'), how).toHaveText(CONVERTED_NAME, { timeout: 120_000 });
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  const m = await page.evaluate(() => window.__maeDebug!.model());
  expect(m.name, how).toBe(CONVERTED_NAME);
  expect(m.activeUrl, how).toMatch(/^local:\d+\//);
  const select = page.getByTestId('model-select');
  await expect(select.locator('option:checked'), how).toHaveText(`${CONVERTED_NAME} (from your disk)`);
  await expect(select, how).toHaveAttribute('title', /\?model=\) cannot point to it/);
  // The rows ran again on this model: 112 px, 49 patches.
  await page.waitForFunction(() => window.__maeDebug!.rows().every((r) => r.numPatches === 49), undefined, { timeout: 120_000 });
  await settled(page);
  const ratio = await page.evaluate(() => window.__maeDebug!.rows()[0].maskRatio ?? 0);
  for (const r of await rows(page)) {
    expect([r.status, r.provider, r.numPatches, r.visible], `${how}: ${r.name}`).toEqual(['done', 'wasm', 49, lenKeep(49, ratio)]);
    expect(r.mse, `${how}: ${r.name}`).toBeGreaterThan(0);
  }
  expect(await page.evaluate(() => window.__maeDebug!.panelBase64(0, 'original')?.length)).toBe(Math.ceil((112 * 112 * 4) / 3) * 4);
}

async function backToDefault(): Promise<void> {
  await openMenu(page, 'models');
  await page.getByTestId('model-select').selectOption('default');
  await expect(page.getByTestId('model-name')).toHaveText(DEFAULT_NAME, { timeout: 120_000 });
  await page.waitForFunction(() => window.__maeDebug!.rows().every((r) => r.numPatches === 196 && r.status === 'done'), undefined, {
    timeout: 120_000,
  });
  await settled(page);
  expect(new URL(page.url()).searchParams.get('model')).toBeNull();
}

test('broken folders: each names its problem, and the running model keeps answering', async () => {
  test.setTimeout(300_000);
  const before = await rows(page);
  expect(before.length).toBe(1);
  for (const name of Object.keys(BROKEN)) {
    const t0 = Date.now();
    await page.getByTestId('model-folder-input').setInputFiles(join(ROOT, name));
    await expect(page.getByTestId('model-error-text'), name).toHaveText(EXPECTED[name], { timeout: 120_000 });
    console.log(`[byom] ${name}: ${Date.now() - t0} ms: ${await page.getByTestId('model-error-text').textContent()}`);
    await expectDefaultAnswering(name, before);
  }
  // The plain multi-file picker reports the same way (no folder name then).
  await page.getByTestId('model-files-input').setInputFiles([join(CONVERTED, 'manifest.json'), join(CONVERTED, 'encoder.onnx')]);
  await expect(page.getByTestId('model-error-text')).toHaveText(
    new RegExp(
      `^Could not load the model from your disk: decoder\\.onnx is missing from the folder: manifest\\.json names it as the decoder \\(decoder\\.file\\)\\. ${STILL}`,
    ),
    { timeout: 120_000 },
  );
  await expectDefaultAnswering('files picker', before);
  // Still answering: a new ratio recomputes the row on the default model.
  await page.getByTestId('ratio-slider').fill('0.5');
  await settled(page);
  for (const r of await rows(page)) expect([r.status, r.maskRatio, r.visible, r.numPatches]).toEqual(['done', 0.5, 98, 196]);
});

test('the converter-written folder, opened with the folder picker, replaces the model; switching back works', async () => {
  test.setTimeout(300_000);
  await page.getByTestId('model-folder-input').setInputFiles(CONVERTED);
  await expectConverted('folder picker');
  await backToDefault();
});

test('dropping the folder’s files on the page loads the model too, and adds no image rows', async () => {
  test.setTimeout(300_000);
  const rowCount = (await rows(page)).length;
  const files = ['manifest.json', 'encoder.onnx', 'decoder.onnx'].map((name) => ({
    name,
    b64: fixture(CONVERTED, name).toString('base64'),
  }));
  await page.evaluate((files) => {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
  await expectConverted('drop');
  expect((await rows(page)).length).toBe(rowCount);
  await backToDefault();
  // A drop of a photo still adds a row (the routing sends only model files to the loader).
  const tiger = fixture(FIXTURES, 'my-tiger.jpg').toString('base64');
  await page.evaluate((b64) => {
    const dt = new DataTransfer();
    dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'dropped-tiger.jpg', { type: 'image/jpeg' }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, tiger);
  await page.waitForFunction(
    () => window.__maeDebug!.rows().some((r) => r.name === 'dropped-tiger.jpg' && r.status === 'done'),
    undefined,
    { timeout: 120_000 },
  );
  expect((await rows(page)).length).toBe(rowCount + 1);
  expect(await page.evaluate(() => window.__maeDebug!.model().name)).toBe(DEFAULT_NAME);
});

test('privacy: nothing of this session left the page origin', () => {
  log.expectSameOrigin(new URL(BASE_URL).origin);
  // A model from disk is read, not fetched: no request ever named a local: URL.
  expect(log.urls.filter((u) => u.startsWith('local:') || u.includes('converted-tiny'))).toEqual([]);
});

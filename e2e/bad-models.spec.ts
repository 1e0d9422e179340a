/**
 * Reliability 2: bad models. Model folders served on the page's own origin (Playwright routes
 * /models/<name>/ to the files of e2e/fixtures/models, or to broken ones made here) and picked in
 * the model selector: each failure names its problem and the model that was running keeps working;
 * a good model with another image size replaces it, and switching back works.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { lenKeep } from '../src/mae/index.ts';
import { FIXTURES, openMenu } from './helpers.ts';
import { rows, settled } from './reliability-helpers.ts';

const TINY = join(FIXTURES, 'models', 'tiny-112');
const RENAMED = join(FIXTURES, 'models', 'tiny-renamed');
const tinyManifest = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(TINY, 'manifest.json'), 'utf8')) as Record<string, unknown>;

/** Folder → file → body (string or bytes). A file not listed is a 404. */
const FOLDERS: Record<string, Record<string, string | Buffer>> = {
  'bad-json': { 'manifest.json': '{ "name": "half a manifest", "imgSize": 224, ' },
  'bad-field': { 'manifest.json': JSON.stringify({ ...tinyManifest(), imgSize: 225 }) },
  'not-onnx': {
    'manifest.json': JSON.stringify({ ...tinyManifest(), files: undefined }),
    'encoder.onnx': 'this is not an ONNX file, just text with an .onnx name\n',
    'decoder.onnx': readFileSync(join(TINY, 'decoder.onnx')),
  },
  renamed: {
    'manifest.json': readFileSync(join(RENAMED, 'manifest.json')),
    'encoder.onnx': readFileSync(join(RENAMED, 'encoder.onnx')),
    'decoder.onnx': readFileSync(join(RENAMED, 'decoder.onnx')),
  },
  'lying-size': {
    'manifest.json': JSON.stringify({ ...tinyManifest(), imgSize: 224, numPatches: 196 }),
    'encoder.onnx': readFileSync(join(TINY, 'encoder.onnx')),
    'decoder.onnx': readFileSync(join(TINY, 'decoder.onnx')),
  },
  'tiny-112': {
    'manifest.json': readFileSync(join(TINY, 'manifest.json')),
    'encoder.onnx': readFileSync(join(TINY, 'encoder.onnx')),
    'decoder.onnx': readFileSync(join(TINY, 'decoder.onnx')),
  },
};

const EXPECTED: [string, RegExp][] = [
  [
    'missing',
    /^Could not load the model “missing”: There is no model at \/models\/missing\/: manifest\.json was not found \(HTTP 404\)\. Still using “MAE ViT-Ti\/16 \(playground\)”\.$/,
  ],
  [
    'bad-json',
    /^Could not load the model “bad-json”: The model at \/models\/bad-json\/ has a bad manifest\.json: not valid JSON \(.+\)\. Still using/,
  ],
  [
    'bad-field',
    /The model at \/models\/bad-field\/ has a bad manifest\.json: imgSize must be a positive integer divisible by patchSize \(got 225\)\. Still using/,
  ],
  ['not-onnx', /“not-onnx”: encoder\.onnx is not an ONNX model: it is a text file\. Still using/],
  [
    'renamed',
    /“renamed”: The model at \/models\/renamed\/ does not fit its manifest: encoder\.onnx inputs are \(pixels, ids_keep\); the model contract needs \(image, ids_keep\)\./,
  ],
  [
    'lying-size',
    /“lying-size”: The model at \/models\/lying-size\/ does not fit its manifest: encoder\.onnx takes 112×112 images, but manifest\.json says imgSize 224\./,
  ],
];

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  await context.route('**/models/index.json', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        models: [
          { id: 'default', name: 'MAE ViT-Ti/16 (playground)' },
          ...['missing', ...Object.keys(FOLDERS)].map((id) => ({ id, name: `test: ${id}` })),
        ],
      }),
    }),
  );
  for (const [folder, files] of Object.entries(FOLDERS)) {
    await context.route(`**/models/${folder}/*`, (route) => {
      const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
      const body = files[file];
      if (body === undefined) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ status: 200, contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream', body });
    });
  }
  page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto('/?samples=2&ep=wasm');
  await settled(page);
});

test.afterAll(async () => {
  await context?.close();
});

async function pick(id: string): Promise<void> {
  await openMenu(page, 'models');
  await page.getByTestId('model-select').selectOption(id);
}

test('bad models: each failure names the problem; the running model keeps working', async () => {
  test.setTimeout(300_000);
  const select = page.getByTestId('model-select');
  await expect(select.locator('option')).toHaveCount(2 + Object.keys(FOLDERS).length);
  const before = await rows(page);
  for (const [id, message] of EXPECTED) {
    const t0 = Date.now();
    await pick(id);
    await expect(page.getByTestId('model-error-text'), id).toHaveText(message, { timeout: 120_000 });
    console.log(`[bad-models] ${id}: failed in ${Date.now() - t0} ms: ${await page.getByTestId('model-error-text').textContent()}`);
    // Still the same model, selector back on it, rows untouched.
    const m = await page.evaluate(() => window.__maeDebug!.model());
    expect(m.activeUrl, id).toBe('./models/default/');
    expect(m.phase, id).toBe('ready');
    await expect(select, id).toHaveValue('default');
    await expect(page.getByTestId('model-name')).toHaveText('MAE ViT-Ti/16 (playground)');
    expect(
      (await rows(page)).map((r) => [r.name, r.status, r.maskRatio]),
      id,
    ).toEqual(before.map((r) => [r.name, r.status, r.maskRatio]));
  }
  // The previous model still answers: the slider recomputes every row on it.
  await page.getByTestId('ratio-slider').fill('0.5');
  await settled(page);
  for (const r of await rows(page)) {
    expect(r.status).toBe('done');
    expect([r.maskRatio, r.visible, r.numPatches]).toEqual([0.5, 98, 196]);
  }
  // Retry repeats the last failed load (still failing, still named).
  await page.getByTestId('retry-model').click();
  await expect(page.getByTestId('model-error-text')).toHaveText(EXPECTED[EXPECTED.length - 1][1], { timeout: 120_000 });
});

test('a model with another image size (112 px, 49 patches) replaces it, and switching back works', async () => {
  test.setTimeout(300_000);
  await pick('tiny-112');
  await expect(page.getByTestId('model-name')).toHaveText('Tiny test MAE (112 px, random weights)', { timeout: 120_000 });
  await expect(page.getByTestId('model-error')).toHaveCount(0);
  await settled(page);
  await expect(page.getByTestId('ratio-label')).toHaveText(`50% · ${lenKeep(49, 0.5)} of 49 visible`);
  for (const r of await rows(page)) {
    expect(r.status, r.name).toBe('done');
    expect([r.numPatches, r.visible], r.name).toEqual([49, lenKeep(49, 0.5)]);
  }
  expect(await page.evaluate(() => window.__maeDebug!.panelBase64(0, 'original')?.length)).toBe(Math.ceil((112 * 112 * 4) / 3) * 4);
  expect(new URL(page.url()).searchParams.get('model')).toBe('tiny-112');

  await pick('default');
  await expect(page.getByTestId('model-name')).toHaveText('MAE ViT-Ti/16 (playground)', { timeout: 120_000 });
  await settled(page);
  for (const r of await rows(page)) expect([r.status, r.numPatches, r.visible], r.name).toEqual(['done', 196, 98]);
  expect(new URL(page.url()).searchParams.get('model')).toBeNull();
});

// npm run bench:weights-browser [-- --models vit-b16,vit-l16] [--eps wasm,webgpu] [--iters 4] [--json]
//
// An official-layout weights file dropped into the real page (headless Debian Chromium, the built
// test site under `vite preview`, the e2e flags; WebGPU is SwiftShader here), next to
// onnxruntime-node on the same file in the same run:
//   - drop to first reconstruction: from setInputFiles on "Open weights file…" (the page already
//     running the default model with one photo) to that photo's row done with the imported model:
//     parse, graph build, session creation (WASM or GPU upload + compile), warm-up, one inference;
//   - per image in the page: the worker's time for the row (encoder + decoder, B=1) over --iters
//     new masks (median);
//   - native per image: onnxruntime-node, all cores, no spinning, same file, same ratio (median);
//   - peak resident memory of the renderer processes (page + worker) while loading and running.
// Random weights of the official sizes come from Python into .cache/weights/ on first use (never
// committed; ViT-L is 1.3 GB and takes a minute to write).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { argv, opt } from '../scripts/cli-args.mjs';
import { buildTestSite, distIsStale, startPreview, TEST_DIST } from '../scripts/site-build.mjs';
import { maeInputs, timeMae } from './kernel/mae-runs.mjs';

await import('../src/cli/register-ts.mjs');
const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('../e2e/config.ts');
const { rows, settled, sampleRendererRss } = await import('../e2e/reliability-helpers.ts');
const { loadNodeWeights } = await import('../src/cli/node-weights.ts');

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const asJson = argv.includes('--json');
const models = opt('models', 'vit-b16').split(',');
const eps = opt('eps', 'wasm').split(',');
const iters = Number(opt('iters', 4));
const ratio = 0.75;
const FACTORIES = { 'vit-b16': 'mae_vit_base_patch16', 'vit-l16': 'mae_vit_large_patch16' };
const log = (...a) => {
  if (!asJson) console.error(...a);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x);

function weightsFile(name) {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`unknown model ${name} (known: ${Object.keys(FACTORIES).join(', ')})`);
  const dir = path.join(root, '.cache', 'weights');
  const file = path.join(dir, `${factory}.pth`);
  if (!fs.existsSync(file)) {
    log(`writing random ${factory} weights in the official layout to ${path.relative(root, file)} (one-off) ...`);
    execFileSync(
      process.env.MAE_PYTHON ?? '/usr/bin/python3',
      ['-m', 'mae_fixtures.weight_fixtures', '--official', factory, '--out', dir],
      {
        cwd: root,
        env: { ...process.env, PYTHONPATH: path.join(root, 'python') },
        stdio: 'ignore',
      },
    );
  }
  return file;
}

if (argv.includes('--build') || distIsStale(root)) {
  log('building the test site ...');
  if (buildTestSite(root, TEST_DIST, ['ignore', 'inherit', 'inherit']) !== 0) throw new Error('vite build failed');
}
const server = await startPreview(root);
const base = server.base;
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const results = [];
try {
  for (const name of models) {
    const file = weightsFile(name);
    const fileMb = Math.round(fs.statSync(file).size / 1e6);
    // Native first, released before the browser loads its copy (memory).
    const native = await loadNodeWeights(file, { threads: 0 });
    const x = maeInputs(ort.Tensor, native.manifest, ratio, 1);
    await timeMae(native.sessions.encoder, native.sessions.decoder, x, 1, 1);
    const t = await timeMae(native.sessions.encoder, native.sessions.decoder, x, 1, Math.max(3, iters));
    const nativeMs = median(t.encoderMs.map((e, i) => e + t.decoderMs[i]));
    await native.release();
    for (const ep of eps) {
      log(`${name} (${fileMb} MB) on ${ep} ...`);
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(20 * 60_000);
      await page.goto(`${base}/?samples=1&same=1&seed=0&ratio=${ratio}&ep=${ep}`);
      await settled(page, 20 * 60_000);
      const memory = sampleRendererRss(100);
      const t0 = Date.now();
      await page.getByTestId('weights-input').setInputFiles(file);
      await page
        .getByTestId('model-name')
        .filter({ hasText: path.basename(file) })
        .waitFor({ timeout: 20 * 60_000 });
      await settled(page, 20 * 60_000);
      const firstMs = Date.now() - t0;
      const error = await page
        .getByTestId('model-error-text')
        .textContent({ timeout: 1 })
        .catch(() => null);
      if (error) throw new Error(`${name} on ${ep}: ${error}`);
      // The same weights converted by python/mae_playground/convert_official.py, opened as a folder in a
      // second page: the per-image time the import has to match. Timed in alternating rounds, so a load
      // that comes and goes on this shared machine hits both alike.
      const folder = path.join(path.dirname(file), `${FACTORIES[name]}-converted`);
      let folderPage = null;
      if (fs.existsSync(path.join(folder, 'manifest.json'))) {
        const folderContext = await browser.newContext();
        folderPage = await folderContext.newPage();
        folderPage.setDefaultTimeout(20 * 60_000);
        await folderPage.goto(`${base}/?samples=1&same=1&seed=0&ratio=${ratio}&ep=${ep}`);
        await settled(folderPage, 20 * 60_000);
        await folderPage.getByTestId('model-files-input').setInputFiles(fs.readdirSync(folder).map((f) => path.join(folder, f)));
        await folderPage
          .getByTestId('model-name')
          .filter({ hasNotText: 'ViT-Ti/16' })
          .waitFor({ timeout: 20 * 60_000 });
        await settled(folderPage, 20 * 60_000);
      }
      const perImage = [];
      const folderPerImage = [];
      let seed = 1;
      const timeOne = async (p, into) => {
        await p.getByTestId('seed-input').fill(String(seed++));
        await settled(p, 20 * 60_000);
        const [row] = await rows(p);
        if (row?.totalMs) into.push(row.totalMs);
      };
      for (let i = 0; i < iters; i++) {
        await timeOne(page, perImage);
        if (folderPage) await timeOne(folderPage, folderPerImage);
      }
      if (folderPage) await folderPage.context().close();
      const mem = memory.stop();
      const provider = (await page.getByTestId('provider-badge').textContent())?.trim() ?? ep;
      results.push({
        model: name,
        fileMb,
        ep,
        provider,
        dropToFirstMs: firstMs,
        pageMsPerImage: perImage.length ? round(median(perImage)) : null,
        convertedFolderMsPerImage: folderPerImage.length ? round(median(folderPerImage)) : null,
        nativeMsPerImage: round(nativeMs),
        ratioToNative: perImage.length ? Math.round((median(perImage) / nativeMs) * 100) / 100 : null,
        rendererPeakMb: mem ? Math.round(mem.peak) : null,
        rendererStartMb: mem ? Math.round(mem.start) : null,
      });
      log(JSON.stringify(results.at(-1)));
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.proc.kill();
}
if (asJson) console.log(JSON.stringify({ date: new Date().toISOString(), results }, null, 1));
else {
  console.log(
    '| model | file | runtime | drop → first reconstruction | page ms/image | same weights as a converted folder | native ms/image | page/native | renderer peak |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.model} | ${r.fileMb} MB | ${r.provider} | ${(r.dropToFirstMs / 1000).toFixed(1)} s | ${r.pageMsPerImage} | ${r.convertedFolderMsPerImage ?? 'n/a'} | ${r.nativeMsPerImage} | ${r.ratioToNative}x | ${r.rendererPeakMb} MB |`,
    );
  }
}

// npm run bench:weights [-- --models vit-b16,vit-l16] [--ops gemm,matmul] [--wasm] [--iters 5] [--rounds 3] [--threads N] [--ratio 0.75] [--json | --markdown]
//
// A weights file imported with no Python (src/features/models/weights: zip + restricted pickle read,
// ONNX graphs whose weights are byte ranges of the file) against the same weights converted by
// python/mae_playground/convert_official.py and loaded as a model folder, in one process, on
// onnxruntime-node with the same session options:
// - load: parse + graph build, session creation, first reconstruction (one image at the ratio);
// - per image: encoder + decoder at B=1, interleaved rounds (a load that comes and goes hits both);
// - agreement: max |Δ| of pred between the two on the same inputs.
// Random weights of the official sizes are written in the official layout ({'model': state_dict},
// torch.save) by Python into .cache/weights/ on first use (never committed; ViT-L is 1.3 GB).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { argv, opt } from '../scripts/cli-args.mjs';
import { maeInputs, timeMae } from './kernel/mae-runs.mjs';
import { loadNodeModel } from '../src/cli/node-model.ts';
import { createImportedSessions, openWeightsFile } from '../src/cli/node-weights.ts';
import { importWeights } from '../src/features/models/weights/index.ts';

const asJson = argv.includes('--json');
const asMarkdown = argv.includes('--markdown');
const iters = Number(opt('iters', 5));
const rounds = Number(opt('rounds', 3));
const threads = Number(opt('threads', os.cpus().length));
const ratio = Number(opt('ratio', 0.75));
const modelNames = opt('models', 'vit-b16').split(',');
const opsList = opt('ops', 'gemm,matmul').split(',');
// --wasm: also onnxruntime-web's WASM backend in this Node process (the browser's kernels, without the page)
const withWasm = argv.includes('--wasm');
ortWeb.env.wasm.numThreads = threads;
const PY = process.env.MAE_PYTHON ?? '/usr/bin/python3';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pyEnv = { ...process.env, PYTHONPATH: path.join(root, 'python') };
const cacheDir = path.join(root, '.cache', 'weights');
const FACTORIES = { 'vit-b16': 'mae_vit_base_patch16', 'vit-l16': 'mae_vit_large_patch16', 'vit-h14': 'mae_vit_huge_patch14' };
const log = (...a) => {
  if (asJson) return;
  if (asMarkdown) console.error(...a);
  else console.log(...a);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x) => Math.round(x * 10) / 10;
const mb = (bytes) => Math.round(bytes / 1e6);

function ensureFiles(name) {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`unknown model ${name} (known: ${Object.keys(FACTORIES).join(', ')})`);
  const file = path.join(cacheDir, `${factory}.pth`);
  const folder = path.join(cacheDir, `${factory}-converted`);
  if (!fs.existsSync(file)) {
    log(`writing random ${factory} weights in the official layout to ${path.relative(root, file)} (one-off) ...`);
    execFileSync(PY, ['-m', 'mae_fixtures.weight_fixtures', '--official', factory, '--out', cacheDir], {
      cwd: root,
      env: pyEnv,
      stdio: 'ignore',
    });
  }
  if (!fs.existsSync(path.join(folder, 'manifest.json'))) {
    log(`converting it with convert_official.py to ${path.relative(root, folder)} (one-off) ...`);
    execFileSync(PY, ['-m', 'mae_playground.convert_official', file, '--out', folder], { cwd: root, env: pyEnv, stdio: 'ignore' });
  }
  return { file, folder };
}

async function firstReconstruction(encoder, decoder, manifest, Tensor = ort.Tensor) {
  const x = maeInputs(Tensor, manifest, ratio, 1);
  const { latent } = await encoder.run({ image: x.image, ids_keep: x.ids_keep });
  return (await decoder.run({ latent, ids_restore: x.ids_restore })).pred.data;
}

async function loadImported(file, graphOps) {
  const t0 = performance.now();
  const imported = await importWeights(await openWeightsFile(file), path.basename(file), { graphOps });
  const t1 = performance.now();
  const { encoder, decoder, readMs } = await createImportedSessions(imported, threads, file);
  const sessions = { encoder, decoder };
  const t2 = performance.now();
  const pred = await firstReconstruction(sessions.encoder, sessions.decoder, imported.manifest);
  const t3 = performance.now();
  const chunkBytes = imported.externalData.reduce((a, e) => a + e.data.size, 0);
  return {
    manifest: imported.manifest,
    sessions,
    pred,
    chunks: imported.externalData.length,
    chunkBytes,
    ms: { parseAndGraphs: t1 - t0, readChunks: readMs, sessions: t2 - t1, firstReconstruction: t3 - t2, total: t3 - t0 },
  };
}

/** The browser's path in Node: onnxruntime-web's WASM backend, external data as Blob slices of the file. */
async function loadImportedWasm(file, graphOps) {
  const t0 = performance.now();
  const imported = await importWeights(await openWeightsFile(file), path.basename(file), { graphOps });
  const t1 = performance.now();
  const byPath = new Map(imported.externalData.map((e) => [e.path, e.data]));
  const create = (graph, paths = []) =>
    ortWeb.InferenceSession.create(graph, {
      executionProviders: ['wasm'],
      externalData: paths.map((p) => ({ path: p, data: byPath.get(p) })),
    });
  const sessions = {
    encoder: await create(imported.encoder, imported.manifest.encoder.externalData),
    decoder: await create(imported.decoder, imported.manifest.decoder.externalData),
  };
  const t2 = performance.now();
  const pred = await firstReconstruction(sessions.encoder, sessions.decoder, imported.manifest, ortWeb.Tensor);
  const t3 = performance.now();
  return {
    manifest: imported.manifest,
    sessions,
    pred,
    Tensor: ortWeb.Tensor,
    ms: { parseAndGraphs: t1 - t0, sessions: t2 - t1, firstReconstruction: t3 - t2, total: t3 - t0 },
  };
}

/** A model folder on onnxruntime-web's WASM backend, from the graph files' bytes (as the worker loads a folder). */
async function loadFolderWasm(folder) {
  const t0 = performance.now();
  const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
  const sessions = {};
  for (const part of ['encoder', 'decoder']) {
    sessions[part] = await ortWeb.InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(folder, manifest[part].file))), {
      executionProviders: ['wasm'],
    });
  }
  const t1 = performance.now();
  const pred = await firstReconstruction(sessions.encoder, sessions.decoder, manifest, ortWeb.Tensor);
  const t2 = performance.now();
  return { manifest, sessions, pred, Tensor: ortWeb.Tensor, ms: { sessions: t1 - t0, firstReconstruction: t2 - t1, total: t2 - t0 } };
}

async function loadFolder(folder) {
  const t0 = performance.now();
  const model = await loadNodeModel(folder, { threads: threads });
  const t1 = performance.now();
  const pred = await firstReconstruction(model.sessions.encoder, model.sessions.decoder, model.manifest);
  const t2 = performance.now();
  return {
    manifest: model.manifest,
    sessions: model.sessions,
    pred,
    ms: { sessions: t1 - t0, firstReconstruction: t2 - t1, total: t2 - t0 },
  };
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const results = [];
for (const name of modelNames) {
  const { file, folder } = ensureFiles(name);
  const fileBytes = fs.statSync(file).size;
  log(`\n${name}: ${path.relative(root, file)} (${mb(fileBytes)} MB) vs ${path.relative(root, folder)}`);
  // Each side loads once (cold for the process, the file in the page cache for all: it was just written or read).
  const sides = [];
  for (const graphOps of opsList) {
    const imported = await loadImported(file, graphOps);
    log(
      `  imported (${graphOps}): parse + graphs ${round1(imported.ms.parseAndGraphs)} ms, sessions ${round1(imported.ms.sessions)} ms (of which reading the file ${round1(imported.ms.readChunks)} ms), first reconstruction ${round1(imported.ms.firstReconstruction)} ms`,
    );
    sides.push({ label: `imported (${graphOps})`, ...imported });
  }
  const converted = await loadFolder(folder);
  log(`  folder: sessions ${round1(converted.ms.sessions)} ms, first reconstruction ${round1(converted.ms.firstReconstruction)} ms`);
  sides.push({ label: 'folder (convert_official.py)', ...converted });
  if (withWasm) {
    // start onnxruntime-web's WASM runtime first (compile, thread pool), so no side pays for it
    await (
      await ortWeb.InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(root, 'models', 'default', 'decoder.onnx'))))
    ).release();
    for (const graphOps of opsList) {
      const wasmImported = await loadImportedWasm(file, graphOps);
      log(
        `  imported (${graphOps}) on WASM: sessions ${round1(wasmImported.ms.sessions)} ms, first reconstruction ${round1(wasmImported.ms.firstReconstruction)} ms`,
      );
      sides.push({ label: `imported (${graphOps}), WASM`, ...wasmImported });
    }
    const wasmFolder = await loadFolderWasm(folder);
    log(
      `  folder on WASM: sessions ${round1(wasmFolder.ms.sessions)} ms, first reconstruction ${round1(wasmFolder.ms.firstReconstruction)} ms`,
    );
    sides.push({ label: 'folder (convert_official.py), WASM', ...wasmFolder });
  }
  const inputs = new Map();
  const inputsFor = (Tensor) => {
    if (!inputs.has(Tensor)) inputs.set(Tensor, maeInputs(Tensor, converted.manifest, ratio, 1));
    return inputs.get(Tensor);
  };
  const perImage = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // interleaved, in a rotating order, so that a load that comes and goes hits every side alike
    for (let j = 0; j < sides.length; j++) {
      const i = (j + r) % sides.length;
      const s = sides[i].sessions;
      const x = inputsFor(sides[i].Tensor ?? ort.Tensor);
      await timeMae(s.encoder, s.decoder, x, 1, 1); // warm-up
      const t = await timeMae(s.encoder, s.decoder, x, 1, iters);
      perImage[i].push(...t.encoderMs.map((e, k) => e + t.decoderMs[k]));
    }
  }
  for (const [i, side] of sides.entries()) {
    results.push({
      model: name,
      side: side.label,
      fileMB: mb(fileBytes),
      chunks: side.chunks ?? null,
      bytesReadMB: side.chunkBytes === undefined ? null : mb(side.chunkBytes),
      loadMs: Object.fromEntries(Object.entries(side.ms).map(([k, v]) => [k, round1(v)])),
      perImageMs: round1(median(perImage[i])),
      runs: perImage[i].length,
      predMaxAbsDiffVsFolder: maxAbsDiff(side.pred, converted.pred),
    });
    log(`  ${side.label}: per image ${round1(median(perImage[i]))} ms (median of ${perImage[i].length})`);
  }
  results.push({ model: name, side: 'process', peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) });
  for (const s of sides) {
    await s.sessions.encoder.release();
    await s.sessions.decoder.release();
  }
}

const header = `Weights import benchmark, ${new Date().toISOString()}: ${os.cpus()[0]?.model.trim()}, ${os.cpus().length} cores, load average ${os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')}, onnxruntime-node, ${threads} threads, ratio ${ratio}, B=1, ${rounds} interleaved rounds of ${iters}`;
if (asJson) {
  console.log(JSON.stringify({ header, results }, null, 1));
} else {
  const rows = results.filter((r) => r.side !== 'process');
  const ms = (v) => (v === undefined ? '–' : v);
  const lines = [
    header,
    '',
    '| model | loaded as | file MB | read MB (chunks) | parse + graphs ms | sessions ms | first reconstruction ms | load total ms | per image ms | pred max abs diff vs folder |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.side} | ${r.fileMB} | ${r.bytesReadMB === null ? '–' : `${r.bytesReadMB} (${r.chunks})`} | ${ms(r.loadMs.parseAndGraphs)} | ${r.loadMs.sessions} | ${r.loadMs.firstReconstruction} | ${r.loadMs.total} | ${r.perImageMs} | ${r.predMaxAbsDiffVsFolder.toExponential(1)} |`,
    ),
    '',
    ...results
      .filter((r) => r.side === 'process')
      .map((r) => `${r.model}: peak RSS of the process (all sides loaded at once) ${r.peakRssMB} MB`),
    ...modelNames.map((name) => {
      const folderRow = rows.find((r) => r.model === name && r.side.startsWith('folder'));
      const best = rows.filter((r) => r.model === name && r.side.startsWith('imported')).sort((a, b) => a.perImageMs - b.perImageMs)[0];
      if (!folderRow || !best) return '';
      const ratioToFolder = best.perImageMs / folderRow.perImageMs;
      return `${name}: target "imported at least as fast per image as the converted folder": ${best.side} ${best.perImageMs} ms vs ${folderRow.perImageMs} ms (${ratioToFolder.toFixed(2)}x): ${ratioToFolder <= 1.05 ? 'met (within 5% noise or better)' : 'missed'}`;
    }),
  ];
  console.log(lines.join('\n'));
}

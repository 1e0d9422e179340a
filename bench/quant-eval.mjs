#!/usr/bin/env node
// npm run bench:quant [-- --json | --markdown] [--seeds 3] [--ratio 0.75] [--iters 10]
//
// Is a dynamic int8 variant of the bundled model worth it? Builds it with
// python/mae_playground/quantize_dynamic.py (python3-onnx only) into .cache/quant/ (per output column, and per
// tensor), then on the 12 sample photos x --seeds masks at --ratio, with the app's TypeScript core
// and onnxruntime-node:
//   - quality: masked MSE (normalised pixels, the MAE loss) of fp32 and of each int8 variant, its
//     relative change, and how far int8's prediction is from fp32's (mean / max |delta|);
//   - speed: per-image encoder + decoder time, B = 1 and B = 8, all cores, median of --iters
//     (interleaved across the variants).
// The browser side (onnxruntime-web WASM) of the same files: bench/browser-bench.mjs --model.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argv, opt } from '../scripts/cli-args.mjs';

await import('../src/cli/register-ts.mjs');
const core = await import('../src/mae/index.ts');
const { loadNodeModel, ort } = await import('../src/cli/node-model.ts');
const { decodeImage } = await import('../src/cli/image-io.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asJson = argv.includes('--json');
const asMarkdown = argv.includes('--markdown');
const seeds = Number(opt('seeds', 3));
const ratio = Number(opt('ratio', 0.75));
const iters = Number(opt('iters', 10));
const threads = os.cpus().length;
const PY = process.env.MAE_PYTHON ?? '/usr/bin/python3';
const log = (...a) => {
  if (!asJson) console.error(...a);
};

const variants = [
  { name: 'fp32', dir: join(root, 'models', 'default') },
  { name: 'int8 per-column', dir: join(root, '.cache', 'quant', 'default-int8'), args: [] },
  { name: 'int8 per-tensor', dir: join(root, '.cache', 'quant', 'default-int8-pt'), args: ['--per-tensor'] },
];
for (const v of variants) {
  if (!v.args) continue;
  const stale =
    !existsSync(join(v.dir, 'manifest.json')) || readFileSync(join(v.dir, 'manifest.json'), 'utf8').indexOf(readManifestSha()) < 0;
  if (stale || argv.includes('--rebuild')) {
    log(`quantising into ${v.dir} ...`);
    execFileSync(PY, ['-m', 'mae_playground.quantize_dynamic', 'models/default', v.dir, ...v.args], {
      cwd: root,
      env: { ...process.env, PYTHONPATH: join(root, 'python') }, // the Python side is a package: run as a module
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}

/** The int8 folders remember which fp32 files they came from: rebuild when the bundled model changes. */
function readManifestSha() {
  const m = JSON.parse(readFileSync(join(root, 'models', 'default', 'manifest.json'), 'utf8'));
  return m.files?.['encoder.onnx']?.sha256 ?? 'no-sha';
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Inputs: every sample photo, preprocessed exactly as the app does.
const sampleDir = join(root, 'public', 'samples');
const fp32Manifest = core.parseManifest(readFileSync(join(root, 'models', 'default', 'manifest.json'), 'utf8'));
const { imgSize, patchSize, mean, std } = fp32Manifest;
const L = core.numPatches(fp32Manifest);
const photos = readdirSync(sampleDir)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => ({
    name: f.replace(/\.jpg$/, ''),
    chw: core.toNormalizedChw(
      core.resizeShorterSideCenterCrop(core.compositeOnBackground(decodeImage(readFileSync(join(sampleDir, f)), f)), imgSize),
      mean,
      std,
    ),
  }));
const cases = photos.flatMap((p, i) =>
  Array.from({ length: seeds }, (_, s) => ({ photo: p, masks: core.randomMasking(core.imageSeed(s, i, false), L, ratio) })),
);

const results = [];
const models = [];
let fp32Preds = null;
for (const v of variants) {
  const model = await loadNodeModel(v.dir, { threads });
  models.push(model);
  const preds = [];
  const mses = [];
  for (const c of cases) {
    const r = await core.reconstruct(model.sessions, ort.Tensor, c.photo.chw, imgSize, c.masks);
    preds.push(r.pred);
    mses.push(core.maskedPatchMse(r.pred, core.patchify(c.photo.chw, imgSize, patchSize), c.masks.mask, patchSize * patchSize * 3));
  }
  const meanMse = mses.reduce((a, b) => a + b, 0) / mses.length;
  let sumAbs = 0;
  let maxAbs = 0;
  let n = 0;
  if (fp32Preds) {
    preds.forEach((p, k) => {
      const q = fp32Preds[k];
      for (let i = 0; i < p.length; i++) {
        const d = Math.abs(p[i] - q[i]);
        sumAbs += d;
        maxAbs = Math.max(maxAbs, d);
      }
      n += p.length;
    });
  } else {
    fp32Preds = preds;
  }
  const bytes = ['encoder.onnx', 'decoder.onnx'].reduce((a, f) => a + readFileSync(join(v.dir, f)).byteLength, 0);
  results.push({
    variant: v.name,
    dir: v.dir,
    megabytes: bytes / 1e6,
    maskedMse: meanMse,
    predMeanAbsDiff: n ? sumAbs / n : 0,
    predMaxAbsDiff: maxAbs,
  });
  log(`${v.name}: masked MSE ${meanMse.toFixed(4)}`);
}

// Speed, B = 1 and B = 8 at the same ratio, in rounds across the variants (a background load that
// comes and goes hits them alike).
const times = models.map(() => ({ b1: [], b8: [] }));
for (let i = 0; i < iters + 2; i++) {
  for (const [k, model] of models.entries()) {
    for (const B of [1, 8]) {
      const items = cases.slice(0, B).map((c) => ({ image: c.photo.chw, masks: core.randomMasking(1, L, ratio) }));
      const r = await core.reconstructBatch(model.sessions, ort.Tensor, items, imgSize);
      if (i >= 2) times[k][`b${B}`].push((r.encoderMs + r.decoderMs) / B);
    }
  }
}
for (const [k, model] of models.entries()) {
  results[k].msPerImageB1 = median(times[k].b1);
  results[k].msPerImageB8 = median(times[k].b8);
  log(`${results[k].variant}: B=1 ${results[k].msPerImageB1.toFixed(1)} ms/img, B=8 ${results[k].msPerImageB8.toFixed(1)} ms/img`);
  await model.release();
}

const base = results[0];
const report = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: threads, node: process.version },
  ratio,
  cases: cases.length,
  results: results.map((r) => ({
    ...r,
    mseChangePct: (100 * (r.maskedMse - base.maskedMse)) / base.maskedMse,
    speedupB1: base.msPerImageB1 / r.msPerImageB1,
    speedupB8: base.msPerImageB8 / r.msPerImageB8,
  })),
};
if (asJson) console.log(JSON.stringify(report, null, 2));
if (asMarkdown || !asJson) {
  const lines = [
    `Dynamic int8 vs fp32, onnxruntime-node ${ort.env.versions?.node ?? ''}, ${threads} threads, ${report.cases} cases (${photos.length} photos x ${seeds} masks at ratio ${ratio}), ${report.date}`,
    '',
    '| variant | MB | masked MSE | change | pred mean abs diff vs fp32 | max abs diff | ms/img B=1 | ms/img B=8 | speed-up B=1 / B=8 |',
    '|---|---|---|---|---|---|---|---|---|',
    ...report.results.map(
      (r) =>
        `| ${r.variant} | ${r.megabytes.toFixed(1)} | ${r.maskedMse.toFixed(4)} | ${r.mseChangePct >= 0 ? '+' : ''}${r.mseChangePct.toFixed(2)}% | ${r.predMeanAbsDiff.toFixed(4)} | ${r.predMaxAbsDiff.toFixed(3)} | ${r.msPerImageB1.toFixed(1)} | ${r.msPerImageB8.toFixed(1)} | ${r.speedupB1.toFixed(2)}x / ${r.speedupB8.toFixed(2)}x |`,
    ),
  ];
  console.log(lines.join('\n'));
}

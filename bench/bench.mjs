// npm run bench [-- --json] [--threads N] [--iters N] [--models default,vit-b16] [--no-torch]
// onnxruntime-node vs PyTorch eager (CPU, same thread count) for the bundled model and a randomly
// initialised official-size ViT-B/16 MAE (generated on demand into .cache/, never committed).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { decoderFlops, encoderFlops, lenKeep } from './flops.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const asJson = argv.includes('--json');
const threads = Number(opt('threads', os.cpus().length));
const iters = Number(opt('iters', 10));
const warmup = Number(opt('warmup', 3));
const ratios = opt('ratios', '0,0.5,0.75,0.9').split(',').map(Number);
const modelNames = opt('models', 'default,vit-b16').split(',');
const PY = process.env.MAE_PYTHON ?? '/usr/bin/python3';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cacheDir = path.join(root, '.cache', 'bench');
const log = (...a) => {
  if (!asJson) console.log(...a);
};

const hasTorch = !argv.includes('--no-torch') && spawnSync(PY, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;

function ensureModel(name) {
  if (name === 'default') return { dir: path.join(root, 'models', 'default'), weights: null };
  if (name === 'vit-b16') {
    const dir = path.join(cacheDir, 'vit-b16-random');
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
      if (!hasTorch) return null;
      log(`generating a random ViT-B/16 MAE in ${path.relative(root, dir)} (one-off, ~450 MB) ...`);
      execFileSync(PY, ['python/export_onnx.py', '--random', 'mae_vit_base_patch16', '--out', dir], { cwd: root, stdio: 'ignore' });
    }
    return { dir, weights: null, factory: 'mae_vit_base_patch16' };
  }
  throw new Error(`unknown model ${name}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

async function time(fn) {
  for (let i = 0; i < warmup; i++) await fn();
  const out = [];
  for (let i = 0; i < iters; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return { median: median(out), p10: quantile(out, 0.1), p90: quantile(out, 0.9) };
}

function masks(L, ratio, seed = 0) {
  // Any permutation gives the same timing; a fixed shuffle keeps runs comparable.
  const ids = Array.from({ length: L }, (_, i) => i);
  let s = seed + 1;
  for (let i = L - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const restore = new Array(L);
  ids.forEach((id, pos) => (restore[id] = pos));
  const keep = lenKeep(L, ratio);
  return {
    idsKeep: new ort.Tensor('int64', BigInt64Array.from(ids.slice(0, keep).map(BigInt)), [1, keep]),
    idsRestore: new ort.Tensor('int64', BigInt64Array.from(restore.map(BigInt)), [1, L]),
    keep,
  };
}

const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' };

async function benchOrt(dir) {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const enc = await ort.InferenceSession.create(path.join(dir, m.encoder.file), sessionOptions);
  const dec = await ort.InferenceSession.create(path.join(dir, m.decoder.file), sessionOptions);
  const L = (m.imgSize / m.patchSize) ** 2;
  const img = new Float32Array(3 * m.imgSize * m.imgSize).map((_, i) => Math.sin(i));
  const image = new ort.Tensor('float32', img, [1, 3, m.imgSize, m.imgSize]);
  const rows = [];
  for (const ratio of ratios) {
    const { idsKeep, idsRestore, keep } = masks(L, ratio);
    const { latent } = await enc.run({ image, ids_keep: idsKeep });
    const e = await time(() => enc.run({ image, ids_keep: idsKeep }));
    const d = await time(() => dec.run({ latent, ids_restore: idsRestore }));
    const t = await time(async () => {
      const out = await enc.run({ image, ids_keep: idsKeep });
      await dec.run({ latent: out.latent, ids_restore: idsRestore });
    });
    const fe = encoderFlops(m, keep);
    const fd = decoderFlops(m, keep);
    rows.push({
      ratio, visible: keep, encoderMs: e, decoderMs: d, totalMs: t,
      encoderGflop: fe / 1e9, decoderGflop: fd / 1e9,
      encoderGflops: fe / 1e6 / e.median, decoderGflops: fd / 1e6 / d.median, totalGflops: (fe + fd) / 1e6 / t.median,
    });
  }
  return { manifest: m, rows };
}

async function ortMatmulPeak(file) {
  const N = 1024;
  const s = await ort.InferenceSession.create(file, sessionOptions);
  const a = new ort.Tensor('float32', new Float32Array(N * N).fill(0.5), [N, N]);
  const b = new ort.Tensor('float32', new Float32Array(N * N).fill(0.25), [N, N]);
  const t = await time(() => s.run({ a, b }));
  return (2 * N ** 3) / 1e6 / t.median;
}

function benchTorch(model, m) {
  const args = ['python/bench_torch.py', '--threads', String(threads), '--iters', String(iters), '--warmup', String(warmup),
    '--ratios', ...ratios.map(String), '--matmul-onnx', path.join(cacheDir, 'matmul.onnx')];
  if (model.factory) args.push('--factory', model.factory);
  else args.push('--manifest', path.join(model.dir, 'manifest.json'), ...(model.weights ? ['--weights', model.weights] : []));
  const out = execFileSync(PY, args, { cwd: root, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads) } });
  return JSON.parse(out.trim().split('\n').pop());
}

fs.mkdirSync(cacheDir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, ort: ort.env.versions?.node },
  threads, iters, warmup, models: [],
};
if (!hasTorch) log('PyTorch: skipped (no python3-torch / python3-onnx under ' + PY + '): onnxruntime only, and no ViT-B/16 model can be generated');
for (const name of modelNames) {
  const model = ensureModel(name);
  if (!model) {
    log(`${name}: skipped (needs PyTorch to generate)`);
    continue;
  }
  // For the bundled model PyTorch runs random weights of the same shape: timings don't depend on values.
  const o = await benchOrt(model.dir);
  const entry = { name, title: o.manifest.name, ort: o.rows };
  if (hasTorch) entry.torch = benchTorch(model, o.manifest);
  report.models.push(entry);
  log(`\n${o.manifest.name}  (onnxruntime-node vs PyTorch eager, ${threads} threads, median of ${iters})`);
  log('ratio  visible  enc ms   dec ms   total ms  GFLOP/s   | torch enc  torch dec  torch total  speed-up');
  o.rows.forEach((r, i) => {
    const t = entry.torch?.results[i];
    log(
      `${r.ratio.toFixed(2).padEnd(6)} ${String(r.visible).padEnd(8)} ${r.encoderMs.median.toFixed(1).padStart(6)}   ${r.decoderMs.median.toFixed(1).padStart(6)}   ${r.totalMs.median.toFixed(1).padStart(7)}   ${r.totalGflops.toFixed(1).padStart(6)}   |` +
        (t ? ` ${t.encoderMs.toFixed(1).padStart(8)}  ${t.decoderMs.toFixed(1).padStart(9)}  ${t.totalMs.toFixed(1).padStart(11)}  ${(t.totalMs / r.totalMs.median).toFixed(2)}x` : ' (no torch)'),
    );
  });
  const r0 = o.rows.find((r) => r.ratio === 0);
  const r75 = o.rows.find((r) => r.ratio === 0.75);
  if (r0 && r75) log(`encoder speed-up at 0.75 vs 0: ${(r0.encoderMs.median / r75.encoderMs.median).toFixed(2)}x (FLOP ratio ${(r0.encoderGflop / r75.encoderGflop).toFixed(2)}x)`);
}
if (hasTorch && fs.existsSync(path.join(cacheDir, 'matmul.onnx'))) {
  report.matmulPeak = { ortGflops: await ortMatmulPeak(path.join(cacheDir, 'matmul.onnx')), torchGflops: report.models[0]?.torch?.matmulGflops };
  log(`\nmatmul 1024³ peak: onnxruntime ${report.matmulPeak.ortGflops.toFixed(1)} GFLOP/s, PyTorch ${report.matmulPeak.torchGflops?.toFixed(1)} GFLOP/s`);
}
if (asJson) console.log(JSON.stringify(report));

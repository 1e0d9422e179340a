// npm run bench [-- --json | --markdown] [--threads N] [--iters N] [--models default,vit-b16] [--no-torch] [--batch 8]
// onnxruntime-node vs PyTorch eager (CPU, same thread count) for the bundled model and a randomly
// initialised official-size ViT-B/16 MAE (generated on demand into .cache/, never committed).
// --batch B also times the bundled model with B images per call (what the app does with a grid).
// The end of the output checks the targets of docs/BENCHMARKS.md with this run's numbers.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { decoderFlops, encoderFlops, lenKeep } from './flops.mjs';
import { argv, opt } from '../scripts/cli-args.mjs';
import { nativeSessionOptions } from './kernel/mae-runs.mjs';

const asJson = argv.includes('--json');
const asMarkdown = argv.includes('--markdown');
const batch = Number(opt('batch', 8));
const threads = Number(opt('threads', os.cpus().length));
const iters = Number(opt('iters', 10));
const warmup = Number(opt('warmup', 3));
const ratios = opt('ratios', '0,0.5,0.75,0.9').split(',').map(Number);
const modelNames = opt('models', 'default,vit-b16').split(',');
const PY = process.env.MAE_PYTHON ?? '/usr/bin/python3';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// The Python side is a package (python/mae_playground): its scripts run as modules with python/ on the path.
const pyEnv = { ...process.env, PYTHONPATH: path.join(root, 'python') };
const cacheDir = path.join(root, '.cache', 'bench');
// Progress and the plain tables: stdout normally, stderr with --markdown (stdout = the markdown only).
const log = (...a) => {
  if (asJson) return;
  if (asMarkdown) console.error(...a);
  else console.log(...a);
};

const hasTorch = !argv.includes('--no-torch') && spawnSync(PY, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;

function ensureModel(name) {
  if (name === 'default') return { dir: path.join(root, 'models', 'default'), weights: null };
  if (name === 'vit-b16') {
    const dir = path.join(cacheDir, 'vit-b16-random');
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
      if (!hasTorch) return null;
      log(`generating a random ViT-B/16 MAE in ${path.relative(root, dir)} (one-off, ~450 MB) ...`);
      execFileSync(PY, ['-m', 'mae_playground.export_onnx', '--random', 'mae_vit_base_patch16', '--out', dir], {
        cwd: root,
        env: pyEnv,
        stdio: 'ignore',
      });
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
  return { median: median(out), min: Math.min(...out), p10: quantile(out, 0.1), p90: quantile(out, 0.9) };
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

// No thread-pool spinning: encoder and decoder are two sessions, and a pool that spins after its
// run takes a core from the other (bench/kernel/mae-runs.mjs). src/cli/node-model.ts does the same.
const sessionOptions = nativeSessionOptions(threads, false);

/** The bundled model with B images per call: per-image time and GFLOP/s. */
async function benchOrtBatched(dir, B) {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const enc = await ort.InferenceSession.create(path.join(dir, m.encoder.file), sessionOptions);
  const dec = await ort.InferenceSession.create(path.join(dir, m.decoder.file), sessionOptions);
  const L = (m.imgSize / m.patchSize) ** 2;
  const img = new Float32Array(B * 3 * m.imgSize * m.imgSize).map((_, i) => Math.sin(i));
  const image = new ort.Tensor('float32', img, [B, 3, m.imgSize, m.imgSize]);
  const rows = [];
  for (const ratio of ratios) {
    const one = masks(L, ratio);
    const keepData = one.idsKeep.data;
    const restoreData = one.idsRestore.data;
    const idsKeep = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * one.keep }, (_, i) => keepData[i % one.keep]),
      [B, one.keep],
    );
    const idsRestore = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * L }, (_, i) => restoreData[i % L]),
      [B, L],
    );
    const t = await time(async () => {
      const out = await enc.run({ image, ids_keep: idsKeep });
      await dec.run({ latent: out.latent, ids_restore: idsRestore });
    });
    const f = encoderFlops(m, one.keep) + decoderFlops(m, one.keep);
    rows.push({ ratio, batch: B, perImageMs: t.median / B, callMs: t, gflops: (B * f) / 1e6 / t.median });
  }
  await enc.release();
  await dec.release();
  return rows;
}

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
      ratio,
      visible: keep,
      encoderMs: e,
      decoderMs: d,
      totalMs: t,
      encoderGflop: fe / 1e9,
      decoderGflop: fd / 1e9,
      encoderGflops: fe / 1e6 / e.median,
      decoderGflops: fd / 1e6 / d.median,
      totalGflops: (fe + fd) / 1e6 / t.median,
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
  // A peak is the best the CPU did: the fastest run, not the median (both engines alike).
  return (2 * N ** 3) / 1e6 / t.min;
}

function benchTorch(model) {
  const args = [
    '-m',
    'mae_playground.bench_torch',
    '--threads',
    String(threads),
    '--iters',
    String(iters),
    '--warmup',
    String(warmup),
    '--ratios',
    ...ratios.map(String),
    '--matmul-onnx',
    path.join(cacheDir, 'matmul.onnx'),
  ];
  if (model.factory) args.push('--factory', model.factory);
  else args.push('--manifest', path.join(model.dir, 'manifest.json'), ...(model.weights ? ['--weights', model.weights] : []));
  const out = execFileSync(PY, args, { cwd: root, encoding: 'utf8', env: { ...pyEnv, OMP_NUM_THREADS: String(threads) } });
  return JSON.parse(out.trim().split('\n').pop());
}

fs.mkdirSync(cacheDir, { recursive: true });
const report = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    ort: ort.env.versions?.node,
  },
  threads,
  iters,
  warmup,
  models: [],
};
// The matmul peak moves with the machine's load: measure it at the start (when the graph exists
// from an earlier run) and at the end, and keep the best (the most conservative denominator).
const matmulFile = path.join(cacheDir, 'matmul.onnx');
const ortPeaks = [];
if (hasTorch && fs.existsSync(matmulFile)) ortPeaks.push(await ortMatmulPeak(matmulFile));
if (!hasTorch)
  log('PyTorch: skipped (no python3-torch / python3-onnx under ' + PY + '): onnxruntime only, and no ViT-B/16 model can be generated');
for (const name of modelNames) {
  const model = ensureModel(name);
  if (!model) {
    log(`${name}: skipped (needs PyTorch to generate)`);
    continue;
  }
  // For the bundled model PyTorch runs random weights of the same shape: timings don't depend on values.
  const o = await benchOrt(model.dir);
  const entry = { name, title: o.manifest.name, ort: o.rows };
  if (hasTorch) entry.torch = benchTorch(model);
  report.models.push(entry);
  log(`\n${o.manifest.name}  (onnxruntime-node vs PyTorch eager, ${threads} threads, median of ${iters})`);
  log('ratio  visible  enc ms   dec ms   total ms  GFLOP/s   | torch enc  torch dec  torch total  speed-up');
  o.rows.forEach((r, i) => {
    const t = entry.torch?.results[i];
    log(
      `${r.ratio.toFixed(2).padEnd(6)} ${String(r.visible).padEnd(8)} ${r.encoderMs.median.toFixed(1).padStart(6)}   ${r.decoderMs.median.toFixed(1).padStart(6)}   ${r.totalMs.median.toFixed(1).padStart(7)}   ${r.totalGflops.toFixed(1).padStart(6)}   |` +
        (t
          ? ` ${t.encoderMs.toFixed(1).padStart(8)}  ${t.decoderMs.toFixed(1).padStart(9)}  ${t.totalMs.toFixed(1).padStart(11)}  ${(t.totalMs / r.totalMs.median).toFixed(2)}x`
          : ' (no torch)'),
    );
  });
  const r0 = o.rows.find((r) => r.ratio === 0);
  const r75 = o.rows.find((r) => r.ratio === 0.75);
  if (r0 && r75)
    log(
      `encoder speed-up at 0.75 vs 0: ${(r0.encoderMs.median / r75.encoderMs.median).toFixed(2)}x (FLOP ratio ${(r0.encoderGflop / r75.encoderGflop).toFixed(2)}x)`,
    );
  if (name === 'default' && batch > 1) {
    entry.ortBatched = await benchOrtBatched(model.dir, batch);
    log(
      `batched, ${batch} images per call: ` +
        entry.ortBatched.map((b) => `ratio ${b.ratio}: ${b.perImageMs.toFixed(1)} ms/img, ${b.gflops.toFixed(1)} GFLOP/s`).join('; '),
    );
  }
}
if (hasTorch && fs.existsSync(matmulFile)) {
  ortPeaks.push(await ortMatmulPeak(matmulFile));
  const torchPeaks = report.models.map((m) => m.torch?.matmulGflops ?? 0);
  report.matmulPeak = {
    ortGflops: Math.max(...ortPeaks),
    torchGflops: Math.max(...torchPeaks),
    ortSamples: ortPeaks,
    torchSamples: torchPeaks,
  };
  log(
    `\nmatmul 1024³ peak: onnxruntime ${report.matmulPeak.ortGflops.toFixed(1)} GFLOP/s, PyTorch ${report.matmulPeak.torchGflops?.toFixed(1)} GFLOP/s`,
  );
}
report.targets = targets(report);
if (asMarkdown) console.log(markdown(report));
else for (const t of report.targets) log(`target: ${t.target}: ${t.value} -> ${t.status}`);
if (asJson) console.log(JSON.stringify(report));

/** The issue's targets, from this run's numbers only (ratios within one run). */
function targets(r) {
  const out = [];
  const fmt = (x) => `${x.toFixed(2)}x`;
  for (const mdl of r.models) {
    if (!mdl.torch) continue;
    const sp = mdl.ort.map((o, i) => ({ ratio: o.ratio, x: mdl.torch.results[i].totalMs / o.totalMs.median }));
    const worst = sp.reduce((a, b) => (b.x < a.x ? b : a));
    out.push({
      target: `${mdl.name}: onnxruntime-node >= 1.5x faster than PyTorch eager (same threads), every ratio`,
      value: sp.map((x) => `${x.ratio}: ${fmt(x.x)}`).join(', '),
      status: worst.x >= 1.5 ? 'reached' : `missed (worst ${fmt(worst.x)} at ${worst.ratio})`,
    });
  }
  const vb = r.models.find((m) => m.name === 'vit-b16');
  if (vb) {
    const e0 = vb.ort.find((o) => o.ratio === 0);
    const e75 = vb.ort.find((o) => o.ratio === 0.75);
    if (e0 && e75) {
      const x = e0.encoderMs.median / e75.encoderMs.median;
      out.push({
        target: 'ViT-B/16 encoder at ratio 0.75 >= 3x faster than at ratio 0 (onnxruntime-node)',
        value: `${fmt(x)} (FLOP ratio ${fmt(e0.encoderGflop / e75.encoderGflop)})`,
        status: x >= 3 ? 'reached' : 'missed',
      });
    }
  }
  const def = r.models.find((m) => m.name === 'default');
  const peak = r.matmulPeak ? Math.max(r.matmulPeak.ortGflops ?? 0, r.matmulPeak.torchGflops ?? 0) : 0;
  if (def && peak > 0) {
    const best1 = def.ort.reduce((a, b) => (b.totalGflops > a.totalGflops ? b : a));
    const at75 = def.ort.find((o) => o.ratio === 0.75);
    const bb = def.ortBatched?.reduce((a, b) => (b.gflops > a.gflops ? b : a));
    const b75 = def.ortBatched?.find((o) => o.ratio === 0.75);
    const pct = (g) => `${((100 * g) / peak).toFixed(0)}%`;
    const parts = [
      `peak ${peak.toFixed(1)} GFLOP/s (best onnxruntime or PyTorch 1024³ matmul of the run)`,
      `B=1: ${pct(best1.totalGflops)} at ratio ${best1.ratio}${at75 ? `, ${pct(at75.totalGflops)} at 0.75` : ''}`,
    ];
    if (bb) parts.push(`B=${bb.batch}: ${pct(bb.gflops)} at ratio ${bb.ratio}${b75 ? `, ${pct(b75.gflops)} at 0.75` : ''}`);
    const best = Math.max(best1.totalGflops, bb?.gflops ?? 0);
    out.push({
      target: 'bundled model >= 30% of the measured matmul peak (GFLOP/s)',
      value: parts.join('; '),
      status: best >= 0.3 * peak ? 'reached' : 'missed',
    });
  }
  return out;
}

function markdown(r) {
  const L = [];
  L.push(
    `Node benchmark, ${r.date}: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memGiB} GiB, Node ${r.machine.node}, onnxruntime-node ${r.machine.ort}, ${r.threads} threads, median of ${r.iters} (after ${r.warmup} warm-up runs)`,
  );
  for (const m of r.models) {
    L.push('', `**${m.title}** (${m.name})`, '');
    L.push(
      '| ratio | visible | ORT enc ms | ORT dec ms | ORT total ms | GFLOP | GFLOP/s | torch enc ms | torch dec ms | torch total ms | ORT speed-up |',
    );
    L.push('|---|---|---|---|---|---|---|---|---|---|---|');
    m.ort.forEach((o, i) => {
      const t = m.torch?.results[i];
      const cells = [
        o.ratio.toFixed(2),
        o.visible,
        o.encoderMs.median.toFixed(1),
        o.decoderMs.median.toFixed(1),
        o.totalMs.median.toFixed(1),
        (o.encoderGflop + o.decoderGflop).toFixed(2),
        o.totalGflops.toFixed(1),
        t ? t.encoderMs.toFixed(1) : '–',
        t ? t.decoderMs.toFixed(1) : '–',
        t ? t.totalMs.toFixed(1) : '–',
        t ? `${(t.totalMs / o.totalMs.median).toFixed(2)}x` : '–',
      ];
      L.push(`| ${cells.join(' | ')} |`);
    });
    if (m.ortBatched) {
      L.push('', `Batched (onnxruntime-node, ${m.ortBatched[0].batch} images per call):`, '');
      L.push('| ratio | ms per image | call ms | GFLOP/s |', '|---|---|---|---|');
      for (const b of m.ortBatched)
        L.push(`| ${b.ratio.toFixed(2)} | ${b.perImageMs.toFixed(1)} | ${b.callMs.median.toFixed(1)} | ${b.gflops.toFixed(1)} |`);
    }
  }
  if (r.matmulPeak)
    L.push(
      '',
      `Matmul 1024³: onnxruntime ${r.matmulPeak.ortGflops.toFixed(1)} GFLOP/s, PyTorch ${r.matmulPeak.torchGflops?.toFixed(1) ?? '–'} GFLOP/s`,
    );
  if (r.targets.length > 0) {
    L.push('', '| target | this run | status |', '|---|---|---|');
    for (const t of r.targets) L.push(`| ${t.target} | ${t.value} | ${t.status} |`);
  }
  return L.join('\n');
}

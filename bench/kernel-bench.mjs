#!/usr/bin/env node
// npm run bench:kernels [-- --json | --markdown] [--model default] [--threads 1,2] [--rounds 5]
//     [--ratio 0.75]
//
// Where the "browser WASM within 2x of native" target stands, measured without the app around it:
// onnxruntime-web's WASM build in a bare module worker in headless Debian Chromium (cross-origin
// isolated, so its threads run) against onnxruntime-node in this process, on
//   - the same MAE model files, same inputs, same batch (1 and 8) and thread count, and
//   - one 1024 x 1024 x 1024 fp32 MatMul: the kernel that dominates the model, i.e. the ceiling
//     for any model-level ratio.
// Native runs twice per thread count: with onnxruntime's default thread-pool spinning (what the
// app's WASM sessions use too) and with `session.intra_op.allow_spinning = 0`, because on two cores
// two sessions' spinning pools get in each other's way; the ratio is taken against the faster one.
// WASM and native alternate in rounds, so a background load that comes and goes hits both alike.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { argv, opt } from '../scripts/cli-args.mjs';
import { maeInputs, MATMUL_N, matmulInputs, nativeSessionOptions, timeMae, timeRuns } from './kernel/mae-runs.mjs';

await import('../src/cli/register-ts.mjs');
const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('../e2e/config.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asJson = argv.includes('--json');
const asMarkdown = argv.includes('--markdown');
const modelId = opt('model', 'default');
const threadCounts = opt('threads', '1,2').split(',').map(Number);
const rounds = Number(opt('rounds', 5));
const ratio = Number(opt('ratio', 0.75));
const log = (...a) => (asJson || asMarkdown ? console.error(...a) : console.log(...a));

// A 1024³ MatMul graph (inputs a, b: float32 [1024, 1024]; output c), 133 bytes, as written by
// torch.onnx.export of `a @ b` (what `npm run bench` generates into .cache/bench/matmul.onnx).
const MATMUL_ONNX = Buffer.from(
  'CAgSB3B5dG9yY2gaBjEuMTMuMDpsChoKAWEKAWISAWMaBy9NYXRNdWwiBk1hdE11bBIJdG9yY2hfaml0WhUKAWESEAoOCAESCgoDCIAICgMIgAhaFQoBYhIQCg4IARIKCgMIgAgKAwiACGIVCgFjEhAKDggBEgoKAwiACAoDCIAIQgIQEQ==',
  'base64',
);
const MATMUL_FLOP = 2 * MATMUL_N ** 3;

// ---- a static server with cross-origin isolation (the app's own headers: COOP + COEP) ----------
const mounts = [
  ['/ort/', join(root, 'node_modules', 'onnxruntime-web', 'dist')],
  ['/models/', join(root, 'models')],
  ['/kernel/', join(root, 'bench', 'kernel')],
];
const types = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.html': 'text/html',
};
const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost').pathname;
  if (url === '/') {
    res.writeHead(200, { 'content-type': 'text/html', ...isolation });
    res.end('<!doctype html><title>kernel bench</title><p>bench:kernels</p>');
    return;
  }
  const mount = mounts.find(([prefix]) => url.startsWith(prefix));
  const file = mount && normalize(join(mount[1], decodeURIComponent(url.slice(mount[0].length))));
  if (!file || !file.startsWith(mount[1] + sep) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, isolation);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', ...isolation });
  createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

// ---- native: the same inputs and loop as bench/kernel/worker.mjs (bench/kernel/mae-runs.mjs) ------
const modelDir = join(root, 'models', modelId);
const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8'));

async function openNative(threads, spinning) {
  const options = nativeSessionOptions(threads, spinning);
  const encoder = await ort.InferenceSession.create(join(modelDir, manifest.encoder.file), options);
  const decoder = await ort.InferenceSession.create(join(modelDir, manifest.decoder.file), options);
  const matmul = await ort.InferenceSession.create(MATMUL_ONNX, options);
  const inputs = new Map([1, 8].map((B) => [B, maeInputs(ort.Tensor, manifest, ratio, B)]));
  const matmulFeeds = matmulInputs(ort.Tensor);
  return {
    model: ({ batch, iters }) => timeMae(encoder, decoder, inputs.get(batch), batch, iters),
    matmul: async ({ iters }) => ({ ms: await timeRuns(matmul, matmulFeeds, iters) }),
    async close() {
      await Promise.all([encoder.release(), decoder.release(), matmul.release()]);
    },
  };
}

// ---- WASM: one bare worker per thread count, all in one cross-origin isolated page -------------
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
const page = await browser.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
await page.goto(`${origin}/`);
if (!(await page.evaluate(() => self.crossOriginIsolated))) throw new Error('the bench page is not cross-origin isolated');
await page.evaluate(() => {
  const workers = new Map();
  let nextId = 0;
  const call = (w, msg) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (ev) => {
        if (ev.data.id !== id) return;
        w.removeEventListener('message', onMessage);
        if (ev.data.error) reject(new Error(ev.data.error));
        else resolve(ev.data.result);
      };
      w.addEventListener('message', onMessage);
      w.postMessage({ id, ...msg });
    });
  window.kernelBench = {
    async open(threads, args) {
      const w = new Worker('/kernel/worker.mjs', { type: 'module' });
      workers.set(threads, w);
      return call(w, { type: 'init', threads, ...args });
    },
    run: (threads, msg) => call(workers.get(threads), msg),
  };
});

const sides = {}; // `${side}:t${threads}` -> runner with model() / matmul()
for (const threads of threadCounts) {
  log(`opening WASM (${threads} thread${threads > 1 ? 's' : ''}) and native sessions ...`);
  const info = await page.evaluate(
    ([threads, args]) => window.kernelBench.open(threads, { ...args, matmulBytes: new Uint8Array(args.matmulBytes).buffer }),
    [threads, { modelUrl: `${origin}/models/${modelId}/`, matmulBytes: [...MATMUL_ONNX], ratio }],
  );
  if (!info.crossOriginIsolated) throw new Error('the WASM worker is not cross-origin isolated: its threads would not run');
  sides[`wasm:t${threads}`] = {
    model: (a) => page.evaluate(([t, a]) => window.kernelBench.run(t, { type: 'model', ...a }), [threads, a]),
    matmul: (a) => page.evaluate(([t, a]) => window.kernelBench.run(t, { type: 'matmul', ...a }), [threads, a]),
  };
  sides[`native:t${threads}`] = await openNative(threads, true);
  sides[`native-nospin:t${threads}`] = await openNative(threads, false);
}

// Samples: key `${side}:t${threads}:${what}` -> arrays.
const samples = {};
const add = (key, part, values) => {
  samples[key] ??= {};
  (samples[key][part] ??= []).push(...values);
};
const steps = [
  { what: 'b1', args: { batch: 1, iters: 6 }, warm: { batch: 1, iters: 3 } },
  { what: 'b8', args: { batch: 8, iters: 2 }, warm: { batch: 8, iters: 1 } },
  { what: 'matmul', args: { iters: 3 }, warm: { iters: 2 } },
];
const runStep = async (runner, step, args) => (step.what === 'matmul' ? runner.matmul(args) : runner.model(args));
for (const [name, runner] of Object.entries(sides)) {
  for (const step of steps) await runStep(runner, step, step.warm);
  log(`warmed up ${name}`);
}
for (let r = 0; r < rounds; r++) {
  for (const step of steps) {
    for (const [name, runner] of Object.entries(sides)) {
      const out = await runStep(runner, step, step.args);
      for (const [part, values] of Object.entries(out)) add(`${name}:${step.what}`, part, values);
    }
  }
  log(`round ${r + 1}/${rounds} done`);
}
for (const runner of Object.values(sides)) await runner.close?.();
await browser.close();
server.close();

// ---- summary --------------------------------------------------------------------------------------
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (x) => Math.round(x * 100) / 100;
const results = [];
for (const threads of threadCounts) {
  for (const what of ['b1', 'b8']) {
    const row = { threads, batch: what === 'b1' ? 1 : 8 };
    for (const side of ['wasm', 'native', 'native-nospin']) {
      const s = samples[`${side}:t${threads}:${what}`];
      const total = s.encoderMs.map((e, i) => e + s.decoderMs[i]);
      row[side] = {
        encoderMs: round2(median(s.encoderMs)),
        decoderMs: round2(median(s.decoderMs)),
        perImageMs: round2(median(total)),
        samples: total.length,
      };
    }
    row.bestNative = row.native.perImageMs <= row['native-nospin'].perImageMs ? 'native' : 'native-nospin';
    row.ratio = round2(row.wasm.perImageMs / row[row.bestNative].perImageMs);
    row.ratioSameSettings = round2(row.wasm.perImageMs / row.native.perImageMs);
    results.push(row);
  }
}
const matmul = threadCounts.map((threads) => {
  const gflops = (side) => MATMUL_FLOP / 1e6 / median(samples[`${side}:t${threads}:matmul`].ms);
  const wasm = gflops('wasm');
  const native = Math.max(gflops('native'), gflops('native-nospin'));
  return { threads, wasmGflops: round2(wasm), nativeGflops: round2(native), ratio: round2(native / wasm) };
});
const report = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    browser: browser.version?.() ?? null,
    ortNode: ort.env.versions?.node,
    ortWeb: JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-web', 'package.json'), 'utf8')).version,
  },
  model: modelId,
  ratio,
  rounds,
  results,
  matmul,
  pageErrors,
};

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const L = [];
  L.push(
    `Kernel benchmark, ${report.date}: ${report.machine.cpu}, ${report.machine.cores} cores, onnxruntime-web ${report.machine.ortWeb} (WASM, bare worker) vs onnxruntime-node ${report.machine.ortNode}, model ${modelId}, ratio ${ratio}, ${rounds} interleaved rounds`,
  );
  L.push('');
  L.push(
    '| threads | batch | WASM enc / dec / total ms per image | native (spinning) total | native (no spinning) total | WASM vs best native | vs native, same settings |',
  );
  L.push('|---|---|---|---|---|---|---|');
  for (const r of results) {
    L.push(
      `| ${r.threads} | ${r.batch} | ${r.wasm.encoderMs} / ${r.wasm.decoderMs} / ${r.wasm.perImageMs} | ${r.native.perImageMs} | ${r['native-nospin'].perImageMs} | ${r.ratio.toFixed(2)}x | ${r.ratioSameSettings.toFixed(2)}x |`,
    );
  }
  L.push('');
  L.push('| threads | 1024³ MatMul: WASM GFLOP/s | native GFLOP/s | native / WASM |');
  L.push('|---|---|---|---|');
  for (const m of matmul) L.push(`| ${m.threads} | ${m.wasmGflops.toFixed(1)} | ${m.nativeGflops.toFixed(1)} | ${m.ratio.toFixed(2)}x |`);
  if (pageErrors.length) L.push('', `Page errors: ${pageErrors.join('; ')}`);
  console.log(L.join('\n'));
}
if (pageErrors.length) process.exitCode = 1;

#!/usr/bin/env node
// npm run bench:webgpu-builds [-- --builds jsep,native,native-jspi] [--iters 3] [--rounds 1] [--model default] [--markdown]
//
// onnxruntime-web ships two WebGPU builds (node_modules/onnxruntime-web/dist, no download):
//   jsep   `onnxruntime-web` (ort.min.mjs + ort-wasm-simd-threaded.jsep.{mjs,wasm}): the WebGPU kernels
//          written in TypeScript/WGSL around the WASM core; what the page's worker imports for WebGPU;
//   native `onnxruntime-web/webgpu` (ort.webgpu.min.mjs + ort-wasm-simd-threaded.asyncify.{mjs,wasm}):
//          onnxruntime's C++ WebGPU execution provider compiled into the WASM module (Asyncify);
//   native-jspi `onnxruntime-web/jspi` (ort.jspi.min.mjs + ...jspi.{mjs,wasm}): the same provider
//          built with JavaScript Promise Integration instead of Asyncify (a smaller module).
// Each build runs the bundled model (models/<model>, encoder + decoder at B=1, ratio 0.75, the
// reference case goldfinch/r0.75/s0) in its own fresh headless Chromium (the e2e flags: WebGPU is
// SwiftShader here), on a page served by this script with COOP/COEP. Reported per build: module
// download + session creation, first run, median of --iters warm runs, max|pred - reference|, the
// .wasm size, and the browser's resident memory (sum over its processes, /proc) after the runs.
// With --rounds N the builds alternate N times (fresh browsers each time), so a background load that
// varies hits them alike. No timed assertion: numbers for docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { argv, opt } from '../scripts/cli-args.mjs';

await import('../src/cli/register-ts.mjs');
const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('../e2e/config.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ortDist = join(root, 'node_modules', 'onnxruntime-web', 'dist');
const BUILDS = {
  jsep: { module: 'ort.min.mjs', wasm: 'ort-wasm-simd-threaded.jsep.wasm' },
  native: { module: 'ort.webgpu.min.mjs', wasm: 'ort-wasm-simd-threaded.asyncify.wasm' },
  'native-jspi': { module: 'ort.jspi.min.mjs', wasm: 'ort-wasm-simd-threaded.jspi.wasm' },
};
const builds = opt('builds', 'jsep,native,native-jspi').split(',');
for (const b of builds) if (!(b in BUILDS)) throw new Error(`unknown build ${b} (${Object.keys(BUILDS).join(', ')})`);
const iters = Number(opt('iters', 3));
const rounds = Number(opt('rounds', 1));
const modelId = opt('model', 'default');
const asMarkdown = argv.includes('--markdown');
const modelDir = join(root, 'models', modelId);
if (!/^[\w-]+$/.test(modelId) || !existsSync(join(modelDir, 'manifest.json'))) throw new Error(`no model folder models/${modelId}/`);

// ---- the reference case (tests/reference/<model>, from the Python export) ----
const refDir = join(root, 'tests', 'reference', modelId);
const refJson = JSON.parse(readFileSync(join(refDir, 'reference.json'), 'utf8'));
const refBin = readFileSync(join(refDir, 'reference.bin'));
const array = (name) => {
  const a = refJson.arrays.find((x) => x.name === name);
  if (!a) throw new Error(`reference: no ${name}`);
  return { dtype: a.dtype, shape: a.shape, b64: refBin.subarray(a.offset, a.offset + a.bytes).toString('base64') };
};
const KEY = 'goldfinch/r0.75/s0';
const has = (name) => refJson.arrays.some((x) => x.name === name);
const gridSide = refJson.imgSize / JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')).patchSize;
const grid = `grid/${gridSide}x${gridSide}`;
const reference = {
  // contract v2 folders take the position tables as inputs (the reference holds them per grid)
  ...(has(`${grid}/pos_embed`) ? { posEmbed: array(`${grid}/pos_embed`), decoderPosEmbed: array(`${grid}/decoder_pos_embed`) } : {}),
  image: array('goldfinch/image'),
  idsKeep: array(`${KEY}/ids_keep`),
  idsRestore: array(`${KEY}/ids_restore`),
  pred: array(`${KEY}/pred`),
};

// ---- a static server with cross-origin isolation (threads need SharedArrayBuffer) ----
const TYPES = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.json': 'application/json',
  '.html': 'text/html',
};
const PAGE = `<!doctype html><meta charset="utf-8"><title>webgpu builds</title><script type="module">
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
window.runBench = async (build, iters, ref) => {
  const t0 = performance.now();
  const ort = await import('/ort/' + build.module);
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.logLevel = 'error';
  const adapter = await navigator.gpu?.requestAdapter();
  const features = adapter ? [...adapter.features] : [];
  const opts = { executionProviders: ['webgpu'], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  const manifest = await (await fetch('/model/manifest.json')).json();
  const create = (part) =>
    ort.InferenceSession.create('/model/' + part.file, { ...opts, externalData: (part.externalData ?? []).map((p) => ({ path: p, data: '/model/' + p })) });
  const encoder = await create(manifest.encoder);
  const decoder = await create(manifest.decoder);
  const createMs = performance.now() - t0;
  const f32 = (a) => new Float32Array(b64(a.b64).buffer);
  const i64 = (a) => new BigInt64Array(b64(a.b64).buffer);
  const run = async () => {
    const image = new ort.Tensor('float32', f32(ref.image), ref.image.shape);
    const ids_keep = new ort.Tensor('int64', i64(ref.idsKeep), ref.idsKeep.shape);
    const ids_restore = new ort.Tensor('int64', i64(ref.idsRestore), ref.idsRestore.shape);
    const pos = encoder.inputNames.includes('pos_embed') ? { pos_embed: new ort.Tensor('float32', f32(ref.posEmbed), ref.posEmbed.shape) } : {};
    const dpos = decoder.inputNames.includes('decoder_pos_embed')
      ? { decoder_pos_embed: new ort.Tensor('float32', f32(ref.decoderPosEmbed), ref.decoderPosEmbed.shape) }
      : {};
    const t = performance.now();
    const { latent } = await encoder.run({ image, ids_keep, ...pos });
    const { pred } = await decoder.run({ latent, ids_restore, ...dpos });
    const data = pred.data;
    return { ms: performance.now() - t, pred: data };
  };
  const first = await run();
  const times = [];
  let last = first;
  for (let i = 0; i < iters; i++) { last = await run(); times.push(last.ms); }
  const want = f32(ref.pred);
  let maxAbs = 0;
  for (let i = 0; i < want.length; i++) maxAbs = Math.max(maxAbs, Math.abs(last.pred[i] - want[i]));
  times.sort((a, b) => a - b);
  const heap = performance.memory ? performance.memory.usedJSHeapSize : null;
  return { createMs, firstMs: first.ms, medianMs: times[Math.floor(times.length / 2)], times, maxAbs, features, adapter: adapter?.info ? [adapter.info.vendor, adapter.info.architecture, adapter.info.description].filter(Boolean).join(' / ') : null, heap };
};
window.benchReady = true;
</script>`;

function serve(req, res) {
  const url = new URL(req.url, 'http://localhost');
  let file = null;
  if (url.pathname === '/') {
    res.writeHead(200, {
      'content-type': 'text/html',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(PAGE);
    return;
  }
  if (url.pathname.startsWith('/ort/')) file = join(ortDist, normalize(url.pathname.slice(5)).replace(/^(\.\.[/\\])+/, ''));
  else if (url.pathname.startsWith('/model/')) file = join(modelDir, normalize(url.pathname.slice(7)).replace(/^(\.\.[/\\])+/, ''));
  if (!file || !(file.startsWith(ortDist) || file.startsWith(modelDir)) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
    'cross-origin-resource-policy': 'same-origin',
  });
  res.end(readFileSync(file));
}

/** Resident memory of one process, in bytes (Linux /proc; 0 when it is gone). */
function rss(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const server = createServer(serve);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/`;

const results = Object.fromEntries(builds.map((b) => [b, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const b of builds) {
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        page.on('pageerror', (e) => console.error(`[${b}] page error: ${e.message}`));
        await page.goto(base);
        await page.waitForFunction(() => window.benchReady === true);
        const r = await page.evaluate(([build, n, ref]) => window.runBench(build, n, ref), [BUILDS[b], iters, reference]);
        // the browser's processes (browser, renderer, GPU, utilities) as Chromium lists them
        const cdp = await browser.newBrowserCDPSession();
        const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
        r.rssBytes = processInfo.reduce((sum, p) => sum + rss(p.id), 0);
        results[b].push(r);
        console.error(
          `[${b}] round ${round + 1}: create ${r.createMs.toFixed(0)} ms, first ${r.firstMs.toFixed(0)} ms, warm median ${r.medianMs.toFixed(0)} ms (${r.times.map((t) => t.toFixed(0)).join(', ')}), max|pred-ref| ${r.maxAbs.toExponential(2)}, rss ${((r.rssBytes ?? 0) / 2 ** 20).toFixed(0)} MB, adapter ${r.adapter}, features [${r.features.join(', ')}]`,
        );
      } finally {
        await browser.close();
      }
    }
  }
} finally {
  server.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const chromiumVersion = (() => {
  try {
    return execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'chromium (version unknown)';
  }
})();
const machine = `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, load ${os.loadavg()[0].toFixed(1)}, ${chromiumVersion}, onnxruntime-web ${JSON.parse(readFileSync(join(root, 'node_modules/onnxruntime-web/package.json'), 'utf8')).version}`;
const lines = [
  `models/${modelId}, B=1, ratio 0.75, ${iters} warm runs x ${rounds} round(s); ${new Date().toISOString().slice(0, 16)}Z; ${machine}`,
  '',
  '| build | .wasm | module + sessions ms | first run ms | warm ms/image (median) | max abs pred diff vs reference | browser RSS MB | shader-f16 |',
  '|---|---|---|---|---|---|---|---|',
];
for (const b of builds) {
  const rs = results[b];
  if (rs.length === 0) continue;
  const mb = (x) => (x / 2 ** 20).toFixed(0);
  lines.push(
    `| ${b} (${BUILDS[b].module}) | ${mb(statSync(join(ortDist, BUILDS[b].wasm)).size)} MB | ${median(rs.map((r) => r.createMs)).toFixed(0)} | ${median(rs.map((r) => r.firstMs)).toFixed(0)} | ${median(rs.map((r) => r.medianMs)).toFixed(0)} | ${Math.max(...rs.map((r) => r.maxAbs)).toExponential(2)} | ${mb(median(rs.map((r) => r.rssBytes ?? 0)))} | ${rs[0].features.includes('shader-f16') ? 'yes' : 'no'} |`,
  );
}
console.log(asMarkdown ? lines.join('\n') : lines.join('\n'));

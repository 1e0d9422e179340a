#!/usr/bin/env node
// npm run soak [-- --wasm 1000] [--webgpu 24] [--rows 4] [--webgpu-rows 2] [--json]
//
// A long session, outside the CI test command: the built site (vite preview, COOP/COEP, CSP) in
// headless Debian Chromium, the slider moved again and again until --wasm reconstructions have
// run through WASM (then --webgpu through WebGPU, SwiftShader here: slow). Every few rounds it
// records, after a forced garbage collection:
//   - the page's JS heap and ArrayBuffers (V8 heap usage over CDP),
//   - the MAE worker's JS heap and ArrayBuffers (V8 heap usage over CDP, attached to the worker),
//   - the resident memory of the Chromium renderer process(es) (/proc: page + workers + WASM heap)
//     and of the GPU process,
//   - DOM nodes and the client's queue.
// Start = after the warm-up (the first ~10% of the run); growth = end - start, and a least-squares
// slope in MB per 100 reconstructions over the second half. Exit status 1 when memory grows:
// page heap > 10 MB, worker > 20 MB, renderer RSS > 150 MB, or any row ends in an error.
// Results: printed, and written to artifacts/soak/soak-<time>.json.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildTestSite, distIsStale, freePort, TEST_DIST } from './site-build.mjs';
import { opt } from './cli-args.mjs';

await import('../src/cli/register-ts.mjs');
const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('../e2e/config.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TARGET_WASM = Number(opt('wasm', 1000));
const TARGET_GPU = Number(opt('webgpu', 24));
const ROWS = Number(opt('rows', 4));
const GPU_ROWS = Number(opt('webgpu-rows', 2));
const LIMITS = { pageHeapMb: 10, workerMb: 20, rendererMb: 150 };

// ---- build + server (as bench/browser-bench.mjs) --------------------------------------------------

function ensureBuild() {
  if (!distIsStale(root)) return;
  console.error('soak: building the test site (vite build --mode e2e, with the test hooks)');
  if (buildTestSite(root, TEST_DIST, 'inherit') !== 0) throw new Error('vite build failed');
}

async function startPreview() {
  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'preview',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--strictPort',
      '--outDir',
      TEST_DIST,
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null) throw new Error('vite preview exited');
    try {
      if ((await fetch(`${base}/`)).ok) return { proc, base };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('vite preview did not answer within 20 s');
}

// ---- process memory ------------------------------------------------------------------------------

function processTable() {
  const kids = new Map();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(p));
    } catch {
      /* gone */
    }
  }
  return kids;
}

function rssByType(rootPid) {
  const kids = processTable();
  const out = { renderer: 0, gpu: 0 };
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop();
    stack.push(...(kids.get(pid) ?? []));
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
      if (cmd.includes('--type=renderer')) out.renderer += rss;
      else if (cmd.includes('--type=gpu-process')) out.gpu += rss;
    } catch {
      /* gone */
    }
  }
  return out;
}

// ---- one phase -------------------------------------------------------------------------------------

const mb = (b) => b / 1024 / 1024;
const r1 = (x) => Math.round(x * 10) / 10;

/**
 * CDP on the page and, through Target.setAutoAttach, on the MAE worker: forced GC, then V8's heap
 * usage (usedSize: JS objects; backingStorageSize: ArrayBuffers such as cached image tensors).
 * (performance.measureUserAgentSpecificMemory would wait a minute for onnxruntime's threads.)
 */
async function memoryProbe(page) {
  const cdp = await page.context().newCDPSession(page);
  const workers = new Map();
  cdp.on('Target.attachedToTarget', (e) => workers.set(e.sessionId, e.targetInfo));
  cdp.on('Target.detachedFromTarget', (e) => workers.delete(e.sessionId));
  let nextId = 1;
  const waiting = new Map();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const sendTo = (sessionId, method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the worker`)), 30_000);
      waiting.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result);
      });
      void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
    });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  return {
    async page() {
      await cdp.send('HeapProfiler.collectGarbage');
      return cdp.send('Runtime.getHeapUsage');
    },
    async worker() {
      const sid = [...workers].find(([, info]) => /mae-worker/.test(info.url))?.[0];
      if (!sid) return null;
      await sendTo(sid, 'HeapProfiler.collectGarbage');
      return sendTo(sid, 'Runtime.getHeapUsage');
    },
  };
}

async function sample(page, probe, browserPid, done, t0) {
  const p = await probe.page();
  const w = await probe.worker();
  const dom = await page.evaluate(() => ({ nodes: document.getElementsByTagName('*').length, queued: window.__maeDebug?.queued() ?? 0 }));
  const rss = rssByType(browserPid);
  return {
    reconstructions: done,
    seconds: r1((Date.now() - t0) / 1000),
    pageHeapMb: r1(mb(p.usedSize)),
    pageBuffersMb: r1(mb(p.backingStorageSize ?? 0)),
    workerHeapMb: w ? r1(mb(w.usedSize)) : null,
    workerBuffersMb: w ? r1(mb(w.backingStorageSize ?? 0)) : null,
    workerMb: w ? r1(mb(w.usedSize + (w.backingStorageSize ?? 0))) : null,
    rendererRssMb: r1(rss.renderer),
    gpuRssMb: r1(rss.gpu),
    domNodes: dom.nodes,
    queued: dom.queued,
  };
}

function slope(samples, key) {
  const xs = samples.map((s) => s.reconstructions / 100);
  const ys = samples.map((s) => s[key]);
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : Math.round((num / den) * 100) / 100;
}

async function phase(browser, browserPid, base, ep, rows, target) {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const t0 = Date.now();
  await page.goto(`/?ep=${ep}&samples=${rows}`);
  const settle = () => page.waitForFunction(() => window.__maeDebug?.settled() === true, undefined, { timeout: 600_000, polling: 100 });
  await settle();
  const provider = await page.evaluate(() => window.__maeDebug.provider().active);
  if (provider !== ep) throw new Error(`${ep} phase runs on ${provider}`);
  const dispatched = async () => (await page.evaluate(() => window.__maeDebug.stats())).dispatched;
  const first = await dispatched();
  const ratios = Array.from({ length: 19 }, (_, i) => ((i + 1) * 5) / 100); // 0.05 .. 0.95
  const probe = await memoryProbe(page);
  const samples = [];
  const every = Math.max(1, Math.round(target / 40 / rows)); // ~40 samples over the run
  let round = 0;
  let done = 0;
  const t1 = Date.now();
  samples.push(await sample(page, probe, browserPid, 0, t1));
  while (done < target) {
    const ratio = ratios[round % ratios.length];
    await page.getByTestId('ratio-slider').fill(String(ratio));
    await settle();
    round += 1;
    done = (await dispatched()) - first;
    if (round % every === 0 || done >= target) {
      const s = await sample(page, probe, browserPid, done, t1);
      samples.push(s);
      process.stderr.write(
        `soak ${ep}: ${done}/${target} reconstructions, page ${s.pageHeapMb} MB, worker ${s.workerMb} MB, renderer ${s.rendererRssMb} MB\n`,
      );
    }
  }
  const rowsEnd = await page.evaluate(() => window.__maeDebug.rows());
  const bad = rowsEnd.filter((r) => r.status !== 'done');
  const secs = (Date.now() - t1) / 1000;
  await context.close();
  const warm = samples.find((s) => s.reconstructions >= target * 0.1) ?? samples[0];
  const end = samples[samples.length - 1];
  const half = samples.filter((s) => s.reconstructions >= target / 2);
  const keys = ['pageHeapMb', 'pageBuffersMb', 'workerHeapMb', 'workerBuffersMb', 'workerMb', 'rendererRssMb', 'gpuRssMb', 'domNodes'];
  const growth = Object.fromEntries(keys.map((k) => [k, r1(end[k] - warm[k])]));
  const slopes = Object.fromEntries(keys.map((k) => [k, slope(half, k)]));
  const max = Object.fromEntries(keys.map((k) => [k, Math.max(...samples.map((s) => s[k]))]));
  return {
    ep,
    rows,
    reconstructions: done,
    rounds: round,
    loadSeconds: r1((t1 - t0) / 1000),
    seconds: r1(secs),
    msPerReconstruction: Math.round((secs * 1000) / done),
    start: warm,
    end,
    growth,
    slopePer100: slopes,
    max,
    maxQueued: Math.max(...samples.map((s) => s.queued)),
    rowErrors: bad.map((r) => `${r.name}: ${r.status} ${r.error ?? ''}`),
    pageErrors: errors,
    samples,
  };
}

// ---- main ------------------------------------------------------------------------------------------

ensureBuild();
const { proc, base } = await startPreview();
const server = await chromium.launchServer({
  executablePath: CHROMIUM_PATH,
  args: CHROMIUM_ARGS,
});
const results = [];
let failed = false;
try {
  const browser = await chromium.connect(server.wsEndpoint());
  const pid = server.process().pid;
  if (TARGET_WASM > 0) results.push(await phase(browser, pid, base, 'wasm', ROWS, TARGET_WASM));
  if (TARGET_GPU > 0) results.push(await phase(browser, pid, base, 'webgpu', GPU_ROWS, TARGET_GPU));
  await browser.close();
} finally {
  await server.close();
  proc.kill();
}

for (const r of results) {
  const g = r.growth;
  console.log(
    `soak ${r.ep}: ${r.reconstructions} reconstructions (${r.rows} rows, ${r.rounds} slider moves) in ${r.seconds} s, ${r.msPerReconstruction} ms each; ` +
      `after warm-up → end: page JS heap ${r.start.pageHeapMb} → ${r.end.pageHeapMb} MB, worker ${r.start.workerMb} → ${r.end.workerMb} MB, ` +
      `renderer RSS ${r.start.rendererRssMb} → ${r.end.rendererRssMb} MB, GPU process ${r.start.gpuRssMb} → ${r.end.gpuRssMb} MB, ` +
      `DOM ${r.start.domNodes} → ${r.end.domNodes} nodes; slope/100 (2nd half): page ${r.slopePer100.pageHeapMb}, worker ${r.slopePer100.workerMb}, renderer ${r.slopePer100.rendererRssMb} MB; ` +
      `most queued ${r.maxQueued}; row errors ${r.rowErrors.length}, page errors ${r.pageErrors.length}`,
  );
  const over = [];
  if (g.pageHeapMb > LIMITS.pageHeapMb) over.push(`page heap +${g.pageHeapMb} MB`);
  if (g.workerMb > LIMITS.workerMb) over.push(`worker +${g.workerMb} MB`);
  if (g.rendererRssMb > LIMITS.rendererMb) over.push(`renderer +${g.rendererRssMb} MB`);
  if (r.rowErrors.length > 0 || r.pageErrors.length > 0) over.push('errors');
  if (over.length > 0) {
    failed = true;
    console.log(`soak ${r.ep}: FAILED (${over.join(', ')})`);
  }
}
const dir = join(root, 'artifacts', 'soak');
mkdirSync(dir, { recursive: true });
const file = join(dir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify({ limits: LIMITS, results }, null, 2));
console.log(`soak: details in ${file}`);
process.exit(failed ? 1 : 0);

#!/usr/bin/env node
// npm run bench:browser [-- --json | --markdown] [--configs wasm:b1,wasm:b8,webgpu:b1] [--images 8]
//     [--webgpu-images 2] [--iters 6] [--webgpu-iters 2] [--ratio 0.75] [--drag-steps 40] [--no-native]
//     [--model default]   (a folder under models/, e.g. default-int8; native runs the same files)
//
// The playground in headless Debian Chromium (the e2e flags: WebGPU is SwiftShader here), served
// from the BUILT site by `vite preview` on a free localhost port with COOP/COEP. Per config:
//   - checks crossOriginIsolated and (WASM) that onnxruntime-web runs more than one thread,
//   - load: download / session creation / warm-up times,
//   - per image: encoder + decoder time and the worker's whole time per row (median over the rows
//     of the timed grid updates at --ratio; batched rows report their share of the batch),
//   - slider-to-painted: from the slider's input event to the frame that shows the last row at the
//     new ratio (median over --iters updates, alternating --ratio and --ratio + 0.01),
//   - long tasks (PerformanceObserver 'longtask', > 50 ms) on the main thread during a mouse drag
//     across the slider and until every row shows the final value.
// and onnxruntime-node on the same model, same thread count, in the same run (between the browser
// rounds) for the "browser WASM within 2x of native" ratio, with and without thread-pool spinning
// (the ratio uses the faster; `npm run bench:kernels` compares the two without the app around).
// All configs' pages stay loaded and the timed updates run in rounds across them, so a background
// load that varies hits them alike.
//
// Config syntax: <ep>:b<maxBatch>[:t<threads>][:nolead][@<model>], e.g. wasm:b8:t1 = WASM, batches
// of up to 8 rows, one thread; wasm:b8:nolead = the whole batch at once instead of the top row
// first (?lead=0); wasm:b8@default-int8 = the same with models/default-int8 (default: --model).
// Exit status 1 when a check fails (no isolation, single-threaded WASM, errors).
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { chromium } from 'playwright-core';
import { buildTestSite, distIsStale, startPreview, TEST_DIST } from '../scripts/site-build.mjs';
import { argv, opt } from '../scripts/cli-args.mjs';
import { maeInputs, nativeSessionOptions, timeMae } from './kernel/mae-runs.mjs';

// Chromium's flags come from the e2e config (TypeScript: load it through the repo's TS hooks).
await import('../src/cli/register-ts.mjs');
const { CHROMIUM_ARGS, CHROMIUM_PATH } = await import('../e2e/config.ts');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asJson = argv.includes('--json');
const asMarkdown = argv.includes('--markdown');
const configs = opt('configs', 'wasm:b1,wasm:b8,webgpu:b1').split(',').map(parseConfig);
const nImages = Number(opt('images', 8));
const nImagesGpu = Number(opt('webgpu-images', 2));
const iters = Number(opt('iters', 6));
const itersGpu = Number(opt('webgpu-iters', 2));
const ratio = Number(opt('ratio', 0.75));
const dragSteps = Number(opt('drag-steps', 40));
const nativeIters = Number(opt('native-iters', 20));
const withNative = !argv.includes('--no-native');
const modelId = opt('model', 'default');
if (!/^[\w-]+$/.test(modelId) || !existsSync(join(root, 'models', modelId, 'manifest.json')))
  throw new Error(`no model folder models/${modelId}/`);
const log = (...a) => {
  if (!asJson) console.error(...a);
};

function parseConfig(s) {
  const m = /^(wasm|webgpu):b(\d+)(?::t(\d+))?(:nolead)?(?:@([\w-]+))?$/.exec(s.trim());
  if (!m) throw new Error(`bad config "${s}" (expected e.g. wasm:b8, wasm:b1:t1, wasm:b8:nolead or wasm:b8@default-int8)`);
  return { name: s.trim(), ep: m[1], batch: Number(m[2]), threads: m[3] ? Number(m[3]) : null, noLead: Boolean(m[4]), model: m[5] ?? null };
}

const median = (xs) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
const round = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

// ---- build + server ------------------------------------------------------------------------------

function ensureBuild() {
  if (!argv.includes('--build') && !distIsStale(root)) return;
  log('building the test site (vite build --mode e2e, with the test hooks) ...');
  if (buildTestSite(root, TEST_DIST, ['ignore', 'inherit', 'inherit']) !== 0) throw new Error('vite build failed');
}

// ---- native onnxruntime-node on the same model ---------------------------------------------------

/** Native sessions on the same model files; `round()` adds a few timed runs at B = 1 and B = 8. */
async function openNative(threads, spinning) {
  const dir = join(root, 'models', modelId);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  // Measured with and without thread-pool spinning; the ratio uses the faster one.
  const so = nativeSessionOptions(threads, spinning);
  const enc = await ort.InferenceSession.create(join(dir, m.encoder.file), so);
  const dec = await ort.InferenceSession.create(join(dir, m.decoder.file), so);
  const inputs = {};
  const samples = {};
  for (const B of [1, 8]) {
    inputs[B] = maeInputs(ort.Tensor, m, ratio, B);
    samples[`b${B}`] = { encoderMs: [], decoderMs: [] };
  }
  const once = async (B, record) => {
    const t = await timeMae(enc, dec, inputs[B], B, 1);
    if (record) {
      samples[`b${B}`].encoderMs.push(...t.encoderMs);
      samples[`b${B}`].decoderMs.push(...t.decoderMs);
    }
  };
  for (let i = 0; i < 3; i++) {
    await once(1, false);
    await once(8, false);
  }
  return {
    samples,
    /** A few timed runs (called between the browser rounds, so both see the same load). */
    async round(n) {
      for (let i = 0; i < n; i++) await once(1, true);
      await once(8, true);
    },
    async close() {
      await enc.release();
      await dec.release();
    },
  };
}

function pooledNative(samples) {
  const res = {};
  // Keyed b1 / b8: per-image medians of the runs between the browser rounds.
  for (const key of ['b1', 'b8']) {
    const { encoderMs: e, decoderMs: d } = samples[key];
    const tot = e.map((x, i) => x + d[i]);
    res[key] = { encoderMs: round(median(e), 2), decoderMs: round(median(d), 2), perImageMs: round(median(tot), 2), samples: tot.length };
  }
  return res;
}

// ---- one browser config --------------------------------------------------------------------------

/** Installed before the page's scripts: long tasks on the main thread, from the start. */
function initScript() {
  window.__benchLongTasks = [];
  window.__benchFrames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__benchLongTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    window.__benchLongTasks = null; // not supported: reported as such
  }
  // Long animation frames (> 50 ms, Chromium): what the main thread spent them on.
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__benchFrames.push({
          start: e.startTime,
          duration: e.duration,
          render: e.renderStart > 0 ? e.startTime + e.duration - e.renderStart : 0,
          scripts: e.scripts.map((s) => ({ invoker: s.invoker, fn: s.sourceFunctionName, duration: s.duration })),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    window.__benchFrames = null;
  }
}

/** In the page: move the slider to `value` (one input event), wait until every row shows it painted. */
async function sliderToPainted(page, value, timeoutMs) {
  return page.evaluate(
    async ({ value, timeoutMs }) => {
      const dbg = window.__maeDebug;
      const el = document.querySelector('[data-testid="ratio-slider"]');
      const ids = dbg.rows().map((r) => r.id);
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
      const t0 = performance.now();
      setValue.call(el, String(value));
      el.dispatchEvent(new Event('input', { bubbles: true }));
      const deadline = t0 + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          const first = new Map();
          for (const m of dbg.paints(t0)) if (m.maskRatio === value && !first.has(m.rowId)) first.set(m.rowId, m.t);
          if (ids.every((id) => first.has(id))) {
            const ts = ids.map((id) => first.get(id));
            resolve({ firstMs: Math.min(...ts) - t0, lastMs: Math.max(...ts) - t0 });
          } else if (performance.now() > deadline) reject(new Error(`rows not painted at ${value} after ${timeoutMs} ms`));
          // The paint times come from the app's own animation frames, so how often this looks
          // does not change them; a tighter loop (it was 2 ms) is only main-thread work competing
          // with the WASM threads being timed.
          else setTimeout(check, 25);
        };
        check();
      });
    },
    { value, timeoutMs },
  );
}

async function waitSettled(page, timeoutMs) {
  await page.waitForFunction(() => window.__maeDebug?.settled() === true, undefined, { timeout: timeoutMs, polling: 50 });
}

/** Loads the page for one config and waits for its first grid. */
async function openConfig(browser, base, cfg) {
  const gpu = cfg.ep === 'webgpu';
  const n = gpu ? nImagesGpu : nImages;
  // SwiftShader WebGPU: ~8-12 s per image on this machine; give it room.
  const settleTimeout = gpu ? 120_000 + 40_000 * n : 120_000;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(initScript);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const q = new URLSearchParams({ ep: cfg.ep, samples: String(n), batch: String(cfg.batch), ratio: String(ratio), seed: '0' });
  const model = cfg.model ?? modelId;
  if (model !== 'default') q.set('model', model);
  if (cfg.threads) q.set('threads', String(cfg.threads));
  if (cfg.noLead) q.set('lead', '0');
  const tNav = Date.now();
  await page.goto(`${base}/?${q}`);
  await waitSettled(page, settleTimeout + 60_000);
  const firstGridMs = Date.now() - tNav;
  const env = await page.evaluate(() => ({
    crossOriginIsolated: window.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    provider: window.__maeDebug.provider(),
    model: window.__maeDebug.model(),
    maxBatch: window.__maeDebug.maxBatch(),
  }));
  // What really runs: onnxruntime-web's WASM threads are the MAE worker's thread plus one Web
  // Worker per extra pthread (ort-wasm-simd-threaded*.mjs), which Playwright lists with the page's.
  env.ortPthreads = page.workers().filter((w) => /ort-wasm-simd-threaded[\w.]*\.mjs/.test(w.url())).length;
  const state = {
    cfg,
    gpu,
    n,
    nIter: gpu ? itersGpu : iters,
    settleTimeout,
    context,
    page,
    errors,
    env,
    firstGridMs,
    grid: [],
    perRow: { encoderMs: [], decoderMs: [], graphMs: [], workerMs: [], batchSizes: new Set(), latentLocations: new Set() },
  };
  // Two untimed updates, so both ratios' shapes are warm.
  await gridUpdate(state, -2);
  await gridUpdate(state, -1);
  return state;
}

/**
 * One timed grid update: alternate ratio and ratio + 0.01; the per-image numbers come from the
 * updates at `ratio` (K fixed), slider-to-painted from all.
 */
async function gridUpdate(state, i) {
  const value = Math.round((i % 2 === 0 ? ratio + 0.01 : ratio) * 100) / 100;
  const r = await sliderToPainted(state.page, value, state.settleTimeout);
  await waitSettled(state.page, state.settleTimeout);
  if (i < 0) return;
  state.grid.push(r);
  if (value !== ratio) return;
  const { perRow } = state;
  for (const row of await state.page.evaluate(() => window.__maeDebug.rows())) {
    if (row.maskRatio !== value || row.encoderMs === null) continue;
    perRow.encoderMs.push(row.encoderMs);
    perRow.decoderMs.push(row.decoderMs);
    perRow.graphMs.push(row.encoderMs + row.decoderMs);
    perRow.workerMs.push(row.totalMs);
    perRow.batchSizes.add(row.batchSize);
    perRow.latentLocations.add(row.latentLocation);
  }
}

/** The drag, the checks, the summary; closes the page. */
async function closeConfig(state) {
  const { cfg, gpu, n, env, page, perRow, grid } = state;
  const rowErrors = (await page.evaluate(() => window.__maeDebug.rows())).filter((r) => r.error).map((r) => `${r.name}: ${r.error}`);
  // A real mouse drag across the slider (from its left end to the right), then until settled.
  const drag = await measureDrag(page, gpu ? Math.min(10, dragSteps) : dragSteps, state.settleTimeout);
  await state.context.close();

  const checks = [];
  if (!env.crossOriginIsolated) checks.push('page is not cross-origin isolated (no SharedArrayBuffer threads)');
  if (env.provider.active !== cfg.ep) checks.push(`asked for ${cfg.ep}, runs ${env.provider.active} (${env.provider.reason})`);
  if (cfg.ep === 'wasm' && !cfg.threads && !(env.provider.wasmThreads > 1) && env.hardwareConcurrency > 1) {
    checks.push(`WASM runs ${env.provider.wasmThreads} thread(s) on ${env.hardwareConcurrency} logical cores`);
  }
  if (cfg.ep === 'wasm' && env.provider.wasmThreads > 1 && env.ortPthreads + 1 < env.provider.wasmThreads) {
    checks.push(`numThreads is ${env.provider.wasmThreads} but onnxruntime started ${env.ortPthreads} extra thread worker(s)`);
  }
  if (gpu && !perRow.latentLocations.has('gpu-buffer'))
    checks.push(`WebGPU latent was not kept on the GPU (${[...perRow.latentLocations].join(', ')})`);
  checks.push(...rowErrors, ...state.errors.map((e) => `page error: ${e}`));

  const gridLast = grid.map((g) => g.lastMs);
  return {
    config: cfg.name,
    modelId: cfg.model ?? modelId,
    model: env.model.name,
    ep: env.provider.active,
    images: n,
    maxBatch: env.maxBatch,
    batchSizes: [...perRow.batchSizes],
    wasmThreads: env.provider.active === 'wasm' ? env.provider.wasmThreads : null,
    /** threads onnxruntime really runs: the worker's own + its pthread workers */
    ortThreads: env.provider.active === 'wasm' ? 1 + env.ortPthreads : null,
    crossOriginIsolated: env.crossOriginIsolated,
    adapter: env.provider.adapter,
    latentLocation: [...perRow.latentLocations].join(','),
    load: {
      filesMs: round(env.model.filesMs, 0),
      probeMs: round(env.model.probeMs, 0),
      compileMs: round(env.model.compileMs, 0),
      warmupMs: round(env.model.warmupMs, 0),
      firstGridMs: state.firstGridMs,
    },
    perImage: {
      encoderMs: round(median(perRow.encoderMs)),
      decoderMs: round(median(perRow.decoderMs)),
      graphMs: round(median(perRow.graphMs)),
      workerMs: round(median(perRow.workerMs)),
      samples: perRow.graphMs.length,
    },
    sliderToPainted: {
      firstRowMs: round(median(grid.map((g) => g.firstMs))),
      lastRowMs: round(median(gridLast)),
      perImageMs: round(median(gridLast) / n),
      samples: grid.length,
    },
    drag,
    userAgent: env.userAgent,
    checks,
  };
}

async function measureDrag(page, steps, settleTimeout) {
  const slider = page.getByTestId('ratio-slider');
  await slider.scrollIntoViewIfNeeded();
  const box = await slider.boundingBox();
  if (!box) return null;
  // Start at the left end (ratio 0) and settle there, so the drag itself is what is measured.
  await slider.fill('0');
  await waitSettled(page, settleTimeout);
  const y = box.y + box.height / 2;
  const x0 = box.x + 2;
  const x1 = box.x + box.width - 2;
  const s0 = await page.evaluate(() => window.__maeDebug.stats());
  const tStart = await page.evaluate(() => performance.now());
  await page.mouse.move(x0, y);
  await page.mouse.down();
  for (let i = 1; i <= steps; i++) {
    await page.mouse.move(x0 + ((x1 - x0) * i) / steps, y);
    await page.waitForTimeout(25);
  }
  await page.mouse.up();
  const tUp = await page.evaluate(() => performance.now());
  await waitSettled(page, settleTimeout);
  const tEnd = await page.evaluate(() => performance.now());
  const info = await page.evaluate(
    ({ tStart, tEnd }) => ({
      longTasks: window.__benchLongTasks === null ? null : window.__benchLongTasks.filter((t) => t.start >= tStart && t.start <= tEnd),
      frames: window.__benchFrames === null ? null : window.__benchFrames.filter((t) => t.start >= tStart && t.start <= tEnd),
      stats: window.__maeDebug.stats(),
      finalRatio: Number(document.querySelector('[data-testid="ratio-slider"]').value),
    }),
    { tStart, tEnd },
  );
  const lt = info.longTasks;
  // Where the long frames' time went: script time by invoker, and rendering (style, layout, paint).
  let loaf = null;
  if (info.frames) {
    const byInvoker = new Map();
    let render = 0;
    for (const f of info.frames) {
      render += f.render;
      for (const s of f.scripts) byInvoker.set(s.invoker, (byInvoker.get(s.invoker) ?? 0) + s.duration);
    }
    loaf = {
      frames: info.frames.length,
      totalMs: round(
        info.frames.reduce((a, f) => a + f.duration, 0),
        0,
      ),
      renderMs: round(render, 0),
      scripts: [...byInvoker.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([invoker, ms]) => ({ invoker, ms: round(ms, 0) })),
    };
  }
  return {
    steps,
    dragMs: round(tUp - tStart, 0),
    releaseToSettledMs: round(tEnd - tUp, 0),
    finalRatio: info.finalRatio,
    requested: info.stats.requested - s0.requested,
    ran: info.stats.dispatched - s0.dispatched,
    longTasks: lt === null ? null : lt.length,
    longTaskMaxMs: lt === null || lt.length === 0 ? 0 : round(Math.max(...lt.map((t) => t.duration)), 0),
    longTaskTotalMs:
      lt === null
        ? null
        : round(
            lt.reduce((a, t) => a + t.duration, 0),
            0,
          ),
    longFrames: loaf,
  };
}

// ---- main ----------------------------------------------------------------------------------------

function markdown(report) {
  const lines = [];
  const n = report.native;
  lines.push(
    `Browser benchmark, ${report.date}: ${report.machine.cpu}, ${report.machine.cores} logical cores, ${report.chromium}, model ${report.model}, ratio ${report.ratio}`,
  );
  lines.push('');
  lines.push(
    '| config | EP | threads (set / running) | images | batch | enc ms/img | dec ms/img | graphs ms/img | worker ms/img | slider→first row ms | slider→last row ms | slider→last / img | load: compile + warm-up ms |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of report.browser) {
    lines.push(
      `| ${r.config} | ${r.ep} | ${r.wasmThreads ? `${r.wasmThreads} / ${r.ortThreads}` : '–'} | ${r.images} | ${r.maxBatch} | ${r.perImage.encoderMs} | ${r.perImage.decoderMs} | ${r.perImage.graphMs} | ${r.perImage.workerMs} | ${r.sliderToPainted.firstRowMs} | ${r.sliderToPainted.lastRowMs} | ${r.sliderToPainted.perImageMs} | ${r.load.compileMs} + ${r.load.warmupMs} |`,
    );
  }
  lines.push('');
  lines.push(
    '| config | drag: steps / ms | requests asked / ran | release → settled ms | long tasks (> 50 ms) | longest ms | total ms | long frames: render ms, top scripts |',
  );
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const r of report.browser) {
    const d = r.drag;
    if (!d) continue;
    const lf = d.longFrames;
    const lfText = lf
      ? `${lf.frames} frames, ${lf.totalMs} ms: render ${lf.renderMs}; ${lf.scripts.map((s) => `${s.invoker} ${s.ms}`).join(', ') || 'no script'}`
      : 'n/a';
    lines.push(
      `| ${r.config} | ${d.steps} / ${d.dragMs} | ${d.requested} / ${d.ran} | ${d.releaseToSettledMs} | ${d.longTasks ?? 'n/a'} | ${d.longTaskMaxMs} | ${d.longTaskTotalMs} | ${lfText} |`,
    );
  }
  if (n) {
    lines.push('');
    lines.push(
      `Native onnxruntime-node ${report.ortNode}, ${n.threads} threads, ratio ${report.ratio} (median of ${n.spinning.b1.samples} runs at B=1 and ${n.spinning.b8.samples} at B=8 per setting, between the browser rounds):`,
    );
    lines.push('');
    lines.push('| | enc ms/img | dec ms/img | graphs ms/img |');
    lines.push('|---|---|---|---|');
    for (const [label, key] of [
      ['spinning (default)', 'spinning'],
      ['no spinning', 'noSpinning'],
    ]) {
      for (const b of ['b1', 'b8']) {
        const x = n[key][b];
        lines.push(`| native B=${b.slice(1)}, ${label} | ${x.encoderMs} | ${x.decoderMs} | ${x.perImageMs} |`);
      }
    }
  }
  if (report.ratios.length > 0) {
    lines.push('');
    lines.push(
      '| browser WASM vs native (graph time per image, same batch) | vs faster native | vs native with the same (default) settings | target ≤ 2x |',
    );
    lines.push('|---|---|---|---|');
    for (const x of report.ratios) {
      lines.push(
        `| ${x.config} vs native B=${x.nativeBatch} | ${x.ratio.toFixed(2)}x | ${x.ratioSameSettings.toFixed(2)}x | ${x.ratio <= 2 ? 'reached' : 'missed'} |`,
      );
    }
  }
  const failed = report.browser.flatMap((r) => r.checks.map((c) => `${r.config}: ${c}`));
  lines.push('');
  lines.push(
    failed.length === 0
      ? 'Checks: all passed (isolated, multi-threaded WASM, WebGPU latent on the GPU, no errors).'
      : `Checks FAILED:\n${failed.map((f) => `- ${f}`).join('\n')}`,
  );
  return lines.join('\n');
}

ensureBuild();
const threadsNative = os.cpus().length;
const server = await startPreview(root);
log(`vite preview at ${server.base} (COOP ${server.headers.coop}, COEP ${server.headers.coep})`);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
const results = [];
let nativeRunners = [];
const failed = (cfg, e) => ({
  config: cfg.name,
  ep: cfg.ep,
  checks: [`run failed: ${e instanceof Error ? e.message : String(e)}`],
  perImage: {},
  sliderToPainted: {},
  load: {},
  drag: null,
});
try {
  // Every config's page is loaded first (one at a time: loading is CPU-heavy), then the timed
  // updates run in rounds, config after config, with native runs between the rounds: a background
  // load that comes and goes hits every config alike.
  const states = [];
  for (const cfg of configs) {
    log(`${cfg.name}: loading, ${cfg.ep === 'webgpu' ? nImagesGpu : nImages} images ...`);
    try {
      states.push(await openConfig(browser, server.base, cfg));
    } catch (e) {
      results.push(failed(cfg, e));
    }
  }
  if (withNative) {
    log(`native onnxruntime-node, ${threadsNative} threads ...`);
    nativeRunners = [await openNative(threadsNative, true), await openNative(threadsNative, false)];
  }
  const rounds = Math.max(0, ...states.map((st) => st.nIter));
  for (let i = 0; i < rounds; i++) {
    log(`round ${i + 1} of ${rounds}`);
    for (const st of states) {
      if (i >= st.nIter || st.failed) continue;
      try {
        await gridUpdate(st, i);
      } catch (e) {
        st.failed = e;
      }
    }
    for (const nr of nativeRunners) await nr.round(Math.max(1, Math.round(nativeIters / rounds)));
  }
  for (const st of states) {
    log(`${st.cfg.name}: drag ...`);
    try {
      if (st.failed) throw st.failed;
      results.push(await closeConfig(st));
    } catch (e) {
      await st.context.close().catch(() => undefined);
      results.push(failed(st.cfg, e));
    }
  }
} finally {
  await browser.close();
  server.proc.kill();
  for (const nr of nativeRunners) await nr.close();
}
const native =
  nativeRunners.length > 0
    ? { threads: threadsNative, spinning: pooledNative(nativeRunners[0].samples), noSpinning: pooledNative(nativeRunners[1].samples) }
    : null;
const ratios = [];
if (native) {
  for (const r of results) {
    if (r.ep !== 'wasm' || !r.perImage.graphMs || r.wasmThreads !== threadsNative || r.modelId !== modelId) continue;
    const nb = r.maxBatch >= 8 ? 'b8' : 'b1';
    const fastest = Math.min(native.spinning[nb].perImageMs, native.noSpinning[nb].perImageMs);
    ratios.push({
      config: r.config,
      nativeBatch: nb === 'b8' ? 8 : 1,
      ratio: r.perImage.graphMs / fastest,
      ratioSameSettings: r.perImage.graphMs / native.spinning[nb].perImageMs,
    });
  }
}
const report = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg: os.loadavg().map((x) => round(x, 2)),
  },
  chromium: (results.find((r) => r.userAgent)?.userAgent.match(/Chrome\/[\d.]+/) ?? ['Chromium'])[0],
  ortNode: ort.env.versions?.node,
  model: modelId,
  ratio,
  native,
  browser: results,
  ratios,
};
if (asJson) console.log(JSON.stringify(report, null, 2));
else console.log(markdown(report));
if (asMarkdown && asJson) console.error(markdown(report));
process.exitCode = results.some((r) => r.checks.length > 0) ? 1 : 0;

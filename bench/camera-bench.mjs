#!/usr/bin/env node
// npm run bench:camera [-- --models default,default-int8] [--photos crop,whole] [--seconds 20] [--rounds 3] [--ep wasm] [--threads N]
//     [--size 640x480] [--fps 30] [--ratio 0.75] [--dist dist-e2e] [--build] [--json]
//
// Frames per second of the live camera row (src/features/camera) in headless Debian Chromium with
// the e2e flags, the BUILT test site served by `vite preview` (COOP/COEP: threaded WASM). The camera
// is Chromium's fake camera playing a clip made here from a sample photo (--size at --fps, YUV4MPEG2
// under artifacts/camera/, nothing committed). One page per model and photo mode (the centre crop,
// or the whole frame: ?photo=whole), all loaded first; then rounds:
// in each, one page at a time runs live for --seconds, so the models share the
// machine's background load alike (the camera is stopped on the pages not being timed; WASM threads
// fixed by ?threads=, default all cores, so no thread calibration runs). Per model: reconstructed frames per second (frames finished over
// the time measured), ms per frame (capture to result, the row's own meter), the worker's encoder +
// decoder time per frame, and the share of camera frames dropped (they arrive faster than frames
// finish: dropped, never queued). Machine, date and load average are printed with the results.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { argv, opt } from '../scripts/cli-args.mjs';
import { buildTestSite, distIsStale, startPreview, TEST_DIST } from '../scripts/site-build.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../e2e/config.ts';
import { frameFromJpeg, writeY4m } from '../e2e/camera-clip.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const models = opt('models', 'default,default-int8').split(',');
const photos = opt('photos', 'crop,whole').split(',');
for (const p of photos) if (p !== 'crop' && p !== 'whole') throw new Error(`--photos: crop or whole, not ${p}`);
const seconds = Number(opt('seconds', 20));
const rounds = Number(opt('rounds', 3));
const ep = opt('ep', 'wasm');
const [width, height] = opt('size', '640x480').split('x').map(Number);
const fps = Number(opt('fps', 30));
const ratio = Number(opt('ratio', 0.75));
const dist = opt('dist', TEST_DIST);
const threads = Number(opt('threads', os.cpus().length));
const asJson = argv.includes('--json');
const log = (...a) => {
  if (!asJson) console.error(...a);
};
for (const m of models) if (!/^[\w-]+$/.test(m)) throw new Error(`bad model id ${m}`);

if (argv.includes('--build') || distIsStale(root, dist)) {
  log(`building the test site into ${dist}/`);
  if (buildTestSite(root, dist, ['ignore', 'inherit', 'inherit']) !== 0) throw new Error('vite build failed');
}

const clipDir = join(root, 'artifacts', 'camera');
mkdirSync(clipDir, { recursive: true });
const clip = join(clipDir, `bench-${width}x${height}.y4m`);
writeY4m(clip, frameFromJpeg(join(root, 'public', 'samples', 'red_fox.jpg'), width, height), fps, fps);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length === 0 ? null : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const debug = (page) => page.evaluate(() => window.__maeDebug.camera());

async function openModel(browser, base, model, photo) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`[${model}] pageerror ${e.message}`));
  // Explicit threads: no thread calibration (extra workers loading the model) while others are timed.
  const q = new URLSearchParams({ ep, samples: '0', ratio: String(ratio), seed: '0', threads: String(threads) });
  if (model !== 'default') q.set('model', model);
  if (photo === 'whole') q.set('photo', 'whole');
  await page.goto(`${base}/?${q}`);
  await page.waitForFunction(() => window.__maeDebug?.model().phase === 'ready', undefined, { timeout: 300_000, polling: 250 });
  const info = await page.evaluate(() => ({ model: window.__maeDebug.model().name, provider: window.__maeDebug.provider() }));
  await page.getByTestId('use-camera').click();
  // Warm-up: the first frames compile and allocate.
  await page.waitForFunction(() => window.__maeDebug.camera().counts.reconstructed >= 5, undefined, { timeout: 300_000, polling: 100 });
  // Stopped between its rounds: a paused page would still decode the camera's frames.
  await page.getByTestId('live-stop').click();
  return { model, photo, context, page, info, runs: [] };
}

async function measure(s) {
  const { page } = s;
  const load0 = os.loadavg()[0];
  await page.getByTestId('use-camera').click();
  // Start counting at a frame boundary, two frames in (the camera has started).
  await page.waitForFunction(() => window.__maeDebug.camera().counts.reconstructed >= 2, undefined, { timeout: 120_000, polling: 20 });
  const start = await page.evaluate(() => ({ t: performance.now(), c: window.__maeDebug.camera() }));
  const modelMs = [];
  const totalMs = [];
  const stages = { encodeMs: [], decodeMs: [], reconstructMs: [] };
  let seen = start.c.counts.reconstructed;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await sleep(100);
    const c = await debug(page);
    if (c.counts.reconstructed !== seen && c.worker) {
      seen = c.counts.reconstructed;
      modelMs.push(c.worker.modelMs);
      totalMs.push(c.worker.totalMs);
      for (const k of Object.keys(stages)) stages[k].push(c.stages[k]);
    }
  }
  // End at a frame boundary too.
  const r1 = (await debug(page)).counts.reconstructed;
  await page.waitForFunction((n) => window.__maeDebug.camera().counts.reconstructed > n, r1, { polling: 20 });
  const end = await page.evaluate(() => ({ t: performance.now(), c: window.__maeDebug.camera() }));
  await page.getByTestId('live-stop').click();
  const frames = end.c.counts.reconstructed - start.c.counts.reconstructed;
  const arrived = end.c.counts.arrived - start.c.counts.arrived;
  const dropped = end.c.counts.dropped - start.c.counts.dropped;
  return {
    fps: (frames * 1000) / (end.t - start.t),
    frames,
    seconds: (end.t - start.t) / 1000,
    msPerFrame: end.c.msPerFrame,
    modelMs: median(modelMs),
    workerMs: median(totalMs),
    panel: end.c.panel,
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])),
    droppedShare: arrived > 0 ? dropped / arrived : 0,
    load: [load0, os.loadavg()[0]],
  };
}

const server = await startPreview(root, dist);
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: [
    ...CHROMIUM_ARGS,
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-video-capture=${clip}`,
  ],
});
const states = [];
try {
  for (const m of models)
    for (const p of photos) {
      log(`loading ${m} (${p})…`);
      states.push(await openModel(browser, server.base, m, p));
    }
  for (let r = 0; r < rounds; r++) {
    for (const s of states) {
      const run = await measure(s);
      s.runs.push(run);
      log(
        `round ${r + 1} ${s.model} ${s.photo}: ${run.fps.toFixed(2)} fps (${run.frames} frames in ${run.seconds.toFixed(1)} s), ` +
          `${run.msPerFrame?.toFixed(0)} ms/frame (encode ${run.stages.encodeMs?.toFixed(0)}, decode ${run.stages.decodeMs?.toFixed(0)}, reconstruct ${run.stages.reconstructMs?.toFixed(0)}), model ${run.modelMs?.toFixed(1)} ms, dropped ${(100 * run.droppedShare).toFixed(0)}%, load ${run.load.map((l) => l.toFixed(1)).join('→')}`,
      );
    }
  }
} finally {
  for (const s of states) await s.context.close().catch(() => undefined);
  await browser.close();
  server.proc.kill();
}

let chromiumVersion = '';
try {
  chromiumVersion = execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  /* unknown */
}
const machine = {
  date: new Date().toISOString(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memGiB: Math.round(os.totalmem() / 2 ** 30),
  chromium: chromiumVersion,
  ep,
  clip: `${width}x${height} @ ${fps} fps`,
  ratio,
  seconds,
  rounds,
};
const summary = states.map((s) => ({
  model: s.info.model,
  folder: s.model,
  photo: s.photo,
  panel: s.runs.at(-1)?.panel ?? null,
  provider: s.info.provider.active,
  wasmThreads: s.info.provider.wasmThreads,
  fpsMedian: median(s.runs.map((r) => r.fps)),
  fpsRange: [Math.min(...s.runs.map((r) => r.fps)), Math.max(...s.runs.map((r) => r.fps))],
  msPerFrameMedian: median(s.runs.map((r) => r.msPerFrame)),
  modelMsMedian: median(s.runs.map((r) => r.modelMs)),
  workerMsMedian: median(s.runs.map((r) => r.workerMs)),
  stages: Object.fromEntries(['encodeMs', 'decodeMs', 'reconstructMs'].map((k) => [k, median(s.runs.map((r) => r.stages[k]))])),
  droppedShare: median(s.runs.map((r) => r.droppedShare)),
  loads: s.runs.map((r) => r.load),
}));
if (asJson) {
  console.log(JSON.stringify({ machine, summary, runs: states.map((s) => ({ model: s.model, runs: s.runs })) }, null, 2));
} else {
  console.log(
    `\n${machine.date} · ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB · ${machine.chromium} · ${ep} · clip ${machine.clip} · ratio ${ratio}`,
  );
  console.log(`${rounds} rounds × ${seconds} s per model, interleaved\n`);
  console.log(
    '| model | folder | photo (panel px) | fps (median, range) | ms/frame (capture → shown) | draw + BMP / decode / reconstruct ms | encoder + decoder ms | worker ms | camera frames dropped | load (1 min) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summary)
    console.log(
      `| ${s.model} | ${s.folder} | ${s.photo} (${s.panel ? `${s.panel.width}×${s.panel.height}` : '?'}) | ${s.fpsMedian.toFixed(2)} (${s.fpsRange.map((f) => f.toFixed(2)).join('–')}) | ${s.msPerFrameMedian?.toFixed(0)} | ${['encodeMs', 'decodeMs', 'reconstructMs'].map((k) => s.stages[k]?.toFixed(0)).join(' / ')} | ${s.modelMsMedian?.toFixed(1)} | ${s.workerMsMedian?.toFixed(1)} | ${(100 * s.droppedShare).toFixed(0)}% | ${s.loads.map((l) => l.map((x) => x.toFixed(1)).join('→')).join(', ')} |`,
    );
}

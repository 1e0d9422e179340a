#!/usr/bin/env node
// Whole photos vs the centre crop: ms per image of the bundled model (models/default, contract v2) on
// onnxruntime-web's WASM kernels in Node (the page's kernels; 1 thread, as the page has on a machine
// without cross-origin isolation) and on onnxruntime-node (native, 1 thread), at ratio 0.75, for the
// crop (224×224, 196 patches) and whole 4:3 photos whose long side is capped at 224, 320, 448 and 640 px.
// --quality instead: the masked MSE of the 12 sample photos, crop against whole (long side <= 448), ratio
// 0.75, seeds 0-2, on onnxruntime-node (what a model trained on one grid makes of other grids).
//   node --import ./src/cli/register-ts.mjs bench/whole-photo-bench.mjs [--runs 5] [--model models/default] [--quality]
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import * as ortNode from 'onnxruntime-node';
import {
  compositeOnBackground,
  randomMasking,
  reconstruct,
  reconstructionMetrics,
  resizeBicubic,
  resizeShorterSideCenterCrop,
  toNormalizedChw,
  wholePhotoSize,
} from '../src/mae/index.ts';
import { decodeImage } from '../src/cli/image-io.ts';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', '5'));
const dir = opt('model', 'models/default');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const p = manifest.patchSize;

async function sessions(ort) {
  const create = (part) =>
    ort.InferenceSession.create(readFileSync(join(dir, part.file)), {
      executionProviders: [ort === ortWeb ? 'wasm' : 'cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      externalData: (part.externalData ?? []).map((path) => ({ path, data: readFileSync(join(dir, path)) })),
    });
  return { encoder: await create(manifest.encoder), decoder: await create(manifest.decoder) };
}

const sizes = [{ label: 'crop 224×224', width: 224, height: 224 }];
for (const bound of [224, 320, 448, 640]) {
  const s = wholePhotoSize(4000, 3000, p, bound);
  sizes.push({ label: `whole 4:3, long side ≤ ${bound}`, width: s.width, height: s.height });
}

ortWeb.env.wasm.numThreads = 1;
if (args.includes('--quality')) {
  const native = await sessions(ortNode);
  const names = JSON.parse(readFileSync('public/samples/samples.json', 'utf8'));
  const { mean, std, imgSize } = manifest;
  const mseOf = async (img, seed) => {
    const { width, height } = img;
    const chw = toNormalizedChw(img, mean, std);
    const L = (width / p) * (height / p);
    const masks = randomMasking(seed, L, 0.75);
    const r = await reconstruct(native, ortNode.Tensor, chw, { height, width }, masks);
    return reconstructionMetrics({ imageChw: chw, predPatches: r.pred, mask: masks.mask, imgSize: height, width, patchSize: p, mean, std })
      .maskedMse;
  };
  console.log(`# ${new Date().toISOString()} | ${manifest.name} | masked MSE at 0.75, mean of seeds 0-2`);
  console.log('| photo | source | whole grid | crop MSE | whole MSE |');
  console.log('|---|---|---|---:|---:|');
  let sc = 0;
  let sw = 0;
  for (const name of names) {
    const rgba = compositeOnBackground(decodeImage(readFileSync(`public/samples/${name}.jpg`), name));
    const size = wholePhotoSize(rgba.width, rgba.height, p, 448);
    const crop = resizeShorterSideCenterCrop(rgba, imgSize);
    const whole = resizeBicubic(rgba, size.width, size.height);
    let c = 0;
    let w = 0;
    for (const seed of [0, 1, 2]) {
      c += (await mseOf(crop, seed)) / 3;
      w += (await mseOf(whole, seed)) / 3;
    }
    sc += c / names.length;
    sw += w / names.length;
    console.log(`| ${name} | ${rgba.width}×${rgba.height} | ${size.gridH}×${size.gridW} | ${c.toFixed(3)} | ${w.toFixed(3)} |`);
  }
  console.log(`| mean | | | ${sc.toFixed(3)} | ${sw.toFixed(3)} |`);
  process.exit(0);
}
console.log(
  `# ${new Date().toISOString()} | ${cpus()[0].model} × ${cpus().length} | load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(`# ${manifest.name}, ratio 0.75, batch 1, median of ${runs} after one warm-up`);
console.log('| size | patches | WASM ms/image | native ms/image |');
console.log('|---|---:|---:|---:|');
const web = await sessions(ortWeb);
const native = await sessions(ortNode);
for (const s of sizes) {
  const L = (s.width / p) * (s.height / p);
  const image = Float32Array.from({ length: 3 * s.width * s.height }, (_, i) => Math.sin(i * 0.001));
  const masks = randomMasking(0, L, 0.75);
  const time = async (sess, ort) => {
    await reconstruct(sess, ort.Tensor, image, { height: s.height, width: s.width }, masks);
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await reconstruct(sess, ort.Tensor, image, { height: s.height, width: s.width }, masks);
      t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)];
  };
  const w = await time(web, ortWeb);
  const n = await time(native, ortNode);
  console.log(`| ${s.label} (${s.width}×${s.height}) | ${L} | ${w.toFixed(1)} | ${n.toFixed(1)} |`);
}
console.log(
  `# load after: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

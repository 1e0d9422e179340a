// Replays reference vectors written by python/mae_playground/export_onnx.py through onnxruntime-node.
// Usage: node scripts/replay-reference.mjs <modelDir> <referenceDir> [--tol 1e-4]
// Passes when, for every case, max|pred - ref| <= tol * max(1, max|ref|) (same for latent).
// Used by the Python tests to check the exported / converted graphs end to end.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [modelDir, refDir] = process.argv.slice(2);
const tolIdx = process.argv.indexOf('--tol');
const tol = tolIdx > 0 ? Number(process.argv[tolIdx + 1]) : 1e-4;
const meta = JSON.parse(fs.readFileSync(path.join(refDir, 'reference.json'), 'utf8'));
const bin = fs.readFileSync(path.join(refDir, 'reference.bin'));
const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8'));

function array(name) {
  const a = meta.arrays.find((x) => x.name === name);
  if (!a) throw new Error(`reference array ${name} missing`);
  const buf = bin.buffer.slice(bin.byteOffset + a.offset, bin.byteOffset + a.offset + a.bytes);
  const data = a.dtype === 'float32' ? new Float32Array(buf) : new BigInt64Array(buf);
  return new ort.Tensor(a.dtype, data, a.shape);
}

function maxDiff(got, ref) {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < ref.data.length; i++) {
    diff = Math.max(diff, Math.abs(got.data[i] - ref.data[i]));
    scale = Math.max(scale, Math.abs(ref.data[i]));
  }
  return { diff, scale };
}

const encoder = await ort.InferenceSession.create(path.join(modelDir, manifest.encoder.file));
const decoder = await ort.InferenceSession.create(path.join(modelDir, manifest.decoder.file));
let worst = 0;
for (const c of meta.cases) {
  const { latent } = await encoder.run({ image: array(`${c.image}/image`), ids_keep: array(`${c.key}/ids_keep`) });
  const { pred } = await decoder.run({ latent, ids_restore: array(`${c.key}/ids_restore`) });
  for (const [name, got] of [
    ['latent', latent],
    ['pred', pred],
  ]) {
    const ref = array(`${c.key}/${name}`);
    if (got.dims.join() !== ref.dims.join()) throw new Error(`${c.key}/${name}: dims ${got.dims} vs ${ref.dims}`);
    const { diff, scale } = maxDiff(got, ref);
    worst = Math.max(worst, diff / scale);
    if (diff > tol * scale) {
      console.error(`FAIL ${c.key}/${name}: max|diff| ${diff} > ${tol} * ${scale}`);
      process.exit(1);
    }
  }
}
console.log(JSON.stringify({ cases: meta.cases.length, worstRelativeMaxDiff: worst, tol }));

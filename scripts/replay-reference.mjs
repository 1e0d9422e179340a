// Replays reference vectors written by python/mae_playground/export_onnx.py through onnxruntime-node.
// Usage: node scripts/replay-reference.mjs <modelDir> <referenceDir> [--tol 1e-4]
// Passes when, for every case, max|got - ref| <= tol * max(1, max|ref|) for latent, pred and (where the
// reference stores it) attention. A v2 folder (manifest format "mae-playground/2") gets the reference's
// position tables for each case's grid, runs the non-square grid cases too, and its attention graphs;
// a v1 folder runs the training-grid cases only. Used by the exporter's self-check and the Python tests.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [modelDir, refDir] = process.argv.slice(2);
const tolIdx = process.argv.indexOf('--tol');
const tol = tolIdx > 0 ? Number(process.argv[tolIdx + 1]) : 1e-4;
const meta = JSON.parse(fs.readFileSync(path.join(refDir, 'reference.json'), 'utf8'));
const bin = fs.readFileSync(path.join(refDir, 'reference.bin'));
const manifest = JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8'));
const v2 = manifest.format === 'mae-playground/2';

function array(name) {
  const a = meta.arrays.find((x) => x.name === name);
  if (!a) throw new Error(`reference array ${name} missing`);
  const buf = bin.buffer.slice(bin.byteOffset + a.offset, bin.byteOffset + a.offset + a.bytes);
  const data = a.dtype === 'float32' ? new Float32Array(buf) : new BigInt64Array(buf);
  return new ort.Tensor(a.dtype, data, a.shape);
}

let worst = 0;
function check(label, got, ref, scaleOf = ref) {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(scaleOf[i]));
  }
  worst = Math.max(worst, diff / scale);
  if (!(diff <= tol * scale)) {
    console.error(`FAIL ${label}: max|diff| ${diff} > ${tol} * ${scale}`);
    process.exit(1);
  }
}

function checkTensor(label, got, refName) {
  const ref = array(refName);
  if (got.dims.join() !== ref.dims.join()) throw new Error(`${label}: dims ${got.dims} vs ${ref.dims}`);
  check(label, got.data, ref.data);
}

/** Only the query rows the reference stored: got [1, depth, heads, N, N], ref [1, depth, heads, R, N]. */
function checkRows(label, got, refName, rows) {
  const ref = array(refName);
  const [b, depth, heads, n] = got.dims;
  const want = [b, depth, heads, rows.length, n].join();
  if (ref.dims.join() !== want) throw new Error(`${label}: reference dims ${ref.dims} vs ${want} from the graph`);
  const picked = new Float32Array(ref.data.length);
  let o = 0;
  for (let lh = 0; lh < b * depth * heads; lh++) {
    for (const r of rows) {
      const start = (lh * n + r) * n;
      picked.set(got.data.subarray(start, start + n), o);
      o += n;
    }
  }
  check(label, picked, ref.data);
  // softmax rows: each stored row sums to 1
  for (let i = 0; i < picked.length; i += n) {
    let s = 0;
    for (let j = 0; j < n; j++) s += picked[i + j];
    if (Math.abs(s - 1) > 1e-4) {
      console.error(`FAIL ${label}: an attention row sums to ${s}`);
      process.exit(1);
    }
  }
}

const open = (f) => ort.InferenceSession.create(path.join(modelDir, f));
const encoder = await open(manifest.encoder.file);
const decoder = await open(manifest.decoder.file);
let encAtt = null;
let decAtt = null;
const grids = new Map((meta.grids ?? []).map((g) => [g.name, g]));
const all = [...meta.cases.map((c) => ({ ...c, imageTensor: `${c.image}/image` })), ...(v2 ? (meta.gridCases ?? []) : [])];
let attentionCases = 0;
for (const c of all) {
  const encFeeds = { image: array(c.imageTensor), ids_keep: array(`${c.key}/ids_keep`) };
  const decFeeds = { ids_restore: array(`${c.key}/ids_restore`) };
  if (v2) {
    const g = grids.get(c.grid);
    if (!g) throw new Error(`${c.key}: the reference has no position tables for its grid (write it again)`);
    encFeeds.pos_embed = array(g.posEmbed);
    decFeeds.decoder_pos_embed = array(g.decoderPosEmbed);
  }
  const { latent } = await encoder.run(encFeeds);
  const { pred } = await decoder.run({ ...decFeeds, latent });
  checkTensor(`${c.key}/latent`, latent, `${c.key}/latent`);
  checkTensor(`${c.key}/pred`, pred, `${c.key}/pred`);
  if (v2 && c.attention && manifest.attention) {
    encAtt ??= await open(manifest.attention.encoder.file);
    decAtt ??= await open(manifest.attention.decoder.file);
    const e = await encAtt.run(encFeeds);
    checkTensor(`${c.key}/latent (attention graph)`, e.latent, `${c.key}/latent`);
    checkRows(`${c.key}/encoder attention`, e.attention, c.attention.encoder, c.attention.encoderRows);
    const d = await decAtt.run({ ...decFeeds, latent });
    checkRows(`${c.key}/decoder attention`, d.attention, c.attention.decoder, c.attention.decoderRows);
    attentionCases++;
  }
}
console.log(
  JSON.stringify({
    cases: meta.cases.length,
    gridCases: v2 ? (meta.gridCases ?? []).length : 0,
    attentionCases,
    worstRelativeMaxDiff: worst,
    tol,
  }),
);

// npm run bench:weights-int8 [-- --models vit-b16] [--schemes fp32,per-channel,per-tensor,native-fp32,native-int8] [--iters 5] [--rounds 3] [--threads 1] [--no-kernels] [--markdown]
//
// int8 graphs of imported weights (src/features/models/weights/quantize-int8.ts) against the fp32
// graphs of the same file, on onnxruntime-web's WASM backend in this Node process (the page's
// kernels, without the page):
// 1. kernels: one ViT-B/16 fc1 layer (197 tokens, 768 -> 3072) in every int8 form onnxruntime-web
//    1.30 has a kernel for, written by Python's onnx package into .cache/int8-kernels/: fp32 MatMul;
//    DynamicQuantizeLinear + MatMulInteger (per-channel and per-tensor scales); the contrib
//    DynamicQuantizeMatMul; DequantizeLinear + MatMul; MatMulNBits with 8 and 4 bits, block 32 and
//    128, accuracy_level 0 and 4. Median ms of --rounds interleaved rounds of 5 runs after a
//    warm-up, and the relative L2 error against a float64 product.
// 2. models: random weights of the official sizes in the official layout (written by Python into
//    .cache/weights/ on first use, as bench:weights does): import (fp32: graphs over the file's byte
//    ranges; int8: graphs plus quantization, timed), session creation, then encoder + decoder per
//    image at B=1 (ratio 0.75), interleaved rounds; model bytes and pred relL2 against fp32.
//    native-fp32 / native-int8: the same fp32 / per-channel int8 graphs on onnxruntime-node (the
//    issue's yardstick: in-page int8 against native fp32), same thread count, in the same run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import ortNode from 'onnxruntime-node';
import * as ort from 'onnxruntime-web';
import { argv, opt } from '../scripts/cli-args.mjs';
import { maeInputs, timeMae } from './kernel/mae-runs.mjs';
import { createImportedSessions, nodeSessionOptions, openWeightsFile } from '../src/cli/node-weights.ts';
import { importWeights } from '../src/features/models/weights/index.ts';
import { readMaeWeights } from '../src/features/models/weights/import-weights.ts';
import { buildInt8Graphs } from '../src/features/models/weights/quantize-int8.ts';

const iters = Number(opt('iters', 5));
const rounds = Number(opt('rounds', 3));
const threads = Number(opt('threads', 1));
const modelNames = opt('models', 'vit-b16').split(',').filter(Boolean);
const schemes = opt('schemes', 'fp32,per-channel,per-tensor').split(',');
const asMarkdown = argv.includes('--markdown');
ort.env.wasm.numThreads = threads;
const PY = process.env.MAE_PYTHON ?? '/usr/bin/python3';
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const pyEnv = { ...process.env, PYTHONPATH: path.join(root, 'python') };
const FACTORIES = { 'vit-b16': 'mae_vit_base_patch16', 'vit-l16': 'mae_vit_large_patch16', 'vit-h14': 'mae_vit_huge_patch14' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r1 = (x) => Math.round(x * 10) / 10;
const lines = [];
const out = (line) => {
  lines.push(line);
  if (!asMarkdown) console.log(line);
};

function relL2(got, want) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / den);
}

// ---- 1. kernels --------------------------------------------------------------------------------
const KERNEL_PY = String.raw`
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto as T
out = sys.argv[1]; M, K, N = 197, 768, 3072
rng = np.random.default_rng(0)
W = (rng.standard_normal((N, K)) * 0.02).astype(np.float32)  # PyTorch layout [out, in]
W.tofile(out + "/W.f32")
def save(name, nodes, inits, contrib=False):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", T.FLOAT, [1, M, K])], [helper.make_tensor_value_info("y", T.FLOAT, None)], inits)
    ops = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.microsoft", 1)] if contrib else [])
    m = helper.make_model(g, opset_imports=ops); m.ir_version = 8
    onnx.save(m, f"{out}/{name}.onnx")
save("fp32 MatMul", [helper.make_node("MatMul", ["x", "W"], ["y"])], [numpy_helper.from_array(W.T.copy(), "W")])
for per in ("per-channel", "per-tensor"):
    amax = np.abs(W).max(1) if per == "per-channel" else np.array(np.abs(W).max())
    s = (amax / 127).astype(np.float32)
    q = np.clip(np.rint(W / (s[:, None] if s.ndim else s)), -127, 127).astype(np.int8)
    inits = [numpy_helper.from_array(q.T.copy(), "Wq"), numpy_helper.from_array(s, "ws")]
    save(f"DQL+MatMulInteger {per}", [helper.make_node("DynamicQuantizeLinear", ["x"], ["a", "as", "az"]), helper.make_node("MatMulInteger", ["a", "Wq", "az"], ["i"]),
        helper.make_node("Cast", ["i"], ["f"], to=T.FLOAT), helper.make_node("Mul", ["as", "ws"], ["sc"]), helper.make_node("Mul", ["f", "sc"], ["y"])], inits)
    if per == "per-channel":
        save("DynamicQuantizeMatMul (contrib)", [helper.make_node("DynamicQuantizeMatMul", ["x", "Wq", "ws"], ["y"], domain="com.microsoft")], inits, True)
        save("DequantizeLinear + MatMul", [helper.make_node("DequantizeLinear", ["Wq", "ws", "wz"], ["Wd"], axis=1), helper.make_node("MatMul", ["x", "Wd"], ["y"])],
             inits + [numpy_helper.from_array(np.zeros(N, np.int8), "wz")])
for bits in (8, 4):
    for block in (32, 128):
        kb = K // block; Wb = W.reshape(N, kb, block); top = 2 ** (bits - 1) - 1
        sc = (np.abs(Wb).max(2) / top).astype(np.float32); sc[sc == 0] = 1
        qq = (np.clip(np.rint(Wb / sc[..., None]), -top - 1, top) + 2 ** (bits - 1)).astype(np.uint8)  # default zero point 2^(bits-1)
        blob = qq if bits == 8 else (qq[..., 0::2] | (qq[..., 1::2] << 4)).astype(np.uint8)
        for acc in (0, 4):
            save(f"MatMulNBits {bits}-bit block {block} acc {acc}", [helper.make_node("MatMulNBits", ["x", "B", "S"], ["y"], domain="com.microsoft", K=K, N=N, bits=bits, block_size=block, accuracy_level=acc)],
                 [numpy_helper.from_array(blob, "B"), numpy_helper.from_array(sc.reshape(-1), "S")], True)
`;

async function kernels() {
  const dir = path.join(root, '.cache', 'int8-kernels');
  fs.mkdirSync(dir, { recursive: true });
  execFileSync(PY, ['-c', KERNEL_PY, dir], { stdio: 'inherit' });
  const [M, K, N] = [197, 768, 3072];
  const w = new Float32Array(fs.readFileSync(path.join(dir, 'W.f32')).buffer.slice(0));
  const x = new Float32Array(M * K).map((_, i) => Math.sin(i * 0.37) * 1.5);
  const want = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += x[m * K + k] * w[n * K + k];
      want[m * N + n] = acc;
    }
  out(`\n### One Linear layer (ViT-B/16 fc1: 197 x 768 -> 3072), onnxruntime-web ${ort.env.versions.web} WASM, ${threads} thread(s)\n`);
  out(`| form | ms (median of ${rounds} interleaved rounds x 5) | relL2 vs float64 |`);
  out('|---|---|---|');
  const names = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => f.slice(0, -5))
    .sort((a, b) => (a.startsWith('fp32') ? -1 : b.startsWith('fp32') ? 1 : a.localeCompare(b)));
  const feeds = { x: new ort.Tensor('float32', x, [1, M, K]) };
  const forms = [];
  for (const name of names) {
    try {
      const session = await ort.InferenceSession.create(fs.readFileSync(path.join(dir, `${name}.onnx`)), { executionProviders: ['wasm'] });
      const y = (await session.run(feeds)).y.data; // warm-up, and the error
      forms.push({ name, session, err: relL2(y, want), ms: [] });
    } catch (e) {
      forms.push({ name, failed: String(e.message ?? e).slice(0, 120) });
    }
  }
  // interleaved: a load that comes and goes hits every form alike
  for (let round = 0; round < rounds; round++) {
    for (const f of forms.filter((f) => f.session)) {
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await f.session.run(feeds);
        f.ms.push(performance.now() - t0);
      }
    }
  }
  for (const f of forms) {
    out(f.session ? `| ${f.name} | ${r1(median(f.ms))} | ${f.err.toExponential(1)} |` : `| ${f.name} | fails: ${f.failed} | |`);
    await f.session?.release();
  }
}

// ---- 2. models ---------------------------------------------------------------------------------
function ensureWeights(name) {
  const factory = FACTORIES[name];
  if (!factory) throw new Error(`unknown model ${name} (known: ${Object.keys(FACTORIES).join(', ')})`);
  const dir = path.join(root, '.cache', 'weights');
  const file = path.join(dir, `${factory}.pth`);
  if (!fs.existsSync(file)) {
    console.error(`writing random ${factory} weights in the official layout to ${path.relative(root, file)} (one-off) ...`);
    execFileSync(PY, ['-m', 'mae_fixtures.weight_fixtures', '--official', factory, '--out', dir], {
      cwd: root,
      env: pyEnv,
      stdio: 'ignore',
    });
  }
  return file;
}

async function loadScheme(file, scheme) {
  const blob = await openWeightsFile(file);
  const name = path.basename(file);
  const t0 = performance.now();
  if (scheme === 'native-fp32') {
    const m = await importWeights(blob, name);
    const t1 = performance.now();
    const sessions = await createImportedSessions(m, threads, file);
    const bytes = m.encoder.length + m.decoder.length + m.externalData.reduce((s, e) => s + e.data.size, 0);
    return { manifest: m.manifest, sessions, bytes, buildMs: t1 - t0, sessionMs: performance.now() - t1, Tensor: ortNode.Tensor };
  }
  if (scheme === 'native-int8') {
    const { manifest } = await importWeights(blob, name);
    const q = await buildInt8Graphs(await readMaeWeights(blob, name), blob, name);
    const t1 = performance.now();
    const create = (g) =>
      ortNode.InferenceSession.create(g.onnx, { ...nodeSessionOptions(threads), externalData: [{ path: g.dataPath, data: g.data }] });
    const sessions = { encoder: await create(q.encoder), decoder: await create(q.decoder) };
    const bytes = [q.encoder, q.decoder].reduce((s, g) => s + g.onnx.length + g.data.length, 0);
    return { manifest, sessions, bytes, buildMs: t1 - t0, sessionMs: performance.now() - t1, Tensor: ortNode.Tensor };
  }
  if (scheme === 'fp32') {
    const m = await importWeights(blob, name);
    const t1 = performance.now();
    const byPath = new Map(m.externalData.map((e) => [e.path, e.data]));
    const create = (graph, paths = []) =>
      ort.InferenceSession.create(graph, {
        executionProviders: ['wasm'],
        externalData: paths.map((p) => ({ path: p, data: byPath.get(p) })),
      });
    const sessions = {
      encoder: await create(m.encoder, m.manifest.encoder.externalData),
      decoder: await create(m.decoder, m.manifest.decoder.externalData),
    };
    const bytes = m.encoder.length + m.decoder.length + m.externalData.reduce((s, e) => s + e.data.size, 0);
    return { manifest: m.manifest, sessions, bytes, buildMs: t1 - t0, sessionMs: performance.now() - t1 };
  }
  const { manifest } = await importWeights(blob, name);
  const q = await buildInt8Graphs(await readMaeWeights(blob, name), blob, name, { scheme });
  const t1 = performance.now();
  const create = (g) =>
    ort.InferenceSession.create(g.onnx, { executionProviders: ['wasm'], externalData: [{ path: g.dataPath, data: g.data }] });
  const sessions = { encoder: await create(q.encoder), decoder: await create(q.decoder) };
  const bytes = [q.encoder, q.decoder].reduce((s, g) => s + g.onnx.length + g.data.length, 0);
  return { manifest, sessions, bytes, buildMs: t1 - t0, sessionMs: performance.now() - t1 };
}

async function model(name) {
  const file = ensureWeights(name);
  const runs = [];
  for (const scheme of schemes) {
    const r = await loadScheme(file, scheme);
    const x = maeInputs(r.Tensor ?? ort.Tensor, r.manifest, 0.75, 1);
    const { latent } = await r.sessions.encoder.run({ image: x.image, ids_keep: x.ids_keep });
    r.pred = (await r.sessions.decoder.run({ latent, ids_restore: x.ids_restore })).pred.data;
    runs.push({ scheme, x, ms: [], ...r });
  }
  for (let round = 0; round < rounds; round++) {
    for (const r of runs) {
      const t = await timeMae(r.sessions.encoder, r.sessions.decoder, r.x, 1, iters);
      r.ms.push(...t.encoderMs.map((e, i) => e + t.decoderMs[i]));
    }
  }
  const fp32 = runs.find((r) => r.scheme === 'fp32');
  out(
    `\n### ${name} (random weights, official layout, ${Math.round(fs.statSync(file).size / 1e6)} MB), onnxruntime-web ${ort.env.versions.web} WASM unless marked, ${threads} thread(s), B=1, ratio 0.75\n`,
  );
  out('| graphs | ms/image (median) | vs fp32 | import + quantize ms | sessions ms | model bytes | vs fp32 | pred relL2 vs fp32 |');
  out('|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    const ms = median(r.ms);
    const speed = fp32 ? `${(median(fp32.ms) / ms).toFixed(2)}x` : '';
    const size = fp32 ? `${(r.bytes / fp32.bytes).toFixed(3)}x` : '';
    const err = fp32 ? relL2(r.pred, fp32.pred).toExponential(1) : '';
    const label =
      { fp32: 'fp32 (WASM)', 'native-fp32': 'fp32, onnxruntime-node', 'native-int8': 'int8 per-channel, onnxruntime-node' }[r.scheme] ??
      `int8 ${r.scheme} (WASM)`;
    out(
      `| ${label} | ${r1(ms)} | ${speed} | ${Math.round(r.buildMs)} | ${Math.round(r.sessionMs)} | ${Math.round(r.bytes / 1e6)} MB | ${size} | ${err} |`,
    );
  }
  for (const r of runs) {
    await r.sessions.encoder.release();
    await r.sessions.decoder.release();
  }
}

out(
  `${new Date().toISOString()}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, iters ${iters} x rounds ${rounds}`,
);
if (!argv.includes('--no-kernels')) await kernels();
for (const name of modelNames) await model(name);
out(
  `\nload average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (asMarkdown) console.log(lines.join('\n'));

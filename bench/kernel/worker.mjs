// The WASM side of `npm run bench:kernels`: onnxruntime-web (the WASM-only build the app's worker
// uses on WASM) in a bare module worker, with no page, React or canvas around it. The worker keeps
// its sessions across requests so the driver can interleave WASM and native runs in rounds.
let ort = null;
let model = null; // { encoder, decoder, manifest }
let matmul = null;
const inputs = new Map(); // batch -> { image, ids_keep, ids_restore }

async function init({ threads, modelUrl, matmulBytes, ratio }) {
  ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const manifest = await (await fetch(new URL('manifest.json', modelUrl))).json();
  // The app's session options (src/worker/mae-worker.ts).
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const encoder = await ort.InferenceSession.create(new URL(manifest.encoder.file, modelUrl).href, options);
  const decoder = await ort.InferenceSession.create(new URL(manifest.decoder.file, modelUrl).href, options);
  model = { encoder, decoder, manifest, ratio };
  matmul = await ort.InferenceSession.create(new Uint8Array(matmulBytes), options);
  return { threads: ort.env.wasm.numThreads, crossOriginIsolated: self.crossOriginIsolated };
}

/** The same inputs the native side builds (bench/kernel-bench.mjs `modelInputs`). */
function inputsFor(B) {
  if (inputs.has(B)) return inputs.get(B);
  const { manifest: m, ratio } = model;
  const L = (m.imgSize / m.patchSize) ** 2;
  const keep = Math.max(1, Math.floor(L * (1 - ratio)));
  const perm = Array.from({ length: L }, (_, i) => (i * 67) % L); // 67 is coprime with L = 49, 196, 784
  const restore = new Array(L);
  perm.forEach((id, pos) => (restore[id] = pos));
  const image = new Float32Array(B * 3 * m.imgSize * m.imgSize).map((_, i) => Math.sin(i * 0.001));
  const x = {
    image: new ort.Tensor('float32', image, [B, 3, m.imgSize, m.imgSize]),
    ids_keep: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * keep }, (_, i) => BigInt(perm[i % keep])),
      [B, keep],
    ),
    ids_restore: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: B * L }, (_, i) => BigInt(restore[i % L])),
      [B, L],
    ),
  };
  inputs.set(B, x);
  return x;
}

async function runModel({ batch, iters }) {
  const x = inputsFor(batch);
  const encoderMs = [];
  const decoderMs = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    const { latent } = await model.encoder.run({ image: x.image, ids_keep: x.ids_keep });
    const t1 = performance.now();
    await model.decoder.run({ latent, ids_restore: x.ids_restore });
    const t2 = performance.now();
    encoderMs.push((t1 - t0) / batch);
    decoderMs.push((t2 - t1) / batch);
  }
  return { encoderMs, decoderMs };
}

async function runMatmul({ iters }) {
  const n = 1024;
  const a = new ort.Tensor(
    'float32',
    new Float32Array(n * n).map((_, i) => Math.sin(i)),
    [n, n],
  );
  const b = new ort.Tensor(
    'float32',
    new Float32Array(n * n).map((_, i) => Math.cos(i)),
    [n, n],
  );
  const ms = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await matmul.run({ a, b });
    ms.push(performance.now() - t0);
  }
  return { ms };
}

self.onmessage = async (ev) => {
  const { id, type, ...args } = ev.data;
  try {
    const handler = { init, model: runModel, matmul: runMatmul }[type];
    self.postMessage({ id, result: await handler(args) });
  } catch (e) {
    self.postMessage({ id, error: String(e?.stack ?? e) });
  }
};

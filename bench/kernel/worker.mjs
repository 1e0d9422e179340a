// The WASM side of `npm run bench:kernels`: onnxruntime-web (the WASM-only build the app's worker
// uses on WASM) in a bare module worker, with no page, React or canvas around it. The worker keeps
// its sessions across requests so the driver can interleave WASM and native runs in rounds.
import { maeInputs, matmulInputs, timeMae, timeRuns } from './mae-runs.mjs';

let ort = null;
let model = null; // { encoder, decoder, manifest, ratio }
let matmul = null;
const inputs = new Map(); // batch -> the inputs the native side gets too (maeInputs)

async function init({ threads, modelUrl, matmulBytes, ratio }) {
  ort = await import('/ort/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  const manifest = await (await fetch(new URL('manifest.json', modelUrl))).json();
  // The app's session options (src/worker/runtime.ts).
  const options = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  // weights in external data files (contract v2) are fetched by onnxruntime from their URLs
  const withData = (part) => ({
    ...options,
    externalData: (part.externalData ?? []).map((f) => ({ path: f, data: new URL(f, modelUrl).href })),
  });
  const encoder = await ort.InferenceSession.create(new URL(manifest.encoder.file, modelUrl).href, withData(manifest.encoder));
  const decoder = await ort.InferenceSession.create(new URL(manifest.decoder.file, modelUrl).href, withData(manifest.decoder));
  model = { encoder, decoder, manifest, ratio };
  matmul = { session: await ort.InferenceSession.create(new Uint8Array(matmulBytes), options), feeds: matmulInputs(ort.Tensor) };
  return { threads: ort.env.wasm.numThreads, crossOriginIsolated: self.crossOriginIsolated };
}

function runModel({ batch, iters }) {
  if (!inputs.has(batch)) inputs.set(batch, maeInputs(ort.Tensor, model.manifest, model.ratio, batch));
  return timeMae(model.encoder, model.decoder, inputs.get(batch), batch, iters);
}

async function runMatmul({ iters }) {
  return { ms: await timeRuns(matmul.session, matmul.feeds, iters) };
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

// What the benchmarks feed and time, shared by the Node side (bench/*.mjs, onnxruntime-node) and
// the bare WASM worker (bench/kernel/worker.mjs, onnxruntime-web): the same inputs and the same
// timing loop on both sides of every comparison. `Tensor` is the runtime's own constructor.

/** onnxruntime-node session options for the benchmarks: all threads of the comparison, sequential. */
export function nativeSessionOptions(threads, spinning) {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // onnxruntime's pools spin after a run by default. Encoder and decoder are two sessions, and
    // on two cores one session's spinning pool slows the other (ViT-Ti 23 -> 14 ms per image at
    // B=1, ViT-B/16 118 -> 74 ms; docs/BENCHMARKS.md).
    extra: { session: { intra_op: { allow_spinning: spinning ? '1' : '0' } } },
  };
}

/** B images (a fixed smooth pattern) and one fixed mask at `ratio`, repeated for every image. */
export function maeInputs(Tensor, manifest, ratio, B) {
  const { imgSize } = manifest;
  const L = (imgSize / manifest.patchSize) ** 2;
  const keep = Math.max(1, Math.floor(L * (1 - ratio)));
  const perm = Array.from({ length: L }, (_, i) => (i * 67) % L); // 67 is coprime with L = 49, 196, 784
  const restore = new Array(L);
  perm.forEach((id, pos) => (restore[id] = pos));
  const image = new Float32Array(B * 3 * imgSize * imgSize).map((_, i) => Math.sin(i * 0.001));
  // Contract v2 graphs take their position tables as inputs; for timing their values do not matter.
  const v2 = manifest.format === 'mae-playground/2';
  const table = (d) => new Tensor('float32', new Float32Array((L + 1) * d), [1, L + 1, d]);
  return {
    encoderPos: v2 ? { pos_embed: table(manifest.encoder.embedDim) } : {},
    decoderPos: v2 ? { decoder_pos_embed: table(manifest.decoder.embedDim) } : {},
    image: new Tensor('float32', image, [B, 3, imgSize, imgSize]),
    ids_keep: new Tensor(
      'int64',
      BigInt64Array.from({ length: B * keep }, (_, i) => BigInt(perm[i % keep])),
      [B, keep],
    ),
    ids_restore: new Tensor(
      'int64',
      BigInt64Array.from({ length: B * L }, (_, i) => BigInt(restore[i % L])),
      [B, L],
    ),
  };
}

/** `iters` encoder + decoder runs on inputs `x` of `batch` images: milliseconds per image. */
export async function timeMae(encoder, decoder, x, batch, iters) {
  const encoderMs = [];
  const decoderMs = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    const { latent } = await encoder.run({ image: x.image, ids_keep: x.ids_keep, ...x.encoderPos });
    const t1 = performance.now();
    await decoder.run({ latent, ids_restore: x.ids_restore, ...x.decoderPos });
    const t2 = performance.now();
    encoderMs.push((t1 - t0) / batch);
    decoderMs.push((t2 - t1) / batch);
  }
  return { encoderMs, decoderMs };
}

export const MATMUL_N = 1024;

/** The inputs a, b of the N x N x N MatMul graph. */
export function matmulInputs(Tensor) {
  const n = MATMUL_N;
  return {
    a: new Tensor(
      'float32',
      new Float32Array(n * n).map((_, i) => Math.sin(i)),
      [n, n],
    ),
    b: new Tensor(
      'float32',
      new Float32Array(n * n).map((_, i) => Math.cos(i)),
      [n, n],
    ),
  };
}

/** `iters` runs of `session` on `feeds`: milliseconds per run. */
export async function timeRuns(session, feeds, iters) {
  const ms = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    ms.push(performance.now() - t0);
  }
  return ms;
}

/**
 * One image through the two graphs of the model contract. Shared by the browser worker
 * (onnxruntime-web), the Node tests and the CLI (onnxruntime-node): both packages re-export the
 * onnxruntime-common API, so only its types are imported here and the Tensor constructor comes in
 * as a parameter. That keeps this module free of any runtime import.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { MaskIds } from './masking.ts';

export interface MaeSessions {
  encoder: InferenceSession;
  decoder: InferenceSession;
}

export interface ReconstructResult {
  /** decoder output [L, p*p*3] (batch dimension dropped), official patch layout */
  pred: Float32Array;
  /** dims of the encoder's latent, [1, 1+K, D] */
  latentDims: readonly number[];
  encoderMs: number;
  decoderMs: number;
}

/** Graph input/output names fixed by the model contract. */
export const GRAPH_NAMES = {
  image: 'image',
  idsKeep: 'ids_keep',
  latent: 'latent',
  idsRestore: 'ids_restore',
  pred: 'pred',
} as const;

function toInt64(ids: Int32Array): BigInt64Array {
  const out = new BigInt64Array(ids.length);
  for (let i = 0; i < ids.length; i++) out[i] = BigInt(ids[i]);
  return out;
}

function disposeAll(tensors: Iterable<Tensor | undefined>): void {
  for (const t of tensors) t?.dispose();
}

const defaultNow = (): number => globalThis.performance.now();

/**
 * image: normalised float32 [3, imgSize, imgSize]. Runs encoder(image, ids_keep) → latent
 * [1,1+K,D], then decoder(latent, ids_restore) → pred [1,L,p*p*3]. The latent goes from one
 * session to the other as a tensor, so with GPU-located outputs it never visits the CPU. Every
 * tensor created or returned here is disposed (GPU buffers are not garbage collected); `pred` is
 * copied out first.
 */
export async function reconstruct(
  sessions: MaeSessions,
  TensorCtor: typeof Tensor,
  image: Float32Array,
  imgSize: number,
  masks: MaskIds,
  now: () => number = defaultNow,
): Promise<ReconstructResult> {
  if (image.length !== 3 * imgSize * imgSize) {
    throw new RangeError(`image must hold 3×${imgSize}×${imgSize} = ${3 * imgSize * imgSize} values, got ${image.length}`);
  }
  const K = masks.idsKeep.length;
  const L = masks.idsRestore.length;
  if (K < 1 || K > L) throw new RangeError(`ids_keep must hold 1..${L} ids, got ${K}`);

  const created: Tensor[] = [];
  let encOut: Record<string, Tensor> = {};
  let decOut: Record<string, Tensor> = {};
  try {
    const imageT = new TensorCtor('float32', image, [1, 3, imgSize, imgSize]);
    created.push(imageT);
    const keepT = new TensorCtor('int64', toInt64(masks.idsKeep), [1, K]);
    created.push(keepT);

    const t0 = now();
    encOut = await sessions.encoder.run({ [GRAPH_NAMES.image]: imageT, [GRAPH_NAMES.idsKeep]: keepT });
    const t1 = now();
    const latent = encOut[GRAPH_NAMES.latent];
    if (!latent) throw new Error(`encoder.onnx has no output "${GRAPH_NAMES.latent}" (outputs: ${Object.keys(encOut).join(', ')})`);
    const latentDims = latent.dims.slice();
    // The encoder's inputs are not needed any more; free them before the decoder allocates.
    disposeAll(created.splice(0));

    const restoreT = new TensorCtor('int64', toInt64(masks.idsRestore), [1, L]);
    created.push(restoreT);
    const t2 = now();
    decOut = await sessions.decoder.run({ [GRAPH_NAMES.latent]: latent, [GRAPH_NAMES.idsRestore]: restoreT });
    const t3 = now();
    const predT = decOut[GRAPH_NAMES.pred];
    if (!predT) throw new Error(`decoder.onnx has no output "${GRAPH_NAMES.pred}" (outputs: ${Object.keys(decOut).join(', ')})`);
    if (predT.type !== 'float32' || predT.dims.length !== 3 || predT.dims[0] !== 1 || predT.dims[1] !== L) {
      throw new Error(`decoder output pred must be float32 [1,${L},P], got ${predT.type} [${predT.dims.join(',')}]`);
    }
    // getData() also works for GPU-located outputs; copy so the result outlives dispose().
    const data = (await predT.getData()) as Float32Array;
    return { pred: new Float32Array(data), latentDims, encoderMs: t1 - t0, decoderMs: t3 - t2 };
  } finally {
    disposeAll(created);
    disposeAll(Object.values(encOut));
    disposeAll(Object.values(decOut));
  }
}

/**
 * One image through the two graphs of the model contract. Shared by the browser worker
 * (onnxruntime-web), the Node tests and the CLI (onnxruntime-node): both packages re-export the
 * onnxruntime-common API, so only its types are imported here and the Tensor constructor comes in
 * as a parameter. That keeps this module free of any runtime import.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import type { MaskIds } from './masking.ts';
import { gridPositions, type PositionSource } from './grid-positions.ts';

export interface MaeSessions {
  encoder: InferenceSession;
  decoder: InferenceSession;
  /**
   * Contract v2 graphs (inputs `pos_embed`, `decoder_pos_embed`): where their tables come from. Absent
   * on a v2 model: the fixed sin-cos tables, widths read from the graphs' input shapes. v1 graphs
   * (tables inside the graph) ignore it.
   */
  positions?: PositionSource;
}

export interface ReconstructResult {
  /** decoder output [L, p*p*3] (batch dimension dropped), official patch layout */
  pred: Float32Array;
  /** dims of the encoder's latent, [1, 1+K, D] */
  latentDims: readonly number[];
  /** where the latent lived between the two sessions: 'cpu', or 'gpu-buffer' with WebGPU outputs */
  latentLocation: Tensor.DataLocation;
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
  posEmbed: 'pos_embed',
  decoderPosEmbed: 'decoder_pos_embed',
} as const;

/** Image height and width in pixels (a number: a square of that side, the v1 contract's only shape). */
export type ImageSize = number | { readonly height: number; readonly width: number };

function sizeOf(size: ImageSize): { height: number; width: number } {
  return typeof size === 'number' ? { height: size, width: size } : { height: size.height, width: size.width };
}

/** Whether the model takes its position tables as inputs (contract v2), so any patch grid runs. */
export function takesPositions(sessions: MaeSessions): boolean {
  return sessions.encoder.inputNames.includes(GRAPH_NAMES.posEmbed);
}

/**
 * The position inputs of v2 graphs for images of `size` cut into `numPatches` patches, for code that
 * runs the two sessions itself: spread `encoder` into the encoder's feeds and `decoder` into the
 * decoder's. Both empty for v1 graphs (their tables are inside).
 */
export function positionFeeds(
  sessions: MaeSessions,
  TensorCtor: typeof Tensor,
  size: ImageSize,
  numPatches: number,
): { encoder: Record<string, Tensor>; decoder: Record<string, Tensor> } {
  if (!takesPositions(sessions)) return { encoder: {}, decoder: {} };
  const { height, width } = sizeOf(size);
  const t = gridPositions(sessions, height, width, numPatches);
  const rows = numPatches + 1;
  return {
    encoder: { [GRAPH_NAMES.posEmbed]: new TensorCtor('float32', t.encoder, [1, rows, t.encoderDim]) },
    decoder: sessions.decoder.inputNames.includes(GRAPH_NAMES.decoderPosEmbed)
      ? { [GRAPH_NAMES.decoderPosEmbed]: new TensorCtor('float32', t.decoder, [1, rows, t.decoderDim]) }
      : {},
  };
}

/** Row-major [rows.length, rows[0].length] int64 from int32 rows. */
function toInt64(rows: readonly Int32Array[]): BigInt64Array {
  const n = rows.length === 0 ? 0 : rows[0].length;
  const out = new BigInt64Array(rows.length * n);
  rows.forEach((ids, r) => {
    for (let i = 0; i < n; i++) out[r * n + i] = BigInt(ids[i]);
  });
  return out;
}

function disposeAll(tensors: Iterable<Tensor | undefined>): void {
  for (const t of tensors) t?.dispose();
}

const defaultNow = (): number => globalThis.performance.now();

/** One row of a batch: its normalised CHW image and its mask. */
export interface BatchItem {
  /** normalised float32 [3, H, W] (H = W = imgSize for v1 models) */
  image: Float32Array;
  masks: MaskIds;
}

export interface ReconstructBatchResult {
  /** one decoder output [L, p*p*3] per item, in item order (each its own buffer) */
  preds: Float32Array[];
  /** dims of the encoder's latent, [B, 1+K, D] */
  latentDims: readonly number[];
  latentLocation: Tensor.DataLocation;
  /** time of the one encoder call and the one decoder call (for the whole batch) */
  encoderMs: number;
  decoderMs: number;
}

/**
 * image: normalised float32 [3, H, W] (`size`; v1 graphs take only their square imgSize). Runs encoder(image, ids_keep) → latent
 * [1,1+K,D], then decoder(latent, ids_restore) → pred [1,L,p*p*3]. The latent goes from one
 * session to the other as a tensor, so with GPU-located outputs it never visits the CPU. Every
 * tensor created or returned here is disposed (GPU buffers are not garbage collected); `pred` is
 * copied out first.
 */
export async function reconstruct(
  sessions: MaeSessions,
  TensorCtor: typeof Tensor,
  image: Float32Array,
  size: ImageSize,
  masks: MaskIds,
  now: () => number = defaultNow,
): Promise<ReconstructResult> {
  const r = await reconstructBatch(sessions, TensorCtor, [{ image, masks }], size, now);
  return { pred: r.preds[0], latentDims: r.latentDims, latentLocation: r.latentLocation, encoderMs: r.encoderMs, decoderMs: r.decoderMs };
}

/**
 * B images in one encoder call and one decoder call (the graphs take a dynamic batch dimension).
 * Every item must keep the same number of patches K (same masking ratio), since ids_keep is one
 * [B, K] tensor; the masks themselves may differ. All items share one image size (one patch grid).
 * v2 graphs also get `pos_embed` / `decoder_pos_embed` for that grid (computed once per model and
 * grid, see grid-positions.ts). Same tensor handling as reconstruct(), which is this function with B = 1.
 */
export async function reconstructBatch(
  sessions: MaeSessions,
  TensorCtor: typeof Tensor,
  items: readonly BatchItem[],
  size: ImageSize,
  now: () => number = defaultNow,
): Promise<ReconstructBatchResult> {
  const B = items.length;
  if (B < 1) throw new RangeError('reconstructBatch needs at least one item');
  const { height, width } = sizeOf(size);
  const imageLen = 3 * height * width;
  const K = items[0].masks.idsKeep.length;
  const L = items[0].masks.idsRestore.length;
  if (K < 1 || K > L) throw new RangeError(`ids_keep must hold 1..${L} ids, got ${K}`);
  items.forEach(({ image, masks }, b) => {
    if (image.length !== imageLen) {
      throw new RangeError(`image must hold 3×${height}×${width} = ${imageLen} values, got ${image.length}${B > 1 ? ` (item ${b})` : ''}`);
    }
    if (masks.idsKeep.length !== K || masks.idsRestore.length !== L) {
      throw new RangeError(
        `every item of a batch must keep ${K} of ${L} patches; item ${b} keeps ${masks.idsKeep.length} of ${masks.idsRestore.length}`,
      );
    }
  });

  // v2 graphs: the position tables for this image's grid (v1 graphs hold theirs inside)
  const positions = takesPositions(sessions) ? gridPositions(sessions, height, width, L) : undefined;

  const created: Tensor[] = [];
  let encOut: Record<string, Tensor> = {};
  let decOut: Record<string, Tensor> = {};
  try {
    // B = 1 passes the caller's array as is (no copy); a batch is packed into one [B,3,H,W] buffer.
    const imageData = B === 1 ? items[0].image : concatF32(items.map((it) => it.image));
    const imageT = new TensorCtor('float32', imageData, [B, 3, height, width]);
    created.push(imageT);
    const keepT = new TensorCtor('int64', toInt64(items.map((it) => it.masks.idsKeep)), [B, K]);
    created.push(keepT);
    const encFeeds: Record<string, Tensor> = { [GRAPH_NAMES.image]: imageT, [GRAPH_NAMES.idsKeep]: keepT };
    if (positions) {
      const posT = new TensorCtor('float32', positions.encoder, [1, L + 1, positions.encoderDim]);
      created.push(posT);
      encFeeds[GRAPH_NAMES.posEmbed] = posT;
    }

    const t0 = now();
    encOut = await sessions.encoder.run(encFeeds);
    const t1 = now();
    const latent = encOut[GRAPH_NAMES.latent];
    if (!latent) throw new Error(`encoder.onnx has no output "${GRAPH_NAMES.latent}" (outputs: ${Object.keys(encOut).join(', ')})`);
    const latentDims = latent.dims.slice();
    const latentLocation = latent.location;
    // The encoder's inputs are not needed any more; free them before the decoder allocates.
    disposeAll(created.splice(0));

    const restoreT = new TensorCtor('int64', toInt64(items.map((it) => it.masks.idsRestore)), [B, L]);
    created.push(restoreT);
    const decFeeds: Record<string, Tensor> = { [GRAPH_NAMES.latent]: latent, [GRAPH_NAMES.idsRestore]: restoreT };
    if (positions && sessions.decoder.inputNames.includes(GRAPH_NAMES.decoderPosEmbed)) {
      const decPosT = new TensorCtor('float32', positions.decoder, [1, L + 1, positions.decoderDim]);
      created.push(decPosT);
      decFeeds[GRAPH_NAMES.decoderPosEmbed] = decPosT;
    }
    const t2 = now();
    decOut = await sessions.decoder.run(decFeeds);
    const t3 = now();
    const predT = decOut[GRAPH_NAMES.pred];
    if (!predT) throw new Error(`decoder.onnx has no output "${GRAPH_NAMES.pred}" (outputs: ${Object.keys(decOut).join(', ')})`);
    if (predT.type !== 'float32' || predT.dims.length !== 3 || predT.dims[0] !== B || predT.dims[1] !== L) {
      throw new Error(`decoder output pred must be float32 [${B},${L},P], got ${predT.type} [${predT.dims.join(',')}]`);
    }
    // getData() also works for GPU-located outputs; copy so the results outlive dispose().
    const data = (await predT.getData()) as Float32Array;
    const per = data.length / B;
    const preds = Array.from({ length: B }, (_, b) => data.slice(b * per, (b + 1) * per));
    return { preds, latentDims, latentLocation, encoderMs: t1 - t0, decoderMs: t3 - t2 };
  } finally {
    disposeAll(created);
    disposeAll(Object.values(encOut));
    disposeAll(Object.values(decOut));
  }
}

function concatF32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

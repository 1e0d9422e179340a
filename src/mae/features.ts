/**
 * The encoder's patch features, for the compare view's feature maps: the encoder runs on EVERY patch
 * (ids_keep = 0..L-1, nothing hidden), so each patch position gets a token. Without a mask the map
 * shows what the encoder makes of the whole image, which is what a linear probe or a fine-tune sees.
 */
import type { Tensor } from 'onnxruntime-common';
import { GRAPH_NAMES, positionFeeds, type MaeSessions } from './reconstruct.ts';

export interface PatchFeatures {
  /** [numPatches, dim] row-major, patch tokens in raster order (the cls token dropped) */
  data: Float32Array;
  numPatches: number;
  dim: number;
}

export async function encodePatchFeatures(
  sessions: MaeSessions,
  TensorCtor: typeof Tensor,
  image: Float32Array,
  imgSize: number,
  numPatches: number,
): Promise<PatchFeatures> {
  const ids = new BigInt64Array(numPatches);
  for (let i = 0; i < numPatches; i++) ids[i] = BigInt(i);
  const imageT = new TensorCtor('float32', image, [1, 3, imgSize, imgSize]);
  const keepT = new TensorCtor('int64', ids, [1, numPatches]);
  // a contract v2 encoder takes its position table (the training grid's here); v1: none
  const pos = positionFeeds(sessions, TensorCtor, imgSize, numPatches).encoder;
  let out: Record<string, Tensor> = {};
  try {
    out = await sessions.encoder.run({ [GRAPH_NAMES.image]: imageT, [GRAPH_NAMES.idsKeep]: keepT, ...pos });
    const latent = out[GRAPH_NAMES.latent];
    if (!latent || latent.dims.length !== 3 || latent.dims[1] !== numPatches + 1) {
      throw new Error(`encoder latent must be [1, ${numPatches + 1}, D], got [${latent?.dims.join(',') ?? ''}]`);
    }
    const dim = latent.dims[2];
    const all = (await latent.getData()) as Float32Array;
    return { data: all.slice(dim), numPatches, dim }; // drop the cls token (row 0)
  } finally {
    imageT.dispose();
    keepT.dispose();
    for (const t of Object.values(pos)) t.dispose();
    for (const t of Object.values(out)) t.dispose();
  }
}

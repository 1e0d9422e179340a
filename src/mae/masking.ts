/**
 * Seeded random masking, bit-for-bit the same as python/mae_playground/mask_prng.py (the reference vectors store
 * ids made there, and tests compare them exactly). The official MAE draws `torch.rand` noise; a
 * browser cannot reproduce torch's generator, so the playground defines masks with its own PRNG
 * and keeps the official semantics: argsort the noise, keep the lowest `lenKeep`.
 */

const GOLDEN = 0x9e3779b9;

/**
 * mulberry32: 32-bit state, each call returns uint32 / 2^32 in [0, 1). Small, fast, and easy to
 * write identically in Python (see mask_prng.py). Math.imul and `>>> 0` keep it in uint32.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = ((t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t) >>> 0;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Seed for image `imageIndex` of a grid: the grid seed (every image gets the same mask) or the
 * seed plus a golden-ratio step per image, mod 2^32. Math.imul gives the low 32 bits of the
 * product exactly, where a float multiply would lose them past 2^53.
 */
export function imageSeed(seed: number, imageIndex: number, sameMaskForAll: boolean): number {
  if (sameMaskForAll) return seed >>> 0;
  return (seed + (Math.imul(imageIndex, GOLDEN) >>> 0)) >>> 0;
}

/**
 * Patches kept visible: max(1, int(L * (1 - ratio))). float64 product then truncation, exactly
 * Python's int(); e.g. 196 * (1 - 0.75) = 49, 196 * (1 - 0.95) = 9.799... → 9. At least one patch
 * stays visible because the encoder needs something to look at.
 */
export function lenKeep(numPatches: number, maskRatio: number): number {
  if (!Number.isInteger(numPatches) || numPatches <= 0) throw new RangeError(`numPatches must be a positive integer (got ${numPatches})`);
  if (!(maskRatio >= 0 && maskRatio <= 1)) throw new RangeError(`maskRatio must be in [0, 1] (got ${maskRatio})`);
  return Math.max(1, Math.trunc(numPatches * (1 - maskRatio)));
}

export interface MaskIds {
  /** patch ids the encoder sees, in shuffle order (the order of the latent tokens) */
  idsKeep: Int32Array;
  /** position of each patch in the shuffled sequence; the decoder unshuffles with it */
  idsRestore: Int32Array;
  /** per patch, 1 = removed (hidden), 0 = kept */
  mask: Uint8Array;
}

/** Builds keep/restore/mask from a full shuffle order whose first `keep` entries are kept. */
function fromShuffle(idsShuffle: Int32Array, keep: number): MaskIds {
  const n = idsShuffle.length;
  const idsRestore = new Int32Array(n);
  for (let i = 0; i < n; i++) idsRestore[idsShuffle[i]] = i; // argsort of a permutation = its inverse
  const mask = new Uint8Array(n);
  for (let j = 0; j < n; j++) mask[j] = idsRestore[j] >= keep ? 1 : 0;
  return { idsKeep: idsShuffle.slice(0, keep), idsRestore, mask };
}

/**
 * The official random masking with seeded noise: noise = L consecutive mulberry32 draws,
 * idsShuffle = stable ascending argsort (ties broken by index, like numpy kind="stable"),
 * keep the first lenKeep. `seed` is the per-image seed (see imageSeed).
 */
export function randomMasking(seed: number, numPatches: number, maskRatio: number): MaskIds {
  const keep = lenKeep(numPatches, maskRatio);
  const next = mulberry32(seed);
  const noise = new Float64Array(numPatches);
  for (let i = 0; i < numPatches; i++) noise[i] = next();
  const order = Array.from({ length: numPatches }, (_, i) => i);
  order.sort((a, b) => noise[a] - noise[b] || a - b);
  return fromShuffle(Int32Array.from(order), keep);
}

/**
 * Masks chosen by hand (e.g. painting patches in the UI): idsShuffle = the kept ids in the given
 * order, then the removed ids ascending. Kept ids must be distinct, in range, and at least one.
 */
export function maskFromIdsKeep(idsKeep: ArrayLike<number>, numPatches: number): MaskIds {
  if (!Number.isInteger(numPatches) || numPatches <= 0) throw new RangeError(`numPatches must be a positive integer (got ${numPatches})`);
  const keep = idsKeep.length;
  if (keep < 1) throw new RangeError('at least one patch must stay visible');
  const seen = new Uint8Array(numPatches);
  const shuffle = new Int32Array(numPatches);
  for (let i = 0; i < keep; i++) {
    const id = idsKeep[i];
    if (!Number.isInteger(id) || id < 0 || id >= numPatches) throw new RangeError(`patch id ${id} out of range [0, ${numPatches})`);
    if (seen[id]) throw new RangeError(`patch id ${id} is listed twice`);
    seen[id] = 1;
    shuffle[i] = id;
  }
  let k = keep;
  for (let id = 0; id < numPatches; id++) if (!seen[id]) shuffle[k++] = id;
  return fromShuffle(shuffle, keep);
}

/** Convenience for hand-made masks: from a per-patch 0/1 mask (1 = hidden), kept ids ascending. */
export function maskFromHidden(mask: ArrayLike<number>): MaskIds {
  const kept: number[] = [];
  for (let i = 0; i < mask.length; i++) if (!mask[i]) kept.push(i);
  return maskFromIdsKeep(kept, mask.length);
}

// FLOP counts of the MAE graphs, from the architecture in a manifest (multiply-add = 2 FLOPs).
// Per ViT block on N tokens of width D, MLP ratio r: qkv 6ND², scores 2N²D, attn·V 2N²D,
// proj 2ND², MLP 4rND²  →  (8 + 4r)·N·D² + 4·N²·D. LayerNorm, softmax and GELU are ignored (< 2%).

export function blockFlops(tokens, dim, mlpRatio) {
  return (8 + 4 * mlpRatio) * tokens * dim * dim + 4 * tokens * tokens * dim;
}

export function encoderFlops(m, keep) {
  const L = (m.imgSize / m.patchSize) ** 2;
  const D = m.encoder.embedDim;
  const r = m.mlpRatio ?? 4;
  // The graph embeds every patch, then gathers the visible ones (as the official code does).
  const patchEmbed = 2 * L * (m.inChans * m.patchSize ** 2) * D;
  return patchEmbed + m.encoder.depth * blockFlops(1 + keep, D, r);
}

export function decoderFlops(m, keep) {
  const L = (m.imgSize / m.patchSize) ** 2;
  const D = m.encoder.embedDim;
  const Dd = m.decoder.embedDim;
  const r = m.mlpRatio ?? 4;
  return 2 * (1 + keep) * D * Dd + m.decoder.depth * blockFlops(1 + L, Dd, r) + 2 * L * Dd * m.inChans * m.patchSize ** 2;
}

export function lenKeep(numPatches, maskRatio) {
  return Math.max(1, Math.floor(numPatches * (1 - maskRatio)));
}

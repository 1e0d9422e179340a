/**
 * The manifest of a model derived from an fp32 one by re-encoding its weights (the int8 copy,
 * int8-cache.ts; the fp16 graphs, fp16-import.ts): the same model, each graph with its weights in
 * one buffer of its own. One function for both so the two copies cannot drift apart.
 */
import type { ModelManifest } from '../../../mae/model-contract.ts';

/** A re-encoded graph: its ONNX bytes and the one external-data buffer they name. */
interface DerivedGraph {
  onnx: Uint8Array;
  data: Uint8Array;
  dataPath: string;
}

/** The entries of `byName` that are not the fp32 graphs or their weights (v2 'table' models: pos-embed.bin). */
export function otherFiles<T>(fp32: ModelManifest, byName: Record<string, T>): Record<string, T> {
  const replaced = new Set([fp32.encoder.file, fp32.decoder.file, ...(fp32.encoder.externalData ?? []), ...(fp32.decoder.externalData ?? [])]);
  return Object.fromEntries(Object.entries(byName).filter(([name]) => !replaced.has(name)));
}

/** `fp32`'s manifest with the derived graphs and files, and `sourceFacts` (precision, scheme) added to its source. */
export function derivedManifest(
  fp32: ModelManifest,
  model: { encoder: DerivedGraph; decoder: DerivedGraph },
  sourceFacts: Record<string, unknown>,
): ModelManifest {
  const part = (m: ModelManifest['encoder'], g: DerivedGraph) => ({ ...m, externalData: [g.dataPath] });
  const files: NonNullable<ModelManifest['files']> = {
    // the fp32 model's other files (v2 'table' models: pos-embed.bin) stay as they are
    ...otherFiles(fp32, fp32.files ?? {}),
    [fp32.encoder.file]: { bytes: model.encoder.onnx.length },
    [fp32.decoder.file]: { bytes: model.decoder.onnx.length },
    [model.encoder.dataPath]: { bytes: model.encoder.data.length },
    [model.decoder.dataPath]: { bytes: model.decoder.data.length },
  };
  const source = typeof fp32.source === 'object' && fp32.source !== null ? fp32.source : {};
  return {
    ...fp32,
    encoder: part(fp32.encoder, model.encoder),
    decoder: part(fp32.decoder, model.decoder),
    files,
    source: { ...source, ...sourceFacts },
  };
}

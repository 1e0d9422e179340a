/**
 * An imported model as fp16 graphs (fp16-graph.ts) for WebGPU with shader-f16: the importer's
 * fp32 manifest turned into the fp16 one, and the files the worker's createSessions takes. The
 * float16 buffers are half the float32 weights; they are made from the user's file on every load
 * (reading and rounding, about a second per 100 M parameters on a CPU core), not cached: the fp32
 * file stays the one copy on disk, and onnxruntime copies the buffers to the GPU, after which the
 * load handler lets them go.
 */
import type { ModelManifest } from '../../../mae/index.ts';
import type { MaeWeights } from './architecture.ts';
import { buildFp16Graphs, type Fp16Model } from './fp16-graph.ts';

/** A model's files by manifest name, as the worker's createSessions takes them. */
export type ModelFiles = Map<string, Uint8Array<ArrayBuffer> | Blob>;

export interface Fp16Import {
  manifest: ModelManifest;
  files: ModelFiles;
  /** bytes of the two float16 buffers */
  dataBytes: number;
  buildMs: number;
}

/** The fp16 form of an fp32 manifest: the same model, its graphs' weights in one float16 buffer per graph. */
export function fp16Manifest(fp32: ModelManifest, model: Pick<Fp16Model, 'encoder' | 'decoder' | 'fp32Ops'>): ModelManifest {
  const part = (m: ModelManifest['encoder'], g: Fp16Model['encoder']) => ({ ...m, externalData: [g.dataPath] });
  const files: NonNullable<ModelManifest['files']> = {
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
    source: { ...source, precision: 'fp16', fp16Fp32Ops: [...model.fp32Ops] },
  };
}

/** The entries of `byName` that are not the fp32 graphs or their weights (v2 'table' models: pos-embed.bin). */
function otherFiles<T>(fp32: ModelManifest, byName: Record<string, T>): Record<string, T> {
  const replaced = new Set([fp32.encoder.file, fp32.decoder.file, ...(fp32.encoder.externalData ?? []), ...(fp32.decoder.externalData ?? [])]);
  return Object.fromEntries(Object.entries(byName).filter(([name]) => !replaced.has(name)));
}

/**
 * The fp16 graphs of `file` (the file `weights` was read from) with their manifest and files;
 * `fp32Files` (the importer's files) gives the model's other files, kept as they are.
 */
export async function fp16Import(
  fp32: ModelManifest,
  fp32Files: ModelFiles,
  weights: MaeWeights,
  file: Blob,
  fileName: string,
  onProgress?: (done: number, total: number) => void,
): Promise<Fp16Import> {
  const t = performance.now();
  const model = await buildFp16Graphs(weights, file, fileName, { precision: 'fp16', ...(onProgress ? { onProgress } : {}) });
  const manifest = fp16Manifest(fp32, model);
  const files: ModelFiles = new Map(Object.entries(otherFiles(fp32, Object.fromEntries(fp32Files))));
  for (const p of ['encoder', 'decoder'] as const) {
    files.set(manifest[p].file, model[p].onnx as Uint8Array<ArrayBuffer>);
    files.set(model[p].dataPath, model[p].data as Uint8Array<ArrayBuffer>);
  }
  return { manifest, files, dataBytes: model.encoder.data.length + model.decoder.data.length, buildMs: performance.now() - t };
}

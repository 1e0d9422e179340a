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
import { derivedManifest, otherFiles } from './derived-manifest.ts';
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
  return derivedManifest(fp32, model, { precision: 'fp16', fp16Fp32Ops: [...model.fp32Ops] });
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

/**
 * A weights file (.pth, pytorch_model.bin, .safetensors) as onnxruntime-node sessions, through the
 * same importer as the browser (src/features/models/weights). onnxruntime-node takes external data
 * as bytes (`{ path, data: Uint8Array }`), not Blobs, so each chunk of the file that a graph uses is
 * read once here (with positioned file reads: Node's Blob.arrayBuffer() is several times slower);
 * in the browser onnxruntime-web reads the Blob slices itself.
 */
import { openAsBlob } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import * as ort from 'onnxruntime-node';
import { importWeights, type ImportedModel, type ImportOptions } from '../features/models/weights/index.ts';
import type { NodeModel } from './node-model.ts';

export interface NodeWeightsModel extends NodeModel {
  imported: ImportedModel;
}

export interface WeightsLoadOptions extends ImportOptions {
  /** intra-op threads per session; 0 lets onnxruntime pick (all cores) */
  threads?: number;
}

export async function openWeightsFile(path: string): Promise<Blob> {
  try {
    return await openAsBlob(path);
  } catch (e) {
    throw new Error(`cannot open ${path}: ${(e as Error).message}`);
  }
}

/** Session options as node-model.ts uses them for model folders, so that both paths are timed alike. */
export function nodeSessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** Bytes [start, end) of a file, read in place. */
async function readFileRange(path: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const out = new Uint8Array(end - start);
    let done = 0;
    while (done < out.length) {
      const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
      if (bytesRead === 0) throw new Error(`${path} changed while it was read (it ends at byte ${start + done})`);
      done += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/**
 * Sessions for an imported model: each graph gets the chunks its manifest lists, read just before
 * its session is created and dropped after (so at most one graph's weights are held here).
 * `filePath` (the file the model was imported from) lets the chunks be read from disk directly.
 * `readMs` is the time spent reading chunks, the rest is onnxruntime's.
 */
export async function createImportedSessions(
  imported: ImportedModel,
  threads = 0,
  filePath?: string,
): Promise<{ encoder: ort.InferenceSession; decoder: ort.InferenceSession; readMs: number }> {
  const ranges = new Map(imported.chunks.map((c) => [c.path, c]));
  const blobs = new Map(imported.externalData.map((e) => [e.path, e.data]));
  let readMs = 0;
  const read = async (path: string): Promise<Uint8Array> => {
    const t0 = performance.now();
    const range = ranges.get(path);
    const blob = blobs.get(path) as Blob;
    const data = filePath && range ? await readFileRange(filePath, range.start, range.end) : new Uint8Array(await blob.arrayBuffer());
    readMs += performance.now() - t0;
    return data;
  };
  const create = async (graph: Uint8Array, paths: string[] = []): Promise<ort.InferenceSession> => {
    const externalData: { path: string; data: Uint8Array }[] = [];
    for (const path of paths) externalData.push({ path, data: await read(path) });
    return ort.InferenceSession.create(graph, { ...nodeSessionOptions(threads), externalData });
  };
  const encoder = await create(imported.encoder, imported.manifest.encoder.externalData);
  const decoder = await create(imported.decoder, imported.manifest.decoder.externalData);
  return { encoder, decoder, readMs };
}

export async function loadNodeWeights(path: string, opts: WeightsLoadOptions = {}): Promise<NodeWeightsModel> {
  const imported = await importWeights(await openWeightsFile(path), basename(path), opts);
  const { encoder, decoder } = await createImportedSessions(imported, opts.threads ?? 0, path);
  // contract v2 graphs: reconstruct() feeds them the position tables this model declares
  const sessions = { encoder, decoder, positions: imported.positions };
  return {
    manifest: imported.manifest,
    imported,
    sessions,
    release: async () => {
      await sessions.encoder.release();
      await sessions.decoder.release();
    },
  };
}

/**
 * Loads a model folder (manifest.json + encoder/decoder ONNX) into onnxruntime-node sessions.
 * Used by the CLI and the Node tests; the browser has its own loader in the worker.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseManifest, type MaeSessions, type ModelManifest } from '../mae/index.ts';

export interface NodeModel {
  manifest: ModelManifest;
  sessions: MaeSessions;
  release(): Promise<void>;
}

export interface LoadOptions {
  /** intra-op threads per session; 0 lets onnxruntime pick (all cores) */
  threads?: number;
}

export async function loadNodeModel(dir: string, opts: LoadOptions = {}): Promise<NodeModel> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${join(dir, 'manifest.json')}: ${(e as Error).message}`);
  }
  const manifest = parseManifest(text);
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.threads ?? 0,
    interOpNumThreads: 1,
    // Two sessions run one after the other; a thread pool that spins after its run takes cores
    // from the next session (2 cores: 1.6x slower per image at B=1, docs/BENCHMARKS.md).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  // Passing a path lets onnxruntime find external data files (ViT-H) next to the graph.
  const encoder = await ort.InferenceSession.create(join(dir, manifest.encoder.file), options);
  const decoder = await ort.InferenceSession.create(join(dir, manifest.decoder.file), options);
  return {
    manifest,
    sessions: { encoder, decoder },
    release: async () => {
      await encoder.release();
      await decoder.release();
    },
  };
}

export { ort };

/// <reference lib="webworker" />
/**
 * The attention view's own sessions (issue 24), one pair per loaded model, made on the view's first
 * request and released with the model: the normal encoder/decoder sessions are never touched, so
 * reconstructions keep their speed and memory while the view is closed.
 * - imported weights: the graphs are built here from the same file (attention-graph.ts), their
 *   weights the same byte ranges of it (Blob slices, no copy);
 * - a contract v2 folder: its manifest's `attention` graphs (encoder-attention.onnx,
 *   decoder-attention.onnx), whose external data are the encoder's and decoder's own data files;
 * - anything else: unavailable, with the reason.
 */
import type * as ort from 'onnxruntime-web';
import { errorText } from '../../mae/error-text.ts';
import { listedFile, positionSourceFromManifest, type ModelManifest, type PositionSource } from '../../mae/index.ts';
import type { AttentionSessions } from './attention-run.ts';
import { checkFileContent, downloadModelFiles } from '../models/model-download.ts';
import { locateModelFolder } from '../models/model-folder.ts';
import { isWeightsImport } from '../models/weights-local.ts';
import { buildDecoderAttentionGraph, buildEncoderAttentionGraph } from '../models/weights/attention-graph.ts';
import { readMaeWeights } from '../models/weights/import-weights.ts';
import { importedPositions } from '../models/weights/positions.ts';
import { memoryProblem } from '../models/weights/memory.ts';
import { architectureLabel } from '../models/weights/import-weights.ts';
import type { AttentionSource } from './attention-source.ts';
import type { Provider } from '../../worker/messages.ts';
import type { OrtRuntime } from '../../worker/runtime.ts';
import { externalDataFailure, openExternalData } from '../../worker/external-data.ts';

export const V1_REASON = 'unavailable: this folder has no attention graphs (exported before contract v2)';

/** A graph to create: its bytes and its external data by name. */
interface GraphFiles {
  onnx: Uint8Array;
  externalData: { path: string; data: Uint8Array | Blob }[];
}

interface AttentionPart {
  file: string;
  externalData: string[];
}

/** The manifest's `attention` entry (contract v2), read defensively: a folder's JSON is input. */
export function attentionParts(manifest: ModelManifest): { encoder: AttentionPart; decoder: AttentionPart } | null {
  const a = (manifest as { attention?: unknown }).attention;
  const part = (v: unknown): AttentionPart | null => {
    if (typeof v !== 'object' || v === null) return null;
    const { file, externalData } = v as { file?: unknown; externalData?: unknown };
    if (typeof file !== 'string' || !file.endsWith('.onnx')) return null;
    const ext = externalData === undefined ? [] : externalData;
    if (!Array.isArray(ext) || !ext.every((e) => typeof e === 'string')) return null;
    return { file, externalData: ext };
  };
  if (typeof a !== 'object' || a === null) return null;
  const encoder = part((a as { encoder?: unknown }).encoder);
  const decoder = part((a as { decoder?: unknown }).decoder);
  return encoder && decoder ? { encoder, decoder } : null;
}

export class AttentionUnavailable extends Error {}

interface ModelGraphs {
  encoder: GraphFiles;
  decoder: GraphFiles;
  /** the position tables v2 graphs are fed (the model's own: sin-cos, or its stored tables) */
  positions: PositionSource;
}

/** The two attention graphs of the model and its position source, or why there are none. */
async function graphFiles(manifest: ModelManifest, source: AttentionSource | undefined, provider: Provider): Promise<ModelGraphs> {
  if (!source) throw new AttentionUnavailable('unavailable: the model was not loaded by this page (reload it)');
  if (source.local && isWeightsImport(source.local)) {
    const { path, blob } = source.local[0];
    const name = path.slice(path.lastIndexOf('/') + 1);
    // Head counts as the load found them (given by the person for unknown widths).
    const weights = await readMaeWeights(blob, name, { numHeads: manifest.encoder.numHeads, decoderNumHeads: manifest.decoder.numHeads });
    // the attention graphs are exact (fp32), beside the model's own sessions (which may be int8)
    const tooBig = memoryProblem(architectureLabel(weights.architecture), weights.encoderParams + weights.decoderParams, provider);
    if (tooBig) throw new AttentionUnavailable(`unavailable here: its attention graphs run exact (fp32). ${tooBig}`);
    const files = (g: ReturnType<typeof buildEncoderAttentionGraph>): GraphFiles => ({
      onnx: g.onnx,
      externalData: g.chunks.map((c) => ({ path: c.path, data: blob.slice(c.start, c.end) })),
    });
    const positions = (await importedPositions(blob, name, weights)).source;
    return { encoder: files(buildEncoderAttentionGraph(weights)), decoder: files(buildDecoderAttentionGraph(weights)), positions };
  }
  const parts = attentionParts(manifest);
  if (!parts) throw new AttentionUnavailable(V1_REASON);
  if (source.local) {
    const folder = locateModelFolder(source.local.map((f) => ({ path: f.path, item: f.blob })));
    const blobOf = (name: string): Blob => {
      const b = folder.files.get(name);
      if (!b) throw new AttentionUnavailable(`unavailable: the folder lists ${name} for attention, but it is not among the chosen files`);
      return b;
    };
    const read = async (p: AttentionPart): Promise<GraphFiles> => {
      const onnx = new Uint8Array(await blobOf(p.file).arrayBuffer());
      await checkFileContent(p.file, onnx, true, listedFile(manifest, p.file)?.sha256, false);
      return { onnx, externalData: p.externalData.map((path) => ({ path, data: blobOf(path) })) };
    };
    const table = manifest.grid?.positionsFile;
    const positions = positionSourceFromManifest(manifest, table ? new Uint8Array(await blobOf(table).arrayBuffer()) : undefined);
    return { encoder: await read(parts.encoder), decoder: await read(parts.decoder), positions };
  }
  // A downloaded folder: the attention graphs, and their data files again (the browser's cache, or
  // the offline precache, usually has them), with the manifest's size and hash checks.
  const asParts = { ...manifest, encoder: { ...manifest.encoder, ...parts.encoder }, decoder: { ...manifest.decoder, ...parts.decoder } };
  const bytes = await downloadModelFiles(source.base, asParts, () => undefined);
  const fileOf = (name: string): Uint8Array => {
    const data = bytes.get(name);
    if (!data) throw new Error(`${name} did not download`);
    return data;
  };
  const get = (p: AttentionPart): GraphFiles => ({
    onnx: fileOf(p.file),
    externalData: p.externalData.map((path) => ({ path, data: fileOf(path) })),
  });
  const table = manifest.grid?.positionsFile;
  let tableBytes: Uint8Array | undefined;
  if (table) {
    const res = await fetch(new URL(table, source.base));
    if (!res.ok) throw new Error(`${table}: HTTP ${res.status}`);
    tableBytes = new Uint8Array(await res.arrayBuffer());
  }
  return { encoder: get(parts.encoder), decoder: get(parts.decoder), positions: positionSourceFromManifest(manifest, tableBytes) };
}

async function create(rt: OrtRuntime, provider: Provider, g: GraphFiles, label: string): Promise<ort.InferenceSession> {
  const opened = await openExternalData(g.externalData);
  const external = opened.entries;
  try {
    return await rt.InferenceSession.create(g.onnx, {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      // one tensor at a time from a Blob, as the model's own sessions (src/worker/external-data.ts)
      ...(external.length > 0 ? { externalData: external } : {}),
    });
  } catch (e) {
    const unread = externalDataFailure(external);
    if (unread) throw new Error(`the ${label} attention graph's ${unread}`);
    throw new Error(`onnxruntime could not load the ${label} attention graph: ${errorText(e)}`);
  } finally {
    opened.close();
  }
}

export interface ModelAttention {
  sessions: AttentionSessions;
  positions: PositionSource;
}

interface Slot {
  manifest: ModelManifest;
  provider: Provider;
  sessions: Promise<ModelAttention>;
}
let slot: Slot | null = null;

/** Releases the attention sessions (a new model loads, or the provider changed). */
export async function releaseAttention(): Promise<void> {
  const s = slot;
  slot = null;
  if (!s) return;
  const made = await s.sessions.catch(() => null);
  if (made) await Promise.allSettled([made.sessions.encoder.release(), made.sessions.decoder.release()]);
}

/**
 * The model's attention sessions on `provider`, made at the first call (and again after a provider
 * change or a failure). `made` says whether this call made them (its time is the view's first-use cost).
 */
export async function attentionSessions(
  rt: OrtRuntime,
  provider: Provider,
  manifest: ModelManifest,
  source: AttentionSource | undefined,
): Promise<ModelAttention & { made: boolean }> {
  if (slot && slot.manifest === manifest && slot.provider === provider) return { ...(await slot.sessions), made: false };
  await releaseAttention();
  const sessions = (async () => {
    const files = await graphFiles(manifest, source, provider);
    const encoder = await create(rt, provider, files.encoder, 'encoder');
    try {
      return { sessions: { encoder, decoder: await create(rt, provider, files.decoder, 'decoder') }, positions: files.positions };
    } catch (e) {
      await encoder.release().catch(() => undefined);
      throw e;
    }
  })();
  const mine: Slot = { manifest, provider, sessions };
  slot = mine;
  try {
    return { ...(await sessions), made: true };
  } catch (e) {
    if (slot === mine) slot = null; // the next request tries again
    throw e;
  }
}

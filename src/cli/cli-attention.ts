/**
 * `npm run cli -- --attention …` (issue 24): per image, the attention maps the page's attention view
 * shows, as PNGs and one JSON: the encoder's cls token at the chosen block (and its rollout through
 * blocks 1..that one), and the decoder's row of one patch (default: the first hidden patch in raster
 * order: "where it copied from"). The attention graphs are the model's own: built from the weights
 * file (--weights), or the folder's encoder-attention.onnx / decoder-attention.onnx (contract v2).
 */
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import {
  positionSourceFromManifest,
  positionTables,
  type MaskIds,
  type ModelManifest,
  type PositionSource,
  type RgbaImage,
} from '../mae/index.ts';
import { runAttention, type AttentionSessions } from '../features/attention/attention-run.ts';
import { heatImage, patchName } from '../features/attention/attention-image.ts';
import { mapView, type AttentionData, type AttentionSelection } from '../features/attention/attention-view.ts';
import type { HeadChoice } from '../features/attention/attention-math.ts';
import { buildDecoderAttentionGraph, buildEncoderAttentionGraph } from '../features/models/weights/attention-graph.ts';
import type { BuiltGraph } from '../features/models/weights/mae-graph.ts';
import { encodePng } from './image-io.ts';
import { ort as nodeOrt } from './node-model.ts';
import { nodeSessionOptions, type NodeWeightsModel } from './node-weights.ts';
import type { NodeModel } from './node-model.ts';

export const NO_ATTENTION = 'unavailable: this folder has no attention graphs (exported before contract v2)';

export interface AttentionChoice {
  /** 0-based block; -1 = the last */
  layer: number;
  head: HeadChoice;
  /** the decoder's query patch; null = the first hidden patch */
  patch: number | null;
}

export interface NodeAttention {
  sessions: AttentionSessions;
  positions: PositionSource;
  release(): Promise<void>;
}

async function readRange(path: string, start: number, end: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const out = new Uint8Array(end - start);
    let done = 0;
    while (done < out.length) {
      const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
      if (bytesRead === 0) throw new Error(`${path} ended early`);
      done += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}

/** The attention sessions of a loaded CLI model: from its weights file, or its v2 folder. */
export async function loadNodeAttention(
  model: NodeModel,
  from: { weights?: string; modelDir: string },
  threads: number,
): Promise<NodeAttention> {
  const options = nodeSessionOptions(threads);
  let encoder: ort.InferenceSession;
  let decoder: ort.InferenceSession;
  let positions: PositionSource;
  if (from.weights !== undefined) {
    const { imported } = model as NodeWeightsModel;
    const path = from.weights;
    const create = async (g: BuiltGraph) =>
      nodeOrt.InferenceSession.create(g.onnx, {
        ...options,
        externalData: await Promise.all(g.chunks.map(async (c) => ({ path: c.path, data: await readRange(path, c.start, c.end) }))),
      });
    encoder = await create(buildEncoderAttentionGraph(imported.weights));
    decoder = await create(buildDecoderAttentionGraph(imported.weights));
    positions = imported.positions;
  } else {
    const m: ModelManifest = model.manifest;
    if (!m.attention) throw new Error(NO_ATTENTION);
    // a path: onnxruntime finds the graphs' external data (the encoder's and decoder's data files) beside them
    encoder = await nodeOrt.InferenceSession.create(join(from.modelDir, m.attention.encoder.file), options);
    decoder = await nodeOrt.InferenceSession.create(join(from.modelDir, m.attention.decoder.file), options);
    const table = m.grid?.positionsFile;
    positions = positionSourceFromManifest(m, table ? new Uint8Array(await readFile(join(from.modelDir, table))) : undefined);
  }
  return {
    sessions: { encoder, decoder },
    positions,
    release: async () => {
      await encoder.release();
      await decoder.release();
    },
  };
}

/** What one map of the JSON holds: the view's numbers for one selection. */
function mapJson(data: AttentionData, sel: AttentionSelection) {
  const v = mapView(data, sel);
  const s = v.selection;
  return {
    graph: s.graph,
    block: s.layer + 1,
    depth: v.depth,
    head: s.head === 'mean' ? 'mean' : s.head + 1,
    heads: v.heads,
    query: s.query === 'cls' ? 'cls' : s.query,
    rollout: s.rollout,
    /** per patch (raster order); null: not a key of this graph (a hidden patch, in the encoder) */
    patches: Array.from(v.patches, (x) => (Number.isFinite(x) ? Number(x.toPrecision(7)) : null)),
    cls: Number(v.cls.toPrecision(7)),
    max: v.max,
    shares: v.shares,
  };
}

/** The maps of one image: PNGs and `<name>.attention.json` contents. */
export async function attentionOutputs(
  attention: NodeAttention,
  manifest: ModelManifest,
  chw: Float32Array,
  masks: MaskIds,
  original: RgbaImage,
  name: string,
  choice: AttentionChoice,
): Promise<{ files: [string, Buffer][]; json: object }> {
  const side = manifest.imgSize / manifest.patchSize;
  const L = side * side;
  const takesPositions = attention.sessions.encoder.inputNames.includes('pos_embed');
  const tables = takesPositions
    ? positionTables({ ...attention.positions, encoderDim: manifest.encoder.embedDim, decoderDim: manifest.decoder.embedDim }, side, side)
    : undefined;
  const run = await runAttention(
    attention.sessions,
    nodeOrt.Tensor,
    chw,
    { height: manifest.imgSize, width: manifest.imgSize },
    masks,
    tables,
  );
  const data: AttentionData = { ...run, idsKeep: masks.idsKeep, hidden: masks.mask, numPatches: L, gridH: side, gridW: side };
  const hidden = Array.from(masks.mask.keys()).filter((p) => masks.mask[p]);
  const patch = choice.patch ?? hidden[0] ?? 0;
  if (patch < 0 || patch >= L) throw new Error(`--attention-patch must be a patch 0..${L - 1} (got ${patch})`);
  const layer = (depth: number) => (choice.layer < 0 ? depth - 1 : Math.min(choice.layer, depth - 1));
  const selections: [string, AttentionSelection][] = [
    ['encoder-cls', { graph: 'encoder', layer: layer(run.encoder.depth), head: choice.head, query: 'cls', rollout: false }],
    ['rollout', { graph: 'encoder', layer: layer(run.encoder.depth), head: 'mean', query: 'cls', rollout: true }],
    [`decoder-p${patch}`, { graph: 'decoder', layer: layer(run.decoder.depth), head: choice.head, query: patch, rollout: false }],
  ];
  const files: [string, Buffer][] = [];
  const maps: Record<string, ReturnType<typeof mapJson>> = {};
  for (const [what, sel] of selections) {
    const m = mapJson(data, sel);
    maps[what] = m;
    const values = Float32Array.from(m.patches, (x) => x ?? Number.NaN);
    files.push([
      `${name}.attention-${what}.png`,
      encodePng(heatImage(original, values, { gridH: side, gridW: side, selected: sel.query === 'cls' ? null : sel.query })),
    ]);
  }
  const json = {
    image: name,
    decoderQuery: { patch, name: patchName(patch, side), hidden: masks.mask[patch] === 1 },
    idsKeep: Array.from(masks.idsKeep),
    hiddenPatches: hidden,
    encoder: { depth: run.encoder.depth, heads: run.encoder.heads, tokens: run.encoder.tokens },
    decoder: { depth: run.decoder.depth, heads: run.decoder.heads, tokens: run.decoder.tokens },
    maps,
    encoderMs: run.encoderMs,
    decoderMs: run.decoderMs,
  };
  return { files, json };
}

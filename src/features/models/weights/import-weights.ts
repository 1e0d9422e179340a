/**
 * The one entry point: a weights file (official `.pth`, Hugging Face `pytorch_model.bin` or
 * `model.safetensors`) in, a model in the app's contract out: a manifest, two small ONNX graphs, and
 * the byte ranges of the file that hold their weights, ready for
 * `InferenceSession.create(graph, { externalData: [{ path, data }] })`.
 *
 * Pure TypeScript (no DOM, no React): runs in the worker and in Node. The file is read by byte
 * ranges (zip directory, data.pkl, safetensors header); the weights are never read here at all.
 * Every problem with the file is a WeightsError whose message names it.
 */
import type { ModelManifest } from '../../../mae/model-contract.ts';
import { readRange } from './blob-bytes.ts';
import { formatBytes } from '../../../mae/format-bytes.ts';
import { WeightsError } from './errors.ts';
import { inferArchitecture, type ArchitectureOptions, type MaeArchitecture, type MaeWeights } from './architecture.ts';
import { buildDecoderGraph, buildEncoderGraph, DEFAULT_GRAPH_OPS, OPSET, type ExternalChunk, type GraphOps } from './mae-graph.ts';
import { looksLikeSafetensors, readSafetensors } from './safetensors.ts';
import type { TensorTable } from './tensors.ts';
import { looksLikeLegacyTorch, readTorchCheckpoint } from './torch-checkpoint.ts';
import { looksLikeZip } from './zip.ts';
import { importedPositions, positionsFileBytes } from './positions.ts';
import type { PositionSource } from '../../../mae/grid-positions.ts';

export interface ImportProgress {
  stage: 'reading' | 'building' | 'done';
  /** a short line for a progress display */
  detail: string;
}

export interface ImportOptions extends ArchitectureOptions {
  /** targets are per-patch-normalised pixels; default: true for `*_full` files (the official norm-pix checkpoints) */
  normPixLoss?: boolean;
  /** how the graphs write linear layers (mae-graph.ts); default 'matmul', the page's (twice as fast on WASM) */
  graphOps?: GraphOps;
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportedModel {
  manifest: ModelManifest;
  encoder: Uint8Array;
  decoder: Uint8Array;
  /** slices of the file, each named as the graphs' external data `location` */
  externalData: { path: string; data: Blob }[];
  /** the byte range of the file behind each externalData path */
  chunks: ExternalChunk[];
  /** what the file is, for the model card */
  card: ModelCardFacts;
  /** the position tables the v2 graphs are fed (sessions.positions): sin-cos, or the file's tables resized */
  positions: PositionSource;
  /** the file's tensors and architecture (what the int8 builder, quantize-int8.ts, reads) */
  weights: MaeWeights;
}

export interface ModelCardFacts {
  file: string;
  fileBytes: number;
  container: TensorTable['container'];
  layout: MaeWeights['layout'];
  architecture: MaeArchitecture;
  /** e.g. "ViT-L/16" */
  label: string;
  targets: 'pixels' | 'norm-pix';
  encoderParams: number;
  decoderParams: number;
  license: string;
}

/** the contract's name for a 'table' model's stored position tables */
const POSITIONS_FILE = 'pos-embed.bin';

const OFFICIAL_LICENSE = 'CC BY-NC 4.0 (facebookresearch/mae): for non-commercial use; the app never bundles or re-serves these weights';

function stemOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export function architectureLabel(a: MaeArchitecture): string {
  const known: Record<string, string> = { '192x12': 'ViT-Ti', '384x12': 'ViT-S', '768x12': 'ViT-B', '1024x24': 'ViT-L', '1280x32': 'ViT-H' };
  const name = known[`${a.embedDim}x${a.depth}`];
  return name ? `${name}/${a.patchSize}` : `ViT ${a.embedDim}-d × ${a.depth}, patch ${a.patchSize}`;
}

/** What the first bytes say the file is, or a message for what it is instead. */
async function readTable(file: Blob, name: string): Promise<TensorTable> {
  if (file.size === 0) throw new WeightsError(`${name} is empty (0 bytes): the download or copy did not finish.`);
  const head = await readRange(file, 0, Math.min(file.size, 64), name);
  if (looksLikeZip(head)) return readTorchCheckpoint(file, name);
  if (looksLikeSafetensors(head)) return readSafetensors(file, name);
  if (looksLikeLegacyTorch(head)) {
    throw new WeightsError(
      `${name} is in PyTorch's old (before 1.6) file format, which this app does not read: load it and save it again with a current torch.save, or use the Hugging Face safetensors file.`,
    );
  }
  const text = new TextDecoder().decode(head).trimStart();
  if (text.startsWith('version https://git-lfs')) {
    throw new WeightsError(`${name} is a Git LFS pointer (${file.size} bytes), not the weights: download the file itself (git lfs pull, or the file's download link).`);
  }
  if (text.startsWith('<')) throw new WeightsError(`${name} is a web page (HTML), not weights: the download went wrong. Download the file again.`);
  throw new WeightsError(
    `${name} is not a weights file this app reads: it is neither a PyTorch checkpoint (.pth / pytorch_model.bin, a zip) nor safetensors (${formatBytes(file.size)}).`,
  );
}

/** The file's tensors under their canonical names and the architecture they make, without building graphs (quantize-int8.ts builds its own). */
export async function readMaeWeights(file: Blob, name: string, options: ArchitectureOptions = {}): Promise<MaeWeights> {
  return inferArchitecture(await readTable(file, name), name, options);
}

export async function importWeights(file: Blob, name: string, options: ImportOptions = {}): Promise<ImportedModel> {
  const progress = options.onProgress ?? (() => undefined);
  progress({ stage: 'reading', detail: `Reading ${name} (${formatBytes(file.size)})…` });
  const table = await readTable(file, name);
  const weights = inferArchitecture(table, name, options);
  const a = weights.architecture;
  const stem = stemOf(name);
  const normPixLoss = options.normPixLoss ?? /_full$/.test(stem);
  const label = architectureLabel(a);
  progress({ stage: 'building', detail: `Building the ${label} graphs…` });
  const ops = options.graphOps ?? DEFAULT_GRAPH_OPS;
  const encoder = buildEncoderGraph(weights, ops);
  const decoder = buildDecoderGraph(weights, ops);
  const positions = await importedPositions(file, name, weights);
  const positionsFile = positions.source.kind === 'table' ? positionsFileBytes(positions.source) : undefined;

  const official = /^mae_(visualize|pretrain)_vit_/.test(stem);
  const license =
    weights.layout === 'official' && official
      ? OFFICIAL_LICENSE
      : weights.layout === 'huggingface'
        ? "as stated where you downloaded it (Hugging Face's facebook/vit-mae-* are conversions of the official CC BY-NC 4.0 weights)"
        : 'unknown: as stated where the file came from';
  const targets = normPixLoss ? 'norm-pix' : 'pixels';
  const card: ModelCardFacts = {
    file: name,
    fileBytes: file.size,
    container: table.container,
    layout: weights.layout,
    architecture: a,
    label,
    targets,
    encoderParams: weights.encoderParams,
    decoderParams: weights.decoderParams,
    license,
  };
  const chunkFiles = (chunks: ExternalChunk[]) => Object.fromEntries(chunks.map((c) => [c.path, { bytes: c.end - c.start }]));
  const variant = /ganloss/.test(stem) ? ', trained with a GAN loss (sharper pictures, higher masked MSE)' : '';
  // contract v2: the graphs take the position tables for any patch grid (positions.ts decides which)
  const grid = {
    dynamic: true,
    positions: positions.source.kind,
    positionsMaxAbsDiff: positions.maxAbsDiff,
    ...(positionsFile ? { positionsFile: POSITIONS_FILE } : {}),
  };
  const manifest: ModelManifest & { grid: typeof grid } = {
    format: 'mae-playground/2',
    name: `MAE ${label} (${name})`,
    description:
      `Imported from ${name} (${formatBytes(file.size)}, ${weights.layout === 'official' ? 'facebookresearch/mae names' : 'Hugging Face ViTMAEForPreTraining names'}): ` +
      `ViT ${a.embedDim}-d × ${a.depth} blocks × ${a.numHeads} heads, patch ${a.patchSize}, ${a.imgSize} px; decoder ${a.decoderEmbedDim}-d × ${a.decoderDepth} × ${a.decoderNumHeads} heads; ` +
      `${targets === 'norm-pix' ? 'norm-pix targets (shown with the true patch statistics)' : 'pixel targets'}${variant}.`,
    source: { kind: 'imported-weights', ...card, architecture: { ...a } },
    imgSize: a.imgSize,
    patchSize: a.patchSize,
    inChans: a.inChans,
    numPatches: (a.imgSize / a.patchSize) ** 2,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    normPixLoss,
    trainMaskRatio: 0.75,
    mlpRatio: a.mlpRatio,
    encoder: {
      file: 'encoder.onnx',
      externalData: encoder.chunks.map((c) => c.path),
      embedDim: a.embedDim,
      depth: a.depth,
      numHeads: a.numHeads,
      params: weights.encoderParams,
    },
    decoder: {
      file: 'decoder.onnx',
      externalData: decoder.chunks.map((c) => c.path),
      embedDim: a.decoderEmbedDim,
      depth: a.decoderDepth,
      numHeads: a.decoderNumHeads,
      params: weights.decoderParams,
    },
    opset: OPSET,
    files: {
      'encoder.onnx': { bytes: encoder.onnx.length },
      'decoder.onnx': { bytes: decoder.onnx.length },
      ...chunkFiles(encoder.chunks),
      ...chunkFiles(decoder.chunks),
      ...(positionsFile ? { [POSITIONS_FILE]: { bytes: positionsFile.length } } : {}),
    },
    grid,
  };
  const externalData = [...encoder.chunks, ...decoder.chunks].map((c) => ({ path: c.path, data: file.slice(c.start, c.end) }));
  progress({ stage: 'done', detail: `${label}: ${formatBytes(file.size)} of weights ready` });
  return { manifest, encoder: encoder.onnx, decoder: decoder.onnx, externalData, chunks: [...encoder.chunks, ...decoder.chunks], card, positions: positions.source, weights };
}

/**
 * The model's files by the names its manifest uses: the two graphs as bytes and each external-data
 * chunk as a Blob slice of the user's file. onnxruntime-web takes either as `externalData[].data`,
 * so a loader that looks files up by manifest name (as the model-folder path does) can create the
 * sessions from this map: `InferenceSession.create(files.get(m.encoder.file), { externalData:
 * m.encoder.externalData.map((path) => ({ path, data: files.get(path) })) })`.
 */
export function importedModelFiles(model: ImportedModel): Map<string, Uint8Array | Blob> {
  const files = new Map<string, Uint8Array | Blob>([
    [model.manifest.encoder.file, model.encoder],
    [model.manifest.decoder.file, model.decoder],
  ]);
  for (const { path, data } of model.externalData) files.set(path, data);
  if (model.positions.kind === 'table') files.set(POSITIONS_FILE, positionsFileBytes(model.positions));
  return files;
}

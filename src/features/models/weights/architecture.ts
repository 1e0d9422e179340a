/**
 * From a file's tensors to an MAE: the name mapping (official facebookresearch/mae names with fused
 * `attn.qkv`, or Hugging Face `ViTMAEForPreTraining` names with split query/key/value under `vit.`
 * and `decoder.`) onto one canonical set of names, and the architecture read from the tensor shapes
 * as python/mae_playground/convert_official.py does, then a strict check that every tensor the architecture needs
 * is there with the right shape and nothing else is.
 *
 * Canonical names are the official ones, except that attention's input projection is always three
 * tensors `attn.q`, `attn.k`, `attn.v`: a fused `qkv` weight is cut into its row blocks 0:D, D:2D,
 * 2D:3D, which are contiguous byte ranges of the file, so both layouts give the same graph.
 */
import { WeightsError } from './errors.ts';
import { DTYPE_BYTES } from './pickle.ts';
import { numel, type TensorEntry, type TensorTable } from './tensors.ts';

export type WeightsLayout = 'official' | 'huggingface';

export interface MaeArchitecture {
  imgSize: number;
  patchSize: number;
  inChans: number;
  embedDim: number;
  depth: number;
  numHeads: number;
  decoderEmbedDim: number;
  decoderDepth: number;
  decoderNumHeads: number;
  mlpRatio: number;
  /** how the head counts were found: from the table of known widths, assumed from the head width, or given */
  headsFrom: 'known width' | 'assumed head width' | 'given';
}

export interface MaeWeights {
  layout: WeightsLayout;
  architecture: MaeArchitecture;
  /** canonical name → byte range in the file */
  tensors: Map<string, TensorEntry>;
  encoderParams: number;
  decoderParams: number;
}

export interface ArchitectureOptions {
  /** head counts for widths that are not in the tables below (they cannot be read from the weights) */
  numHeads?: number;
  decoderNumHeads?: number;
}

// Head counts are not visible in tensor shapes: the official widths and ours (as convert_official.py;
// python/tests/test_ts_parity.py checks that the two tables agree).
// Maps, not objects, here and below: the keys come from a file, and `'constructor' in {}` is true.
export const ENCODER_HEADS: ReadonlyMap<number, number> = new Map([
  [192, 3],
  [384, 6],
  [768, 12],
  [1024, 16],
  [1280, 16],
]);
export const DECODER_HEADS: ReadonlyMap<number, number> = new Map([
  [128, 4],
  [256, 8],
  [512, 16],
]);
// For other widths: the head width the official models use (64 in the encoders up to ViT-L, 32 in the decoders).
const ENCODER_HEAD_DIM = 64;
const DECODER_HEAD_DIM = 32;

const BLOCK_PARTS = ['norm1', 'attn.q', 'attn.k', 'attn.v', 'attn.proj', 'norm2', 'mlp.fc1', 'mlp.fc2'];

export const HF_BLOCK_NAMES: ReadonlyMap<string, string> = new Map([
  ['layernorm_before', 'norm1'],
  ['layernorm_after', 'norm2'],
  ['attention.attention.query', 'attn.q'],
  ['attention.attention.key', 'attn.k'],
  ['attention.attention.value', 'attn.v'],
  ['attention.output.dense', 'attn.proj'],
  ['intermediate.dense', 'mlp.fc1'],
  ['output.dense', 'mlp.fc2'],
]);

export const HF_NAMES: ReadonlyMap<string, string> = new Map([
  ['vit.embeddings.cls_token', 'cls_token'],
  ['vit.embeddings.position_embeddings', 'pos_embed'],
  ['vit.embeddings.patch_embeddings.projection.weight', 'patch_embed.proj.weight'],
  ['vit.embeddings.patch_embeddings.projection.bias', 'patch_embed.proj.bias'],
  ['vit.layernorm.weight', 'norm.weight'],
  ['vit.layernorm.bias', 'norm.bias'],
  ['decoder.decoder_embed.weight', 'decoder_embed.weight'],
  ['decoder.decoder_embed.bias', 'decoder_embed.bias'],
  ['decoder.mask_token', 'mask_token'],
  ['decoder.decoder_pos_embed', 'decoder_pos_embed'],
  ['decoder.decoder_norm.weight', 'decoder_norm.weight'],
  ['decoder.decoder_norm.bias', 'decoder_norm.bias'],
  ['decoder.decoder_pred.weight', 'decoder_pred.weight'],
  ['decoder.decoder_pred.bias', 'decoder_pred.bias'],
]);

function listNames(names: readonly string[], max = 6): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

const USE_INSTEAD =
  'Reconstructions need the decoder: use mae_visualize_vit_base.pth, mae_visualize_vit_large.pth or mae_visualize_vit_huge.pth ' +
  '(pixel targets; facebookresearch/mae), the mae_pretrain_vit_*_full.pth files (norm-pix targets), or Hugging Face ' +
  'facebook/vit-mae-base, -large or -huge (model.safetensors or pytorch_model.bin).';

/** Rows [from, to) of a row-major tensor as a tensor of its own: a byte range inside the original. */
function rows(t: TensorEntry, from: number, to: number, name: string): TensorEntry {
  const rowBytes = (numel(t.shape) / t.shape[0]) * DTYPE_BYTES[t.dtype];
  return { name, dtype: t.dtype, shape: [to - from, ...t.shape.slice(1)], byteOffset: t.byteOffset + from * rowBytes, byteLength: (to - from) * rowBytes };
}

/** Canonical names from either layout; the entries keep their original names for messages. */
export function canonicalTensors(table: TensorTable, fileName: string): { layout: WeightsLayout; tensors: Map<string, TensorEntry> } {
  let source = table.tensors;
  const names = [...source.keys()];
  // DistributedDataParallel prefixes every name with "module.".
  if (names.length > 0 && names.every((n) => n.startsWith('module.'))) {
    source = new Map([...source].map(([n, t]) => [n.slice('module.'.length), t]));
  }
  const has = (n: string): boolean => source.has(n);
  const out = new Map<string, TensorEntry>();
  if (has('patch_embed.proj.weight')) {
    for (const [name, t] of source) {
      const fused = /^((?:decoder_)?blocks\.\d+)\.attn\.qkv\.(weight|bias)$/.exec(name);
      if (fused) {
        const d = t.shape[0] / 3;
        if (!Number.isInteger(d) || d === 0) {
          throw new WeightsError(`${fileName}: ${name} has ${t.shape[0]} rows, not three equal blocks (query, key, value): unknown shapes.`);
        }
        ['q', 'k', 'v'].forEach((part, i) => out.set(`${fused[1]}.attn.${part}.${fused[2]}`, rows(t, i * d, (i + 1) * d, `${name}[${i * d}:${(i + 1) * d}]`)));
      } else {
        out.set(name, t);
      }
    }
    return { layout: 'official', tensors: out };
  }
  if (has('vit.embeddings.patch_embeddings.projection.weight') || has('embeddings.patch_embeddings.projection.weight')) {
    if (!has('vit.embeddings.patch_embeddings.projection.weight') || ![...source.keys()].some((n) => n.startsWith('decoder.'))) {
      throw new WeightsError(
        `${fileName} has no decoder: it holds a Hugging Face ViT/ViTMAE encoder only (no decoder.* weights), which cannot reconstruct hidden patches. ${USE_INSTEAD}`,
      );
    }
    for (const [name, t] of source) {
      const block = /^(vit\.encoder\.layer|decoder\.decoder_layers)\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
      const inner = block ? HF_BLOCK_NAMES.get(block[3]) : undefined;
      if (block && inner) {
        out.set(`${block[1] === 'vit.encoder.layer' ? 'blocks' : 'decoder_blocks'}.${block[2]}.${inner}.${block[4]}`, t);
      } else {
        // Names outside the table are kept as they are, so the strict check below lists them as unexpected.
        out.set(HF_NAMES.get(name) ?? name, t);
      }
    }
    return { layout: 'huggingface', tensors: out };
  }
  const shown = names.length ? `its tensors are ${listNames(names)}` : 'it holds no tensors';
  throw new WeightsError(
    `${fileName} is not an MAE checkpoint: it has neither patch_embed.proj.weight (facebookresearch/mae) nor ` +
      `vit.embeddings.patch_embeddings.projection.weight (Hugging Face ViTMAEForPreTraining); ${shown}.`,
  );
}

function blockCount(names: Iterable<string>, prefix: string): number {
  let max = -1;
  const re = new RegExp(`^${prefix}\\.(\\d+)\\.`);
  for (const n of names) {
    const m = re.exec(n);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return max + 1;
}

function heads(width: number, table: ReadonlyMap<number, number>, headDim: number, given: number | undefined, what: string, fileName: string) {
  if (given !== undefined) {
    if (!Number.isInteger(given) || given <= 0 || width % given !== 0) {
      throw new WeightsError(`${fileName}: ${given} ${what} heads do not divide the ${what} width ${width}.`);
    }
    return { heads: given, from: 'given' as const };
  }
  const known = table.get(width);
  if (known !== undefined) return { heads: known, from: 'known width' as const };
  if (width % headDim === 0) return { heads: width / headDim, from: 'assumed head width' as const };
  throw new WeightsError(
    `${fileName}: the ${what} is ${width} wide, a width no official MAE uses, and the number of attention heads cannot be read from the weights: give it (--${what === 'encoder' ? 'num-heads' : 'decoder-num-heads'} on the command line).`,
  );
}

/** The architecture of an MAE from its canonical tensors, checked strictly against every tensor. */
export function inferArchitecture(table: TensorTable, fileName: string, options: ArchitectureOptions = {}): MaeWeights {
  const { layout, tensors } = canonicalTensors(table, fileName);
  const shapeOf = (n: string): number[] | undefined => tensors.get(n)?.shape;
  const patchWeight = shapeOf('patch_embed.proj.weight');
  const pos = shapeOf('pos_embed');
  if (!patchWeight || !pos) throw new WeightsError(`${fileName} is not a complete MAE: ${patchWeight ? 'pos_embed' : 'patch_embed.proj.weight'} is missing.`);
  const decoderNames = [...tensors.keys()].filter((n) => n.startsWith('decoder_') || n === 'mask_token');
  if (!tensors.has('decoder_embed.weight') || !tensors.has('decoder_pred.weight')) {
    throw new WeightsError(
      `${fileName} has no decoder: it holds only the encoder (${tensors.size} tensors, ` +
        `${decoderNames.length ? `but not decoder_embed / decoder_pred` : 'no decoder_* weights'}), ` +
        `like the official mae_pretrain_vit_*.pth files, which are made for fine-tuning and cannot reconstruct hidden patches. ${USE_INSTEAD}`,
    );
  }
  const unknown = (why: string): never => {
    throw new WeightsError(`${fileName} has shapes this app does not know how to build: ${why}.`);
  };
  if (patchWeight.length !== 4) unknown(`patch_embed.proj.weight is [${patchWeight.join(', ')}], not a 4-d convolution`);
  const [embedDim, inChans, patchSize, patchSize2] = patchWeight;
  if (patchSize !== patchSize2) unknown(`the patches are ${patchSize}×${patchSize2}, not square`);
  if (inChans !== 3) unknown(`the model takes ${inChans} channels; photos have 3 (RGB)`);
  if (pos.length !== 3 || pos[0] !== 1 || pos[2] !== embedDim) unknown(`pos_embed is [${pos.join(', ')}], expected [1, tokens, ${embedDim}]`);
  const grid = Math.round(Math.sqrt(pos[1] - 1));
  if (grid * grid !== pos[1] - 1 || grid === 0) unknown(`pos_embed has ${pos[1]} tokens, not a square grid of patches plus one cls token`);
  const depth = blockCount(tensors.keys(), 'blocks');
  const decoderDepth = blockCount(tensors.keys(), 'decoder_blocks');
  if (depth === 0) unknown('there are no encoder blocks');
  const decoderWeight = shapeOf('decoder_embed.weight') as number[];
  if (decoderWeight.length !== 2) unknown(`decoder_embed.weight is [${decoderWeight.join(', ')}], not a matrix`);
  const decoderEmbedDim = decoderWeight[0];
  const fc1 = shapeOf('blocks.0.mlp.fc1.weight');
  if (!fc1 || fc1.length !== 2) return unknown('blocks.0.mlp.fc1.weight is missing or not a matrix');
  const mlpRatio = fc1[0] / embedDim;
  const encoderHeads = heads(embedDim, ENCODER_HEADS, ENCODER_HEAD_DIM, options.numHeads, 'encoder', fileName);
  const decoderHeads = heads(decoderEmbedDim, DECODER_HEADS, DECODER_HEAD_DIM, options.decoderNumHeads, 'decoder', fileName);
  const L = grid * grid;
  const pp3 = patchSize * patchSize * inChans;

  // Every tensor of the architecture with its shape, as MaskedAutoencoderViT (models_mae.py) declares them.
  const expected = new Map<string, number[]>([
    ['patch_embed.proj.weight', [embedDim, inChans, patchSize, patchSize]],
    ['patch_embed.proj.bias', [embedDim]],
    ['cls_token', [1, 1, embedDim]],
    ['pos_embed', [1, L + 1, embedDim]],
    ['norm.weight', [embedDim]],
    ['norm.bias', [embedDim]],
    ['decoder_embed.weight', [decoderEmbedDim, embedDim]],
    ['decoder_embed.bias', [decoderEmbedDim]],
    ['mask_token', [1, 1, decoderEmbedDim]],
    ['decoder_pos_embed', [1, L + 1, decoderEmbedDim]],
    ['decoder_norm.weight', [decoderEmbedDim]],
    ['decoder_norm.bias', [decoderEmbedDim]],
    ['decoder_pred.weight', [pp3, decoderEmbedDim]],
    ['decoder_pred.bias', [pp3]],
  ]);
  const addBlock = (prefix: string, dim: number): void => {
    const hidden = Math.round(dim * mlpRatio);
    const shapes: Record<string, [number[], number[]]> = {
      norm1: [[dim], [dim]],
      'attn.q': [[dim, dim], [dim]],
      'attn.k': [[dim, dim], [dim]],
      'attn.v': [[dim, dim], [dim]],
      'attn.proj': [[dim, dim], [dim]],
      norm2: [[dim], [dim]],
      'mlp.fc1': [[hidden, dim], [hidden]],
      'mlp.fc2': [[dim, hidden], [dim]],
    };
    for (const part of BLOCK_PARTS) {
      expected.set(`${prefix}.${part}.weight`, shapes[part][0]);
      expected.set(`${prefix}.${part}.bias`, shapes[part][1]);
    }
  };
  for (let i = 0; i < depth; i++) addBlock(`blocks.${i}`, embedDim);
  for (let i = 0; i < decoderDepth; i++) addBlock(`decoder_blocks.${i}`, decoderEmbedDim);

  const original = (n: string): string => tensors.get(n)?.name ?? n;
  const missing = [...expected.keys()].filter((n) => !tensors.has(n));
  const unexpected = [...tensors.keys()].filter((n) => !expected.has(n)).map(original);
  const wrong = [...expected]
    .filter(([n, shape]) => tensors.has(n) && (tensors.get(n) as TensorEntry).shape.join(',') !== shape.join(','))
    .map(([n, shape]) => `${original(n)} is [${(tensors.get(n) as TensorEntry).shape.join(', ')}], expected [${shape.join(', ')}]`);
  if (missing.length || unexpected.length || wrong.length) {
    const parts = [
      missing.length ? `missing ${listNames(missing, 4)}` : '',
      unexpected.length ? `unexpected ${listNames(unexpected, 4)}` : '',
      wrong.length ? listNames(wrong, 3) : '',
    ].filter(Boolean);
    unknown(
      `read as a ViT ${embedDim}-d × ${depth} blocks, patch ${patchSize}, ${grid * patchSize} px with a ${decoderEmbedDim}-d × ${decoderDepth} decoder, but ${parts.join('; ')}`,
    );
  }
  for (const [n, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'bfloat16') {
      unknown(`${original(n)} holds ${t.dtype} values; MAE weights are floating point (float32, float16 or bfloat16)`);
    }
  }
  let encoderParams = 0;
  let decoderParams = 0;
  for (const [n, t] of tensors) {
    if (n.startsWith('decoder_') || n === 'mask_token') decoderParams += numel(t.shape);
    else encoderParams += numel(t.shape);
  }
  return {
    layout,
    tensors,
    encoderParams,
    decoderParams,
    architecture: {
      imgSize: grid * patchSize,
      patchSize,
      inChans,
      embedDim,
      depth,
      numHeads: encoderHeads.heads,
      decoderEmbedDim,
      decoderDepth,
      decoderNumHeads: decoderHeads.heads,
      mlpRatio,
      headsFrom: encoderHeads.from === 'known width' && decoderHeads.from === 'known width' ? 'known width' : encoderHeads.from === 'given' || decoderHeads.from === 'given' ? 'given' : 'assumed head width',
    },
  };
}

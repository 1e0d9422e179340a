/**
 * The MAE playground on the command line: the same core (src/mae) as the browser app, with
 * onnxruntime-node. Kept apart from the entry file so tests can call runCli() in-process.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  compositeOnBackground,
  compositePanels,
  imageSeed,
  lenKeep,
  numPatches,
  randomMasking,
  reconstruct,
  reconstructionMetrics,
  resizeShorterSideCenterCrop,
  toNormalizedChw,
} from '../mae/index.ts';
import { decodeImage, encodePng, sideBySide } from './image-io.ts';
import { loadNodeModel, ort, type NodeModel } from './node-model.ts';
import { loadNodeWeights } from './node-weights.ts';
import { WeightsError } from '../features/models/weights/index.ts';
import { attentionOutputs, loadNodeAttention, type AttentionChoice, type NodeAttention } from './cli-attention.ts';

export const USAGE = `Usage: npm run cli -- [options] image1.jpg [image2.png ...]

Runs each image through a Masked Autoencoder (encoder + decoder ONNX, onnxruntime-node) and writes
the four panels of the MAE demo plus metrics.json into the output folder.

Options:
  --ratio R      fraction of patches to hide, 0 <= R <= 1 (default 0.75)
  --seed N       mask seed, integer 0..4294967295 (default 0)
  --same-mask    use the same mask for every image (default: a different seed per image,
                 seed + index * 0x9E3779B9, as in the app's grid)
  --model DIR    model folder with manifest.json, encoder.onnx, decoder.onnx (default models/default)
  --weights FILE MAE weights instead of a model folder, no Python needed: the official
                 mae_visualize_vit_{base,large,huge}.pth (pixel targets), mae_pretrain_vit_*_full.pth
                 (norm-pix), or Hugging Face facebook/vit-mae-* model.safetensors / pytorch_model.bin.
                 The architecture is read from the tensor shapes; the file is read, never unpickled.
  --num-heads N, --decoder-num-heads N
                 attention heads for widths no official MAE has (they cannot be read from weights)
  --out DIR      output folder, created if needed (default out/)
  --sheet        write one <name>.sheet.png (masked | reconstruction | reconstruction+visible |
                 original) instead of four PNGs
  --threads N    onnxruntime intra-op threads (default 0 = all cores)
  --attention    also write the attention maps (the page's attention view): <name>.attention-encoder-cls.png
                 (where the encoder's cls token attends), <name>.attention-rollout.png (its rollout through
                 the blocks, Abnar & Zuidema), <name>.attention-decoder-p<P>.png (where the decoder's token of
                 patch P attends: for a hidden patch, where it copied from) and <name>.attention.json (the
                 numbers per patch). Needs --weights or a folder exported with attention graphs (contract v2)
  --attention-patch P   the decoder's query patch, 0..L-1 raster order (default: the first hidden one)
  --attention-layer N   block, 1..depth (default: the last)
  --attention-head H    head, 1..heads, or mean (default: mean)
  -h, --help     show this help

Per image <name>: <name>.masked.png, <name>.reconstruction.png,
<name>.reconstruction-visible.png, <name>.original.png (or <name>.sheet.png).
metrics.json: model name, settings, and per image: file, maskRatio, seed, visiblePatches,
maskedMse (hidden patches, ImageNet-normalised units; null when nothing is hidden), psnr (dB, hidden
pixels in [0,1] RGB), visibleMeanMse (the same MSE when every hidden pixel is the mean of the
visible ones: the level to beat), encoderMs, decoderMs. JPEG and PNG inputs. An image that fails is reported
and skipped; the exit code is then 1.`;

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

class UsageError extends Error {}

interface Options {
  ratio: number;
  seed: number;
  sameMask: boolean;
  model: string;
  out: string;
  sheet: boolean;
  threads: number;
  weights?: string;
  numHeads?: number;
  decoderNumHeads?: number;
  attention: AttentionChoice | null;
  files: string[];
}

function parseOptions(argv: string[]): Options | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ratio: { type: 'string', default: '0.75' },
        seed: { type: 'string', default: '0' },
        'same-mask': { type: 'boolean', default: false },
        model: { type: 'string', default: 'models/default' },
        out: { type: 'string', default: 'out' },
        sheet: { type: 'boolean', default: false },
        threads: { type: 'string', default: '0' },
        weights: { type: 'string' },
        'num-heads': { type: 'string' },
        'decoder-num-heads': { type: 'string' },
        attention: { type: 'boolean', default: false },
        'attention-patch': { type: 'string' },
        'attention-layer': { type: 'string' },
        'attention-head': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const ratio = Number(v.ratio);
  if (v.ratio.trim() === '' || !(ratio >= 0 && ratio <= 1)) throw new UsageError(`--ratio must be a number from 0 to 1 (got ${v.ratio})`);
  const seed = Number(v.seed);
  if (v.seed.trim() === '' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new UsageError(`--seed must be an integer from 0 to 4294967295 (got ${v.seed})`);
  }
  const threads = Number(v.threads);
  if (!Number.isInteger(threads) || threads < 0) throw new UsageError(`--threads must be a non-negative integer (got ${v.threads})`);
  if (parsed.positionals.length === 0) throw new UsageError('no input images given');
  const heads = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer (got ${value})`);
    return n;
  };
  const numHeads = heads('num-heads', v['num-heads']);
  const decoderNumHeads = heads('decoder-num-heads', v['decoder-num-heads']);
  if ((numHeads !== undefined || decoderNumHeads !== undefined) && v.weights === undefined) {
    throw new UsageError('--num-heads and --decoder-num-heads go with --weights');
  }
  const whole = (flag: string, value: string | undefined, min: number): number | null => {
    if (value === undefined) return null;
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min)
      throw new UsageError(`--${flag} must be an integer >= ${min} (got ${value})`);
    return n;
  };
  const headText = v['attention-head'];
  const attentionHead = headText === undefined || headText === 'mean' ? 'mean' : (whole('attention-head', headText, 1) as number) - 1;
  const attentionLayer = whole('attention-layer', v['attention-layer'], 1);
  const attention: AttentionChoice | null = v.attention
    ? {
        patch: whole('attention-patch', v['attention-patch'], 0),
        layer: attentionLayer === null ? -1 : attentionLayer - 1,
        head: attentionHead,
      }
    : null;
  if (!v.attention && (v['attention-patch'] ?? v['attention-layer'] ?? headText) !== undefined) {
    throw new UsageError('--attention-patch, --attention-layer and --attention-head go with --attention');
  }
  return {
    attention,
    ratio,
    seed,
    sameMask: v['same-mask'],
    model: v.model,
    out: v.out,
    sheet: v.sheet,
    threads,
    weights: v.weights,
    numHeads,
    decoderNumHeads,
    files: parsed.positionals,
  };
}

export interface ImageMetrics {
  file: string;
  outputs: string[];
  maskRatio: number;
  seed: number;
  imageSeed: number;
  visiblePatches: number;
  hiddenPatches: number;
  maskedMse: number | null;
  psnr: number | null;
  /** masked MSE of the visible-mean baseline on the same image and mask, for scale */
  visibleMeanMse: number | null;
  encoderMs: number;
  decoderMs: number;
}

export interface MetricsFile {
  model: string;
  /** the model folder, or the weights file with --weights */
  modelDir: string;
  normPixLoss: boolean;
  maskRatio: number;
  seed: number;
  sameMask: boolean;
  images: ImageMetrics[];
  failed: { file: string; error: string }[];
}

/** Output base names, unique even when two inputs share a name (a/x.jpg, b/x.png → x, x-2). */
function outputNames(files: string[]): string[] {
  const used = new Map<string, number>();
  return files.map((f) => {
    const stem = basename(f, extname(f)) || 'image';
    const n = (used.get(stem) ?? 0) + 1;
    used.set(stem, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

const round = (v: number | null, digits: number): number | null => (v === null || !Number.isFinite(v) ? v : Number(v.toFixed(digits)));

async function processImage(
  model: NodeModel,
  opts: Options,
  file: string,
  index: number,
  name: string,
  attention: NodeAttention | null,
): Promise<ImageMetrics> {
  const m = model.manifest;
  const bytes = await readFile(file).catch((e: Error) => {
    throw new Error(`cannot read file (${e.message})`);
  });
  const rgba = decodeImage(bytes);
  const chw = toNormalizedChw(resizeShorterSideCenterCrop(compositeOnBackground(rgba), m.imgSize), m.mean, m.std);
  const seedForImage = imageSeed(opts.seed, index, opts.sameMask);
  const L = numPatches(m);
  const masks = randomMasking(seedForImage, L, opts.ratio);
  const r = await reconstruct(model.sessions, ort.Tensor, chw, m.imgSize, masks);

  const args = {
    imageChw: chw,
    predPatches: r.pred,
    mask: masks.mask,
    imgSize: m.imgSize,
    patchSize: m.patchSize,
    mean: m.mean,
    std: m.std,
    normPixLoss: m.normPixLoss,
  };
  const panels = compositePanels(args);
  const metrics = reconstructionMetrics(args);
  const outputs: [string, Buffer][] = opts.sheet
    ? [
        [
          `${name}.sheet.png`,
          encodePng(sideBySide([panels.masked, panels.reconstruction, panels.reconstructionWithVisible, panels.original])),
        ],
      ]
    : [
        [`${name}.masked.png`, encodePng(panels.masked)],
        [`${name}.reconstruction.png`, encodePng(panels.reconstruction)],
        [`${name}.reconstruction-visible.png`, encodePng(panels.reconstructionWithVisible)],
        [`${name}.original.png`, encodePng(panels.original)],
      ];
  if (attention && opts.attention) {
    const a = await attentionOutputs(attention, m, chw, masks, panels.original, name, opts.attention);
    outputs.push(...a.files, [
      `${name}.attention.json`,
      Buffer.from(`${JSON.stringify({ file, maskRatio: opts.ratio, imageSeed: seedForImage, ...a.json }, null, 1)}\n`),
    ]);
  }
  for (const [f, data] of outputs) await writeFile(join(opts.out, f), data);

  const visible = lenKeep(L, opts.ratio);
  return {
    file,
    outputs: outputs.map(([f]) => f),
    maskRatio: opts.ratio,
    seed: opts.seed,
    imageSeed: seedForImage,
    visiblePatches: visible,
    hiddenPatches: L - visible,
    maskedMse: round(metrics.maskedMse, 6),
    psnr: round(metrics.psnr, 3),
    visibleMeanMse: round(metrics.visibleMeanMse, 6),
    encoderMs: round(r.encoderMs, 2) as number,
    decoderMs: round(r.decoderMs, 2) as number,
  };
}

/** Returns the process exit code: 0 ok, 1 some image (or the model) failed, 2 bad usage. */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let opts: Options | 'help';
  try {
    opts = parseOptions(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`mae-cli: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    io.out(USAGE);
    return 0;
  }

  let model: NodeModel;
  try {
    if (opts.weights !== undefined) {
      const t0 = performance.now();
      model = await loadNodeWeights(resolve(opts.weights), {
        threads: opts.threads,
        numHeads: opts.numHeads,
        decoderNumHeads: opts.decoderNumHeads,
        onProgress: (p) => io.out(p.detail),
      });
      io.out(`loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } else {
      model = await loadNodeModel(resolve(opts.model), { threads: opts.threads });
    }
  } catch (e) {
    // a bad weights file: its message says what is wrong (WeightsError); anything else names the source
    const what = opts.weights !== undefined ? `weights from ${opts.weights}` : `model from ${opts.model}`;
    io.err(e instanceof WeightsError ? `mae-cli: ${e.message}` : `mae-cli: cannot load ${what}: ${(e as Error).message}`);
    return 1;
  }
  let attention: NodeAttention | null = null;
  if (opts.attention) {
    try {
      attention = await loadNodeAttention(
        model,
        { weights: opts.weights === undefined ? undefined : resolve(opts.weights), modelDir: resolve(opts.model) },
        opts.threads,
      );
    } catch (e) {
      io.err(`mae-cli: attention ${(e as Error).message.replace(/^unavailable: /, 'is unavailable: ')}`);
      await model.release();
      return 1;
    }
  }
  try {
    await mkdir(opts.out, { recursive: true });
    const m = model.manifest;
    io.out(`${m.name}: ${m.imgSize}px, patch ${m.patchSize}, ratio ${opts.ratio}, seed ${opts.seed}${opts.sameMask ? ' (same mask)' : ''}`);
    if (m.normPixLoss)
      io.out('note: norm-pix model, hidden patches are shown with their true mean and variance (information the model did not see)');
    const metrics: MetricsFile = {
      model: m.name,
      modelDir: opts.weights ?? opts.model,
      normPixLoss: m.normPixLoss,
      maskRatio: opts.ratio,
      seed: opts.seed,
      sameMask: opts.sameMask,
      images: [],
      failed: [],
    };
    const names = outputNames(opts.files);
    for (let i = 0; i < opts.files.length; i++) {
      const file = opts.files[i];
      try {
        const r = await processImage(model, opts, file, i, names[i], attention);
        metrics.images.push(r);
        const mse = r.maskedMse === null ? 'n/a' : r.maskedMse.toFixed(4);
        const psnr = r.psnr === null ? 'n/a' : `${r.psnr.toFixed(2)} dB`;
        const base = r.visibleMeanMse === null ? '' : ` (visible mean ${r.visibleMeanMse.toFixed(4)})`;
        io.out(
          `${file}: masked MSE ${mse}${base}, PSNR ${psnr}, ${r.visiblePatches} visible patches, encoder ${r.encoderMs.toFixed(1)} ms, decoder ${r.decoderMs.toFixed(1)} ms`,
        );
      } catch (e) {
        const msg = (e as Error).message;
        metrics.failed.push({ file, error: msg });
        io.err(`mae-cli: ${file}: ${msg}`);
      }
    }
    await writeFile(join(opts.out, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    io.out(
      `wrote ${metrics.images.length} image(s) and metrics.json to ${opts.out}${metrics.failed.length ? `; ${metrics.failed.length} failed` : ''}`,
    );
    return metrics.failed.length ? 1 : 0;
  } finally {
    await model.release();
    await attention?.release();
  }
}

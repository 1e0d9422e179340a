/**
 * Which position tables an imported model is fed (contract v2: its graphs take them as inputs). The
 * file's own pos_embed and decoder_pos_embed (small: [1, 1+L0, D]) are read and compared with the
 * fixed sin-cos tables of the training grid: the official checkpoints store exactly those, so the page
 * computes them for any grid ('sincos-2d'); a table that differs (learned, fine-tuned, interpolated)
 * is kept and resized bicubically to other grids ('table', as Hugging Face's interpolate_pos_encoding).
 */
import type { PositionSource } from '../../../mae/grid-positions.ts';
import { isSincosTable } from '../../../mae/pos-embed.ts';
import type { MaeWeights } from './architecture.ts';
import { readRange } from './blob-bytes.ts';
import { WeightsError } from './errors.ts';
import type { TensorEntry } from './tensors.ts';

/** float16 / bfloat16 bits to a number (the file's tables are read once, so a plain loop is fine). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A tensor of the file as float32 values (float32, float16 or bfloat16 storage, little-endian). */
async function readFloat(file: Blob, name: string, t: TensorEntry): Promise<Float32Array> {
  const bytes = await readRange(file, t.byteOffset, t.byteOffset + t.byteLength, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (t.dtype === 'float32') for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  else if (t.dtype === 'float16') for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  else if (t.dtype === 'bfloat16') {
    const word = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < n; i++) {
      word.setUint32(0, view.getUint16(i * 2, true) << 16);
      out[i] = word.getFloat32(0);
    }
  } else throw new WeightsError(`${name}: ${t.name} is ${t.dtype}, not a floating-point table`);
  return out;
}

/**
 * How far a stored value may be from sin-cos and still be it. Sin-cos values lie in [-1, 1], where
 * float16 rounds by at most 2.4e-4 and bfloat16 by 2e-3. 1e-3 is the exporter's SINCOS_TOL
 * (python/mae_playground/onnx_graphs.py): the bundled default's tables are sin-cos rounded to float16
 * (max |diff| 2.43e-4) and count as sin-cos, as official float32 checkpoints (diff 0) do; bfloat16
 * files get twice their rounding. A learned table is off by far more (tenths).
 */
const SINCOS_TOLERANCE: Record<string, number> = { float32: 1e-3, float16: 1e-3, bfloat16: 4e-3 };

export interface ImportedPositions {
  source: PositionSource;
  /** the larger of the two tables' max |stored - sin-cos| over the training grid */
  maxAbsDiff: number;
}

/** Reads the file's two position tables and decides: sin-cos (computed for any grid) or the stored tables. */
export async function importedPositions(file: Blob, name: string, weights: MaeWeights): Promise<ImportedPositions> {
  const a = weights.architecture;
  const side = a.imgSize / a.patchSize;
  const enc = weights.tensors.get('pos_embed') as TensorEntry;
  const dec = weights.tensors.get('decoder_pos_embed') as TensorEntry;
  const encoder = await readFloat(file, name, enc);
  const decoder = await readFloat(file, name, dec);
  const e = isSincosTable(encoder, a.embedDim, side, side, SINCOS_TOLERANCE[enc.dtype]);
  const d = isSincosTable(decoder, a.decoderEmbedDim, side, side, SINCOS_TOLERANCE[dec.dtype]);
  const maxAbsDiff = Math.max(e.maxAbsDiff, d.maxAbsDiff);
  if (e.match && d.match) return { source: { kind: 'sincos-2d', encoderDim: a.embedDim, decoderDim: a.decoderEmbedDim }, maxAbsDiff };
  return {
    source: { kind: 'table', encoder, decoder, encoderDim: a.embedDim, decoderDim: a.decoderEmbedDim, gridH: side, gridW: side },
    maxAbsDiff,
  };
}

/** pos-embed.bin of the contract's 'table' folders: float32 LE, the encoder's table then the decoder's. */
export function positionsFileBytes(source: Extract<PositionSource, { kind: 'table' }>): Uint8Array {
  const out = new Uint8Array((source.encoder.length + source.decoder.length) * 4);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const t of [source.encoder, source.decoder]) {
    for (const v of t) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return out;
}

/**
 * The position tables a contract v2 model is fed for one patch grid (`pos_embed` [1, 1+L, D] and
 * `decoder_pos_embed` [1, 1+L, Dd]): computed once per model and grid, then reused for every image of
 * that shape. A model's tables are either the fixed sin-cos ones (exact for any grid) or stored tables
 * of its training grid, interpolated bicubically to other grids (manifest `grid.positions`).
 */
import type { InferenceSession } from 'onnxruntime-common';
import { interpolatePosTable, sincos2d } from './pos-embed.ts';

/** Where a v2 model's position tables come from. */
export type PositionSource =
  /** the fixed 2-D sin-cos tables; the widths default to the graphs' `pos_embed` input shapes */
  | { kind: 'sincos-2d'; encoderDim?: number; decoderDim?: number }
  /** stored tables [(1 + gridH*gridW) * dim] of the training grid, interpolated to other grids */
  | { kind: 'table'; encoder: Float32Array; decoder: Float32Array; encoderDim: number; decoderDim: number; gridH: number; gridW: number };

export interface GridTables {
  gridH: number;
  gridW: number;
  encoder: Float32Array;
  encoderDim: number;
  decoder: Float32Array;
  decoderDim: number;
}

/**
 * The patch grid of an H x W image cut into `numPatches` square patches: p = sqrt(H*W / L) must be a
 * whole number dividing both sides (an image whose size does not fit the model says so here).
 */
export function gridOf(height: number, width: number, numPatches: number): { gridH: number; gridW: number; patchSize: number } {
  const p = Math.round(Math.sqrt((height * width) / numPatches));
  if (!(p > 0) || height % p !== 0 || width % p !== 0 || (height / p) * (width / p) !== numPatches) {
    throw new RangeError(`a ${width}×${height} image does not cut into ${numPatches} square patches`);
  }
  return { gridH: height / p, gridW: width / p, patchSize: p };
}

/** The tables of `source` for a gridH x gridW grid (uncached; see gridPositions). */
export function positionTables(
  source: PositionSource & { encoderDim: number; decoderDim: number },
  gridH: number,
  gridW: number,
): GridTables {
  const { encoderDim, decoderDim } = source;
  if (source.kind === 'sincos-2d') {
    return {
      gridH,
      gridW,
      encoderDim,
      decoderDim,
      encoder: sincos2d(encoderDim, gridH, gridW),
      decoder: sincos2d(decoderDim, gridH, gridW),
    };
  }
  const resize = (t: Float32Array, dim: number): Float32Array => interpolatePosTable(t, dim, source.gridH, source.gridW, gridH, gridW);
  return { gridH, gridW, encoderDim, decoderDim, encoder: resize(source.encoder, encoderDim), decoder: resize(source.decoder, decoderDim) };
}

/** The static last dimension of a graph input (the table width), or a clear error. */
function inputWidth(session: InferenceSession, name: string): number {
  const meta = session.inputMetadata.find((m) => m.name === name);
  const width = meta?.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  if (typeof width !== 'number' || !(width > 0)) {
    throw new Error(
      `the model's input "${name}" has no fixed width (shape [${meta?.isTensor ? meta.shape.join(', ') : '?'}]): cannot build its position table`,
    );
  }
  return width;
}

/** A handful of grids per model: a page's photos come in a few aspect ratios; each entry is (1+L)*(D+Dd) floats. */
const MAX_GRIDS_PER_MODEL = 8;
/** per model (its encoder session): the source the tables were made from, and the tables by grid */
const cache = new WeakMap<InferenceSession, { source: PositionSource | undefined; grids: Map<string, GridTables> }>();

/**
 * The tables for an H x W image of `numPatches` patches on these sessions' model, from
 * `sessions.positions` (sin-cos when absent), cached per model (its encoder session and position
 * source) and grid.
 */
export function gridPositions(
  sessions: { encoder: InferenceSession; decoder: InferenceSession; positions?: PositionSource },
  height: number,
  width: number,
  numPatches: number,
): GridTables {
  const { gridH, gridW } = gridOf(height, width, numPatches);
  let entry = cache.get(sessions.encoder);
  if (!entry || entry.source !== sessions.positions) {
    entry = { source: sessions.positions, grids: new Map() };
    cache.set(sessions.encoder, entry);
  }
  const perModel = entry.grids;
  const key = `${gridH}x${gridW}`;
  const known = perModel.get(key);
  if (known) {
    // most recently used last, so the oldest grid is dropped first
    perModel.delete(key);
    perModel.set(key, known);
    return known;
  }
  const source = sessions.positions ?? { kind: 'sincos-2d' };
  const tables = positionTables(
    source.kind === 'table'
      ? source
      : {
          kind: 'sincos-2d',
          encoderDim: source.encoderDim ?? inputWidth(sessions.encoder, 'pos_embed'),
          decoderDim: source.decoderDim ?? inputWidth(sessions.decoder, 'decoder_pos_embed'),
        },
    gridH,
    gridW,
  );
  perModel.set(key, tables);
  if (perModel.size > MAX_GRIDS_PER_MODEL) perModel.delete(perModel.keys().next().value as string);
  return tables;
}

/** What positionSourceFromManifest reads of a v2 manifest (model-contract.ts's ModelManifest has these). */
export interface GridManifest {
  imgSize: number;
  patchSize: number;
  encoder: { embedDim: number };
  decoder: { embedDim: number };
  grid?: { positions?: string; positionsFile?: string };
}

/**
 * A v2 folder's position source: 'sincos-2d' needs nothing more; 'table' needs the bytes of its
 * positionsFile (pos-embed.bin: float32 LE, the encoder's [1+L0, D] table then the decoder's
 * [1+L0, Dd], L0 the training grid imgSize/patchSize squared). A file of the wrong size says so.
 */
export function positionSourceFromManifest(manifest: GridManifest, posEmbedBytes?: Uint8Array): PositionSource {
  const kind = manifest.grid?.positions ?? 'sincos-2d';
  const D = manifest.encoder.embedDim;
  const Dd = manifest.decoder.embedDim;
  if (kind === 'sincos-2d') return { kind, encoderDim: D, decoderDim: Dd };
  if (kind !== 'table') throw new RangeError(`manifest.json grid.positions must be "sincos-2d" or "table", got ${JSON.stringify(kind)}`);
  const side = manifest.imgSize / manifest.patchSize;
  const rows = 1 + side * side;
  const expected = rows * (D + Dd) * 4;
  if (!posEmbedBytes) throw new RangeError('manifest.json grid.positions is "table" but its positionsFile was not loaded');
  if (posEmbedBytes.byteLength !== expected) {
    throw new RangeError(
      `the position tables file must hold ${rows}×${D} + ${rows}×${Dd} float32 values (${expected} bytes), got ${posEmbedBytes.byteLength} bytes`,
    );
  }
  // a copy: aligned for Float32Array whatever the source buffer's offset, and read as little-endian
  const view = new DataView(posEmbedBytes.buffer, posEmbedBytes.byteOffset, posEmbedBytes.byteLength);
  const all = new Float32Array(rows * (D + Dd));
  for (let i = 0; i < all.length; i++) all[i] = view.getFloat32(i * 4, true);
  return {
    kind,
    encoder: all.subarray(0, rows * D),
    decoder: all.subarray(rows * D),
    encoderDim: D,
    decoderDim: Dd,
    gridH: side,
    gridW: side,
  };
}

/**
 * The model folder contract (docs/MODEL_CONTRACT.md): manifest.json next to encoder.onnx and
 * decoder.onnx. parseManifest checks everything the app relies on before any download of weights,
 * so a broken folder fails with a message naming the field instead of a shape error deep inside
 * onnxruntime. Format 2 ("mae-playground/2") adds `grid` (dynamic H x W, position tables as graph
 * inputs: sin-cos computed by the page, or a stored table in pos-embed.bin) and `attention` (two
 * extra graphs sharing the weights' external data); format 1 folders (or no `format`) load as before.
 */

export interface GraphInfo {
  file: string;
  externalData?: string[];
  embedDim: number;
  depth: number;
  numHeads?: number;
  params?: number;
}

/** Format 2: how the graphs take their position tables (docs/MODEL_CONTRACT.md "grid"). */
export interface GridInfo {
  /** the graphs accept any gridH x gridW (H = gridH * patchSize, W = gridW * patchSize) */
  dynamic: boolean;
  /** 'sincos-2d': the page computes the tables for any grid; 'table': pos-embed.bin, interpolated bicubically */
  positions: 'sincos-2d' | 'table';
  /** 'table' only: float32 LE, encoder [1+L0, D] then decoder [1+L0, Dd] for the training grid */
  positionsFile?: string;
  /** the stored tables' largest difference from the computed sin-cos ones (the exporter's measurement) */
  positionsMaxAbsDiff?: number;
}

/** Format 2: one attention graph (same inputs as its normal graph, extra `attention` output). */
export interface AttentionGraphInfo {
  file: string;
  externalData?: string[];
}

export interface ModelManifest {
  format?: string;
  name: string;
  description?: string;
  source?: unknown;
  imgSize: number;
  patchSize: number;
  inChans: number;
  numPatches?: number;
  mean: number[];
  std: number[];
  normPixLoss: boolean;
  trainMaskRatio?: number;
  mlpRatio?: number;
  encoder: GraphInfo;
  decoder: GraphInfo;
  opset?: number;
  files?: Record<string, { bytes: number; sha256?: string }>;
  /** format 2 only */
  grid?: GridInfo;
  /** format 2 only; absent: the attention view says this folder offers no attention graphs */
  attention?: { encoder: AttentionGraphInfo; decoder: AttentionGraphInfo };
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** Format 1 (fixed imgSize, tables inside the graphs); a manifest may omit `format` (older exports). */
export const MANIFEST_FORMAT = 'mae-playground/1';
/** Format 2: dynamic grid, position tables as inputs, attention graphs (docs/MODEL_CONTRACT.md). */
export const MANIFEST_FORMAT_V2 = 'mae-playground/2';
const FORMATS = [MANIFEST_FORMAT, MANIFEST_FORMAT_V2];

const PREFIX = 'manifest.json';

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  // String(v) is the fallback for what JSON cannot write (functions, symbols, BigInt, cycles).
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only reached when JSON.stringify gives undefined
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- JSON.stringify threw (BigInt, cycle)
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function fail(field: string, rule: string, got: unknown): never {
  throw new ManifestError(`${PREFIX}: ${field} ${rule} (got ${show(got)})`);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(o: Obj, key: string, field = key): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(field, 'must be a positive integer', v);
  return v;
}

function optPosInt(o: Obj, key: string, field = key): number | undefined {
  return o[key] === undefined || o[key] === null ? undefined : posInt(o, key, field);
}

function optNonNegInt(o: Obj, key: string, field = key): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(field, 'must be a non-negative integer', v);
  return v;
}

function optString(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(key, 'must be a string', v);
  return v;
}

/**
 * File names are resolved against the model folder's URL; anything that could leave the folder
 * (absolute paths, "..", a scheme) is refused so a manifest cannot point the app elsewhere.
 */
function fileName(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(field, 'must be a non-empty file name', v);
  if (v.startsWith('/') || v.includes('\\') || /^[a-z][a-z0-9+.-]*:/i.test(v) || v.split('/').some((s) => s === '..' || s === '')) {
    fail(field, 'must be a relative file name inside the model folder', v);
  }
  return v;
}

function stats(o: Obj, key: 'mean' | 'std', chans: number): number[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length !== chans || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(key, `must be an array of ${chans} finite numbers`, v);
  }
  const arr = v as number[];
  if (key === 'std' && arr.some((x) => x <= 0)) fail(key, 'entries must be positive', v);
  return arr.slice();
}

function externalDataOf(g: Obj, key: string): string[] | undefined {
  if (g.externalData === undefined || g.externalData === null) return undefined;
  if (!Array.isArray(g.externalData)) fail(`${key}.externalData`, 'must be an array of file names', g.externalData);
  return g.externalData.map((f, i) => fileName(f, `${key}.externalData[${i}]`));
}

function graph(o: Obj, key: 'encoder' | 'decoder'): GraphInfo {
  const g = o[key];
  if (!isObj(g)) fail(key, 'must be an object with file, embedDim and depth', g);
  const file = fileName(g.file, `${key}.file`);
  const externalData = externalDataOf(g, key);
  const out: GraphInfo = { file, embedDim: posInt(g, 'embedDim', `${key}.embedDim`), depth: posInt(g, 'depth', `${key}.depth`) };
  if (externalData) out.externalData = externalData;
  const numHeads = optPosInt(g, 'numHeads', `${key}.numHeads`);
  if (numHeads !== undefined) {
    if (out.embedDim % numHeads !== 0) fail(`${key}.numHeads`, `must divide ${key}.embedDim (${out.embedDim})`, numHeads);
    out.numHeads = numHeads;
  }
  const params = optNonNegInt(g, 'params', `${key}.params`);
  if (params !== undefined) out.params = params;
  return out;
}

/**
 * Validates and copies a parsed manifest.json (or its text). Unknown fields are dropped from the
 * result; `source` is passed through as-is (free-form provenance). Throws ManifestError naming
 * the first offending field, e.g.
 * "manifest.json: imgSize must be a positive integer divisible by patchSize (got 225)".
 */
export function parseManifest(json: unknown): ModelManifest {
  let root = json;
  if (typeof root === 'string') {
    try {
      root = JSON.parse(root);
    } catch (e) {
      throw new ManifestError(`${PREFIX}: not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObj(root)) fail('root', 'must be a JSON object', root);
  const o = root;

  const format = optString(o, 'format');
  if (format !== undefined && !FORMATS.includes(format)) fail('format', `must be "${MANIFEST_FORMAT}" or "${MANIFEST_FORMAT_V2}"`, format);
  const name = o.name;
  if (typeof name !== 'string' || name.trim() === '') fail('name', 'must be a non-empty string', name);
  const description = optString(o, 'description');

  const patchSize = posInt(o, 'patchSize');
  const imgSize = o.imgSize;
  if (typeof imgSize !== 'number' || !Number.isInteger(imgSize) || imgSize <= 0 || imgSize % patchSize !== 0) {
    fail('imgSize', 'must be a positive integer divisible by patchSize', imgSize);
  }
  const inChans = o.inChans;
  // The app decodes RGB photos and draws RGB panels; any other channel count cannot be fed.
  if (inChans !== 3) fail('inChans', 'must be 3 (RGB)', inChans);
  const grid = imgSize / patchSize;
  const numPatches = optPosInt(o, 'numPatches');
  if (numPatches !== undefined && numPatches !== grid * grid) {
    fail('numPatches', `must equal (imgSize/patchSize)^2 = ${grid * grid}`, numPatches);
  }
  const mean = stats(o, 'mean', inChans);
  const std = stats(o, 'std', inChans);
  if (typeof o.normPixLoss !== 'boolean') fail('normPixLoss', 'must be true or false', o.normPixLoss);
  const normPixLoss = o.normPixLoss;

  const m: ModelManifest = {
    name,
    imgSize,
    patchSize,
    inChans,
    mean,
    std,
    normPixLoss,
    encoder: graph(o, 'encoder'),
    decoder: graph(o, 'decoder'),
  };
  if (format !== undefined) m.format = format;
  if (description !== undefined) m.description = description;
  if (o.source !== undefined) m.source = o.source;
  if (numPatches !== undefined) m.numPatches = numPatches;

  const tmr = o.trainMaskRatio;
  if (tmr !== undefined && tmr !== null) {
    if (typeof tmr !== 'number' || !(tmr >= 0 && tmr < 1)) fail('trainMaskRatio', 'must be a number in [0, 1)', tmr);
    m.trainMaskRatio = tmr;
  }
  const mlp = o.mlpRatio;
  if (mlp !== undefined && mlp !== null) {
    if (typeof mlp !== 'number' || !(mlp > 0) || !Number.isFinite(mlp)) fail('mlpRatio', 'must be a positive number', mlp);
    m.mlpRatio = mlp;
  }
  const opset = optPosInt(o, 'opset');
  if (opset !== undefined) m.opset = opset;

  if (o.files !== undefined && o.files !== null) {
    if (!isObj(o.files)) fail('files', 'must be an object mapping file names to {bytes, sha256}', o.files);
    const files: [string, { bytes: number; sha256?: string }][] = [];
    for (const [f, info] of Object.entries(o.files)) {
      fileName(f, `files["${f}"]`);
      if (!isObj(info)) fail(`files["${f}"]`, 'must be an object with bytes', info);
      const bytes = optNonNegInt(info, 'bytes', `files["${f}"].bytes`);
      if (bytes === undefined) fail(`files["${f}"].bytes`, 'must be a non-negative integer', info.bytes);
      const entry: { bytes: number; sha256?: string } = { bytes };
      if (info.sha256 !== undefined && info.sha256 !== null) {
        if (typeof info.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(info.sha256)) {
          fail(`files["${f}"].sha256`, 'must be 64 hex digits', info.sha256);
        }
        entry.sha256 = info.sha256.toLowerCase();
      }
      files.push([f, entry]);
    }
    // fromEntries defines own properties: a file named "__proto__" stays a file, not the object's prototype.
    m.files = Object.fromEntries(files);
  }
  if (format === MANIFEST_FORMAT_V2) {
    m.grid = gridInfo(o);
    if (o.attention !== undefined && o.attention !== null) m.attention = attentionInfo(o.attention);
    v2FilesListed(m);
  } else {
    // v1 graphs have neither: a folder that declares them but says format 1 is a mistake worth naming
    for (const key of ['grid', 'attention'] as const) {
      if (o[key] !== undefined && o[key] !== null) fail(key, `needs format "${MANIFEST_FORMAT_V2}" (format 1 graphs have none)`, o[key]);
    }
  }
  return m;
}

function gridInfo(o: Obj): GridInfo {
  const g = o.grid;
  if (!isObj(g)) fail('grid', `must be an object {dynamic, positions} in format "${MANIFEST_FORMAT_V2}"`, g);
  if (typeof g.dynamic !== 'boolean') fail('grid.dynamic', 'must be true or false', g.dynamic);
  if (g.positions !== 'sincos-2d' && g.positions !== 'table') fail('grid.positions', 'must be "sincos-2d" or "table"', g.positions);
  const out: GridInfo = { dynamic: g.dynamic, positions: g.positions };
  if (g.positions === 'table') {
    out.positionsFile = fileName(g.positionsFile, 'grid.positionsFile (the stored tables of positions "table")');
  } else if (g.positionsFile !== undefined && g.positionsFile !== null) {
    fail('grid.positionsFile', 'belongs to positions "table" only (sin-cos tables are computed)', g.positionsFile);
  }
  const diff = g.positionsMaxAbsDiff;
  if (diff !== undefined && diff !== null) {
    if (typeof diff !== 'number' || !Number.isFinite(diff) || diff < 0) fail('grid.positionsMaxAbsDiff', 'must be a number >= 0', diff);
    out.positionsMaxAbsDiff = diff;
  }
  return out;
}

function attentionInfo(a: unknown): { encoder: AttentionGraphInfo; decoder: AttentionGraphInfo } {
  if (!isObj(a)) fail('attention', 'must be an object {encoder: {file, externalData}, decoder: {...}}', a);
  const one = (key: 'encoder' | 'decoder'): AttentionGraphInfo => {
    const g = a[key];
    if (!isObj(g)) fail(`attention.${key}`, 'must be an object with file (and externalData)', g);
    const info: AttentionGraphInfo = { file: fileName(g.file, `attention.${key}.file`) };
    const ext = externalDataOf(g, `attention.${key}`);
    if (ext) info.externalData = ext;
    return info;
  };
  return { encoder: one('encoder'), decoder: one('decoder') };
}

/**
 * In format 2, a `files` list (sizes and SHA-256 checked at download) must name every file the
 * folder's graphs need: graphs, their external data, pos-embed.bin and the attention graphs. A
 * file left out would be fetched unchecked.
 */
function v2FilesListed(m: ModelManifest): void {
  if (!m.files) return;
  for (const f of [...modelFiles(m), ...attentionFiles(m)]) {
    if (!listedFile(m, f)) fail(`files["${f}"]`, 'is missing: format 2 lists every file it uses, with bytes and sha256', undefined);
  }
}

/** True for a format 2 folder (dynamic grid, position inputs). */
export function isV2(m: ModelManifest): boolean {
  return m.format === MANIFEST_FORMAT_V2 && m.grid !== undefined;
}

/**
 * What manifest.files says of one file, or undefined. Own properties only: the name comes from the
 * manifest, and a graph called "constructor" or "toString" must not find Object's methods.
 */
export function listedFile(m: ModelManifest, file: string): { bytes: number; sha256?: string } | undefined {
  return m.files && Object.hasOwn(m.files, file) ? m.files[file] : undefined;
}

export function numPatches(m: ModelManifest): number {
  const g = m.imgSize / m.patchSize;
  return g * g;
}

/** Values per predicted patch: p*p*inChans (the last axis of the decoder's pred). */
export function patchDim(m: ModelManifest): number {
  return m.patchSize * m.patchSize * m.inChans;
}

/** Every file the app must fetch to reconstruct with this model, relative to the model folder. */
export function modelFiles(m: ModelManifest): string[] {
  const files = [m.encoder.file, ...(m.encoder.externalData ?? []), m.decoder.file, ...(m.decoder.externalData ?? [])];
  if (m.grid?.positionsFile) files.push(m.grid.positionsFile);
  return files;
}

/**
 * The attention graphs (format 2), fetched only when the attention view opens; their external data
 * is the normal graphs' (already in modelFiles), so only the graph files themselves are new. Empty
 * for a folder without attention graphs.
 */
export function attentionFiles(m: ModelManifest): string[] {
  if (!m.attention) return [];
  const have = new Set(modelFiles(m));
  const out: string[] = [];
  for (const g of [m.attention.encoder, m.attention.decoder]) {
    for (const f of [g.file, ...(g.externalData ?? [])]) {
      if (!have.has(f) && !out.includes(f)) out.push(f);
    }
  }
  return out;
}

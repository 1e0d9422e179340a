/// <reference lib="webworker" />
/**
 * Worker side of "Open weights file…": one weights file from the user's disk (picker or drop) is
 * imported (weights/import-weights.ts: byte-range reads, small ONNX graphs whose external data are
 * slices of the file) into the same { manifest, bytes } a model folder gives, so the load handler
 * runs it like any other model. Problems are ModelLoadErrors (a retry reads the same file).
 */
import { errorText } from '../../mae/error-text.ts';
import type { LocalModelFile } from '../../worker/messages.ts';
import { ModelLoadError } from './model-download.ts';
import { isWeightsFileName } from './model-files.ts';
import type { LocalModel } from './model-local.ts';
import { openInt8CacheDir } from './int8-opfs.ts';
import { importedModelFiles, importWeights, WeightsError, type ImportedModel } from './weights/index.ts';
import { int8KeyForSha, loadInt8, readInt8Entry } from './weights/int8-cache.ts';

/** A pick or drop that is one weights file: the importer takes it (else: a model folder). */
export function isWeightsImport(files: readonly LocalModelFile[]): boolean {
  return files.some((f) => isWeightsFileName(f.path));
}

export interface ImportedLocalModel extends LocalModel {
  imported: ImportedModel;
}

export async function importLocalWeights(files: readonly LocalModelFile[], onStatus: (message: string) => void): Promise<ImportedLocalModel> {
  const weights = files.filter((f) => isWeightsFileName(f.path));
  if (weights.length !== 1 || files.length !== 1) {
    throw new ModelLoadError(
      `Open one weights file at a time (got ${files.length} files${weights.length > 1 ? `, ${weights.length} of them weights files` : ''}): a .pth, pytorch_model.bin or model.safetensors.`,
      false,
    );
  }
  const { path, blob } = weights[0];
  const name = path.slice(path.lastIndexOf('/') + 1);
  let imported: ImportedModel;
  try {
    // The default graphs (MatMul: on onnxruntime-web's WASM kernels Gemm ran at half their speed, mae-graph.ts).
    imported = await importWeights(blob, name, { onProgress: (p) => onStatus(p.detail) });
  } catch (e) {
    if (e instanceof WeightsError) throw new ModelLoadError(e.message, false);
    // A file removed or changed on disk since it was chosen: Chromium refuses to read it.
    throw new ModelLoadError(`${name} could not be read (${errorText(e)}): choose the file again.`, false);
  }
  return { manifest: imported.manifest, bytes: importedModelFiles(imported) as LocalModel['bytes'], imported };
}

export interface Int8Result {
  manifest: ImportedLocalModel['manifest'];
  bytes: LocalModel['bytes'];
  /** for the model card (manifest.source.int8) */
  facts: { fromCache: boolean; quantizeMs: number; dataBytes: number; note: string | null };
}

/**
 * The imported model in int8 (weights/int8-cache.ts): from the private file system when a checked
 * copy of this file is there, else quantized from the file and kept. The returned bytes are the only
 * copy in JavaScript; onnxruntime copies them into its own memory, and the load handler lets them go
 * once the sessions exist (the float32 weights are never read into memory: Blob slices of the file).
 */
export async function int8ForImport(imported: ImportedLocalModel, file: LocalModelFile, onStatus: (message: string) => void, onProgress: (done: number, total: number) => void): Promise<Int8Result> {
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const cache = await openInt8CacheDir();
  onStatus(`Looking for the int8 copy of ${name}…`);
  try {
    // a v2 'table' model's position tables (pos-embed.bin) go with the int8 copy
    const tableName = imported.manifest.grid?.positionsFile;
    const table = tableName ? imported.bytes.get(tableName) : undefined;
    const positions = tableName && table instanceof Uint8Array ? { name: tableName, data: table } : null;
    const r = await loadInt8({ file: file.blob, name, sha256: file.sha256 ?? null }, imported.imported.weights, imported.manifest, {
      dir: cache.dir,
      positions,
      ...(cache.dir ? {} : { noCacheWhy: cache.why }),
      onStatus,
      onProgress,
    });
    const facts = { fromCache: r.fromCache, quantizeMs: Math.round(r.quantizeMs), dataBytes: r.dataBytes, note: r.note };
    const source = typeof r.manifest.source === 'object' && r.manifest.source !== null ? r.manifest.source : {};
    return { manifest: { ...r.manifest, source: { ...source, int8: facts } }, bytes: r.files, facts };
  } catch (e) {
    if (e instanceof WeightsError) throw new ModelLoadError(e.message, false);
    throw new ModelLoadError(`${name} could not be quantized to int8 (${errorText(e)}): choose "exact (fp32)" on the model card, or the file again.`, false);
  }
}

/**
 * A hub download whose fp32 file was freed to save space: its int8 copy, found by the hub's SHA-256
 * (weights/int8-cache.ts int8KeyForSha) and checked (sizes, SHA-256) as always; there is no file to
 * check its graph against or to quantize again, so a missing or damaged copy asks for the download.
 */
export async function int8OnlyModel(file: LocalModelFile): Promise<Int8Result> {
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const again = 'download it again (Models → Official MAE from the hub)';
  if (!file.sha256) throw new ModelLoadError(`${name} has no weights file and no SHA-256 to find its int8 copy by: ${again}.`, false);
  const cache = await openInt8CacheDir();
  if (!cache.dir) throw new ModelLoadError(`The int8 copy of ${name} cannot be read (${cache.why}), and its fp32 file was freed: ${again}.`, false);
  const read = await readInt8Entry(cache.dir, int8KeyForSha(file.sha256));
  if (!read.entry) {
    const what = read.why ? `was damaged (${read.why}) and has been removed` : 'is not stored any more';
    throw new ModelLoadError(`The int8 copy of ${name} ${what}, and its fp32 file was freed: ${again}.`, false);
  }
  const facts = { fromCache: true, quantizeMs: 0, dataBytes: read.entry.dataBytes, note: null };
  const source = typeof read.entry.manifest.source === 'object' && read.entry.manifest.source !== null ? read.entry.manifest.source : {};
  const manifest = {
    ...read.entry.manifest,
    source: { ...source, int8: facts, fp32Freed: true, precision: 'int8', precisionReason: 'fast (int8): the fp32 file was freed to save space' },
  };
  return { manifest, bytes: read.entry.files, facts };
}

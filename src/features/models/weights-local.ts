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
import { importedModelFiles, importWeights, WeightsError, type ImportedModel } from './weights/index.ts';

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

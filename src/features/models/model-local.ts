/// <reference lib="webworker" />
/**
 * A model folder from the user's disk (picker or drop), read in the worker instead of fetched:
 * the same checks as a download (model-download.ts), in the order that names a problem before
 * anything heavy runs: which files form the folder, manifest.json (JSON, then the contract), every
 * file it names present, then each file's size, ONNX-ness and SHA-256. Failures are
 * ModelLoadErrors, never retryable (a retry reads the same files).
 */
import { errorText } from '../../mae/error-text.ts';
import { listedFile, ManifestError, parseManifest, type ModelManifest } from '../../mae/index.ts';
import { locateModelFolder, MANIFEST_FILE, missingModelFiles, ModelFolderError } from './model-folder.ts';
import { checkFileContent, ModelLoadError } from './model-download.ts';
import type { LocalModelFile } from '../../worker/messages.ts';
import type { ModelBytes } from '../../worker/runtime.ts';

async function readBytes(blob: Blob, file: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    return new Uint8Array(await blob.arrayBuffer());
  } catch (e) {
    // A file changed or removed on disk since it was chosen: Chromium refuses to read it.
    throw new ModelLoadError(`${file} could not be read from your disk (${errorText(e)}): choose the folder again.`, false);
  }
}

export interface LocalModel {
  manifest: ModelManifest;
  bytes: ModelBytes;
}

/** Reads and checks the chosen files; `onProgress(loaded, total, file)` over the graph files. */
export async function readLocalModel(
  chosen: readonly LocalModelFile[],
  onProgress: (loaded: number, total: number, file: string) => void,
): Promise<LocalModel> {
  let folder: ReturnType<typeof locateModelFolder<Blob>>;
  try {
    folder = locateModelFolder(chosen.map((c) => ({ path: c.path, item: c.blob })));
  } catch (e) {
    if (e instanceof ModelFolderError) throw new ModelLoadError(e.message, false);
    throw e;
  }
  const manifestBlob = folder.files.get(MANIFEST_FILE) as Blob;
  let manifest: ModelManifest;
  try {
    manifest = parseManifest(new TextDecoder().decode(await readBytes(manifestBlob, MANIFEST_FILE)));
  } catch (e) {
    if (e instanceof ManifestError) throw new ModelLoadError(`The folder has a bad ${e.message}`, false);
    throw e;
  }
  const missing = missingModelFiles(manifest, new Set(folder.files.keys()));
  if (missing.length > 0) throw new ModelLoadError(missing.join(' '), false);

  const parts = [manifest.encoder, manifest.decoder];
  const graphs = new Set(parts.map((p) => p.file));
  const names = [...parts.map((p) => p.file), ...parts.flatMap((p) => p.externalData ?? [])];
  const blobs = names.map((f) => folder.files.get(f) as Blob);
  const total = blobs.reduce((a, b) => a + b.size, 0);
  // Sizes first: a file that is not the one the manifest describes fails before any is read.
  names.forEach((f, i) => {
    const want = listedFile(manifest, f);
    if (want && blobs[i].size !== want.bytes) {
      throw new ModelLoadError(
        `${f} is ${blobs[i].size} bytes, but manifest.json says ${want.bytes}: it is not the file this manifest describes.`,
        false,
      );
    }
  });
  const bytes = new Map<string, Uint8Array<ArrayBuffer>>();
  let loaded = 0;
  for (const [i, f] of names.entries()) {
    onProgress(loaded, total, f);
    const data = await readBytes(blobs[i], f);
    await checkFileContent(f, data, graphs.has(f), listedFile(manifest, f)?.sha256, false);
    bytes.set(f, data);
    loaded += data.byteLength;
  }
  onProgress(loaded, total, '');
  return { manifest, bytes };
}

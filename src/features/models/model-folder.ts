/**
 * A model folder chosen on the user's disk (picker or drop) rather than fetched from a URL: which
 * of the chosen files form the folder, and whether every file manifest.json names is among them.
 * Pure: paths in, messages out, so each problem is named before any file is read in full.
 *
 * Paths are as the browser gives them: "my-model/manifest.json" for a picked or dropped folder,
 * "manifest.json" for files picked one by one.
 */
import type { ModelManifest } from '../../mae/model-contract.ts';

/** A problem with the chosen files as a whole; the message says what is missing. */
export class ModelFolderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

export const MANIFEST_FILE = 'manifest.json';

/** The last segment of a slash-separated path ("a/b/encoder.onnx" → "encoder.onnx"). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function depth(path: string): number {
  return path.split('/').length - 1;
}

/** "a, b, c and 4 more": a short list of names for a message. */
export function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

export interface ModelFolder<T> {
  /** Folder prefix of manifest.json inside the selection ("" or "my-model/"). */
  root: string;
  /** The files under `root`, keyed by their path relative to it ("encoder.onnx"). */
  files: Map<string, T>;
}

/**
 * The model folder in a selection: the folder of its shallowest manifest.json (someone may pick
 * the parent of the model folder). Files outside that folder are left out.
 * Throws ModelFolderError when nothing was chosen, when there is no manifest.json, or when two
 * folders at the same depth each have one.
 */
export function locateModelFolder<T>(chosen: readonly { path: string; item: T }[]): ModelFolder<T> {
  if (chosen.length === 0) throw new ModelFolderError('No files reached the app: open the model folder again.');
  const manifests = chosen.map((c) => c.path).filter((p) => baseName(p) === MANIFEST_FILE);
  if (manifests.length === 0) {
    const names = chosen.map((c) => c.path);
    const what = chosen.length === 1 ? `the only file chosen (${names[0]})` : `the ${chosen.length} files chosen (${listNames(names)})`;
    throw new ModelFolderError(
      `There is no ${MANIFEST_FILE} among ${what}: a model folder holds ${MANIFEST_FILE}, encoder.onnx and decoder.onnx.`,
    );
  }
  const shallowest = Math.min(...manifests.map(depth));
  const top = manifests.filter((p) => depth(p) === shallowest);
  if (top.length > 1) {
    throw new ModelFolderError(
      `The selection holds ${top.length} model folders (${listNames(top.map(dirName))}): open one model folder at a time.`,
    );
  }
  const root = dirName(top[0]);
  const files = new Map<string, T>();
  for (const c of chosen) if (c.path.startsWith(root)) files.set(c.path.slice(root.length), c.item);
  return { root, files };
}

/**
 * One sentence per file that manifest.json names (the two graphs and their external data) but the
 * folder lacks, or an empty list.
 */
export function missingModelFiles(m: ModelManifest, present: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const part of ['encoder', 'decoder'] as const) {
    const g = m[part];
    if (!present.has(g.file)) problems.push(`${g.file} is missing from the folder: manifest.json names it as the ${part} (${part}.file).`);
    (g.externalData ?? []).forEach((f, i) => {
      if (!present.has(f)) {
        problems.push(`${f} is missing from the folder: manifest.json lists it as the weights of ${g.file} (${part}.externalData[${i}]).`);
      }
    });
  }
  return problems;
}

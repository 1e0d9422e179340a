/**
 * Files from the user's disk that may be a model folder: what a drop holds (images for new rows,
 * or a model folder for the loader), the paths of picked or dropped files, and the pseudo-URLs
 * under which the engine keeps a model loaded from disk ("local:3/my-model"), which ?model=
 * cannot name. Structural types for the browser's file-system entries, so the walk is testable.
 */
import { errorText } from '../../mae/error-text.ts';
import { baseName } from './model-folder.ts';

/** A chosen file with its path inside what was chosen ("my-model/encoder.onnx" or "encoder.onnx"). */
export interface PickedFile {
  path: string;
  file: File;
  /** the hub's SHA-256 of a downloaded file: the int8 cache's key for it (weights/int8-cache.ts) */
  sha256?: string;
  /** a hub download whose fp32 file was freed: its stored int8 copy only (`file` is empty) */
  int8Only?: boolean;
}

/** A model folder holds these: manifest.json, ONNX graphs and their external data. */
export function isModelFileName(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return name === 'manifest.json' || name.endsWith('.onnx') || name.endsWith('.onnx.data') || name.endsWith('.onnx_data');
}

/**
 * A weights file the importer reads (src/features/models/weights/): the official `.pth`, Hugging
 * Face `pytorch_model.bin` or `model.safetensors`.
 */
export function isWeightsFileName(path: string): boolean {
  const name = baseName(path).toLowerCase();
  return name.endsWith('.pth') || name.endsWith('.pt') || name.endsWith('.bin') || name.endsWith('.safetensors');
}

/** Files of an <input type=file> (webkitRelativePath when a folder was picked). */
export function pickedFromInput(files: Iterable<File>): PickedFile[] {
  return Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** The folder all paths share as their first segment ("my-model"), or null (loose files). */
export function folderLabel(paths: readonly string[]): string | null {
  if (paths.length === 0) return null;
  const first = paths.map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : null));
  const top = first[0];
  return top && first.every((f) => f === top) ? top : null;
}

export type DropRoute = { kind: 'model'; files: PickedFile[] } | { kind: 'images'; files: File[] } | { kind: 'none' };

/**
 * A drop with a manifest.json or an ONNX file is a model folder, and one with a weights file
 * (.pth, .bin, .safetensors) is a model to import: all of it goes to the model loader (a preview
 * picture inside the folder is not a photo to add). Anything else is images, as before (files that
 * are not images get a row that says so).
 */
export function routeDrop(files: readonly PickedFile[]): DropRoute {
  if (files.length === 0) return { kind: 'none' };
  if (files.some((f) => isModelFileName(f.path) || isWeightsFileName(f.path))) return { kind: 'model', files: [...files] };
  return { kind: 'images', files: files.map((f) => f.file) };
}

// ---- dropped folders: FileSystemEntry (DataTransferItem.webkitGetAsEntry) ----------------------

export interface EntryLike {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  /** "/my-model/encoder.onnx" */
  fullPath: string;
}
export interface FileEntryLike extends EntryLike {
  file(ok: (f: File) => void, fail?: (e: unknown) => void): void;
}
export interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(ok: (entries: EntryLike[]) => void, fail?: (e: unknown) => void): void };
}

/** Deepest folder level walked: a drop of a whole disk should not hang the page. */
const MAX_DEPTH = 8;
/** Most files collected from dropped folders. */
export const MAX_DROPPED_FILES = 2000;

function entryPath(e: EntryLike): string {
  return e.fullPath.replace(/^\/+/, '') || e.name;
}

/** Every file under the dropped directories, with its path from the dropped folder down. */
export async function walkEntries(dirs: readonly DirectoryEntryLike[]): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const visit = async (dir: DirectoryEntryLike, depth: number): Promise<void> => {
    const reader = dir.createReader();
    // readEntries answers in batches (100 in Chromium) until an empty one.
    for (;;) {
      const batch = await new Promise<EntryLike[]>((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) return;
      for (const e of batch) {
        if (out.length >= MAX_DROPPED_FILES) return;
        if (e.isFile) {
          const file = await new Promise<File>((ok, fail) => (e as FileEntryLike).file(ok, fail));
          out.push({ path: entryPath(e), file });
        } else if (e.isDirectory && depth < MAX_DEPTH) {
          await visit(e as DirectoryEntryLike, depth + 1);
        }
      }
    }
  };
  for (const d of dirs) await visit(d, 1);
  return out;
}

interface ItemLike {
  kind: string;
  getAsFile(): File | null;
  webkitGetAsEntry?: () => EntryLike | null;
}

/**
 * What a drop holds, taken at once (the DataTransfer is emptied when the drop handler returns):
 * loose files, and directory entries to walk later.
 */
export function grabDrop(dt: { items?: ArrayLike<ItemLike> | null; files?: ArrayLike<File> | null }): {
  files: PickedFile[];
  dirs: DirectoryEntryLike[];
} {
  const files: PickedFile[] = [];
  const dirs: DirectoryEntryLike[] = [];
  const items = dt.items ? Array.from(dt.items) : [];
  if (items.length === 0) return { files: pickedFromInput(Array.from(dt.files ?? [])), dirs };
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.() ?? null;
    if (entry?.isDirectory) {
      dirs.push(entry as DirectoryEntryLike);
      continue;
    }
    const file = item.getAsFile();
    if (file) files.push({ path: file.name, file });
  }
  return { files, dirs };
}

export interface DropTargets {
  images(files: File[]): void;
  model(files: PickedFile[]): void;
  notice(message: string): void;
}

/**
 * Sends a drop where it belongs (routeDrop). Loose files are routed at once; dropped folders are
 * walked first (asynchronously), their files joining the loose ones.
 */
export function dispatchDrop(dt: Parameters<typeof grabDrop>[0], to: DropTargets): void {
  const { files, dirs } = grabDrop(dt);
  const route = (all: PickedFile[]): void => {
    const r = routeDrop(all);
    if (r.kind === 'model') to.model(r.files);
    else if (r.kind === 'images') to.images(r.files);
    else if (dirs.length > 0) to.notice('The dropped folder is empty.');
  };
  if (dirs.length === 0) {
    route(files);
    return;
  }
  walkEntries(dirs).then(
    (inside) => route([...files, ...inside]),
    (e: unknown) => to.notice(`Could not read the dropped folder (${errorText(e)}).`),
  );
}

// ---- the engine's name for a model from disk ----------------------------------------------------

const LOCAL_PREFIX = 'local:';

/** "local:3/my-model": the n-th model opened from disk (a new URL per opening). */
export function localModelUrl(n: number, label: string | null): string {
  return `${LOCAL_PREFIX}${n}/${label ?? ''}`;
}

export function isLocalModelUrl(url: string | null | undefined): boolean {
  return typeof url === 'string' && url.startsWith(LOCAL_PREFIX);
}

/** The folder name inside a local model URL ("my-model"), "" for loose files, null for other URLs. */
export function localModelLabel(url: string | null | undefined): string | null {
  if (!isLocalModelUrl(url)) return null;
  const rest = (url as string).slice(LOCAL_PREFIX.length);
  return rest.slice(rest.indexOf('/') + 1);
}

/**
 * The compare view's cards: the zoo's models (zoo-index.ts, with their training numbers) and the
 * page's model when it was imported from a weights file, which has no training numbers (it was not
 * trained here) and is loaded from the person's file again.
 */
import type { ModelManifest } from '../../mae/index.ts';
import type { LocalModelFile } from '../../worker/messages.ts';
import type { ZooEntry } from './zoo-index.ts';

export interface ImportedEntry {
  kind: 'imported';
  /** its local model URL (model-files.ts) */
  id: string;
  name: string;
  patchSize: number;
  numPatches: number;
  /** the files it is loaded from */
  local: { name: string | null; files: LocalModelFile[] };
}

export type CompareEntry = ZooEntry | ImportedEntry;

/** The page's imported model as a card, from its files and the manifest its load reported. */
export function importedEntry(url: string, local: ImportedEntry['local'], manifest: ModelManifest): ImportedEntry {
  return {
    kind: 'imported',
    id: url,
    name: manifest.name,
    patchSize: manifest.patchSize,
    numPatches: (manifest.imgSize / manifest.patchSize) ** 2,
    local,
  };
}

/**
 * "Get the official MAE": the Hugging Face hub's MAE checkpoints the page offers to download, and
 * where from. Nothing here is fetched until the person asks for one model.
 *
 * The hub's address is a build-time setting (VITE_HUB_BASE, default https://huggingface.co), never a
 * URL parameter: a shared link must not be able to send a download elsewhere. Tests build with a
 * local server that copies the hub's URL layout.
 */
export interface HubModel {
  id: 'vit-mae-base' | 'vit-mae-large' | 'vit-mae-huge';
  repo: string;
  file: string;
  /** about this many bytes (the exact size comes from the hub before the download starts) */
  approxBytes: number;
  label: string;
  params: string;
  /** fp32 needs WebGPU (more than WASM's 4 GB); on WASM the model runs in int8 only (weights/memory.ts) */
  fp32NeedsWebGpu: boolean;
}

// Outside Vite (`npm run hub:check` in plain Node) there is no import.meta.env: the real hub. The
// expression `import.meta.env.VITE_HUB_BASE` stays whole so Vite's define still replaces it.
export const HUB_BASE: string =
  (typeof import.meta.env === 'object' ? (import.meta.env.VITE_HUB_BASE as string | undefined) : undefined) ?? 'https://huggingface.co';
/** The revision downloaded (a branch or a commit). */
export const HUB_REVISION = 'main';

export const HUB_LICENCE = 'CC BY-NC 4.0 (non-commercial)';
export const HUB_WHAT =
  'the official MAE pixel-target "visualize" weights (facebookresearch/mae), converted to the transformers format by Hugging Face';

export const HUB_MODELS: readonly HubModel[] = [
  { id: 'vit-mae-base', repo: 'facebook/vit-mae-base', file: 'model.safetensors', approxBytes: 448e6, label: 'ViT-B/16', params: '112 M', fp32NeedsWebGpu: false },
  { id: 'vit-mae-large', repo: 'facebook/vit-mae-large', file: 'pytorch_model.bin', approxBytes: 1.32e9, label: 'ViT-L/16', params: '330 M', fp32NeedsWebGpu: false },
  { id: 'vit-mae-huge', repo: 'facebook/vit-mae-huge', file: 'pytorch_model.bin', approxBytes: 2.63e9, label: 'ViT-H/14', params: '657 M', fp32NeedsWebGpu: true },
];

/** The file itself: the hub answers with a redirect to its file CDN. */
export function resolveUrl(m: HubModel, base = HUB_BASE): string {
  return `${base}/${m.repo}/resolve/${HUB_REVISION}/${m.file}`;
}

/** The repository's file list at the revision: each file's size, and for large files its SHA-256. */
export function treeUrl(m: HubModel, base = HUB_BASE): string {
  return `${base}/api/models/${m.repo}/tree/${HUB_REVISION}`;
}

/** The model's page on the hub, for people to read (a link; the page fetches nothing from it). */
export function pageUrl(m: HubModel, base = HUB_BASE): string {
  return `${base}/${m.repo}`;
}

export interface HubFileInfo {
  size: number;
  /** lowercase hex SHA-256 of the file, when the hub gives one (LFS files) */
  sha256: string | null;
}

/** The file's entry in a tree listing (GET /api/models/<repo>/tree/<rev>), or a message why not. */
export function fileInfoFromTree(tree: unknown, file: string): HubFileInfo {
  if (!Array.isArray(tree)) throw new Error('the hub answered the file list with something that is not a list');
  const entry = tree.find((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && (e as { path?: unknown }).path === file);
  if (!entry) throw new Error(`the hub lists no ${file} in this repository`);
  const lfs = entry.lfs as { oid?: unknown; size?: unknown } | undefined;
  const size = typeof lfs?.size === 'number' ? lfs.size : entry.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size <= 0) throw new Error(`the hub gives no size for ${file}`);
  const sha = typeof lfs?.oid === 'string' && /^[0-9a-f]{64}$/.test(lfs.oid) ? lfs.oid : null;
  return { size, sha256: sha };
}

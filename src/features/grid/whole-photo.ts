/**
 * Whole photos (issue 25): a row can show the whole image at its own aspect ratio instead of the
 * model's centre crop, for models whose graphs take any patch grid (model contract v2). Shared by the
 * page and the worker.
 */

/**
 * The long side of a whole photo, at most (never enlarged). The cost grows with the patch count (and
 * attention with its square): on the bundled ViT-Ti/16, 448 px (28×21 = 588 patches for a 4:3 photo)
 * measured in docs/BENCHMARKS.md "Whole photos".
 */
export const WHOLE_MAX_SIDE = 448;

/** Why a model cannot show whole photos, or null when it can. */
export function wholeUnavailableReason(manifest: { format?: string; grid?: { dynamic?: boolean } } | null): string | null {
  if (!manifest) return 'No model is loaded yet.';
  if (manifest.grid?.dynamic) return null;
  return 'This model’s graphs take only its square training grid (model format 1): re-export it with the current exporter (format 2) for whole photos.';
}

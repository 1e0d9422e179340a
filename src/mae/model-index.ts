/**
 * models/index.json: the list behind the model selector, e.g.
 *   { "models": [ { "id": "default", "name": "MAE ViT-Ti/16 (playground)" } ] }
 * `id` is the folder under models/ (letters, digits, "_" and "-" only, so it cannot leave models/);
 * `name` is shown as text. Bad entries are skipped, not fatal. Optional `cpuVariant`: the id of
 * another entry that is the same model made faster for CPUs (models/default-int8).
 */
export interface ModelEntry {
  id: string;
  name: string;
  /** Another entry's id: the same model made for CPUs (e.g. int8), offered when WASM runs. */
  cpuVariant?: string;
}

export const MODEL_ID = /^[\w-]{1,64}$/;

export function parseModelIndex(json: unknown): ModelEntry[] {
  const list = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as { models?: unknown }).models : json;
  if (!Array.isArray(list)) return [];
  const out: ModelEntry[] = [];
  for (const e of list) {
    if (typeof e !== 'object' || e === null) continue;
    const { id, name, cpuVariant } = e as { id?: unknown; name?: unknown; cpuVariant?: unknown };
    if (typeof id !== 'string' || !MODEL_ID.test(id) || out.some((o) => o.id === id)) continue;
    const entry: ModelEntry = { id, name: typeof name === 'string' && name.trim() !== '' ? name.slice(0, 120) : id };
    if (typeof cpuVariant === 'string' && MODEL_ID.test(cpuVariant) && cpuVariant !== id) entry.cpuVariant = cpuVariant;
    out.push(entry);
  }
  // A variant must be in the list too, or the selector could not show it.
  for (const e of out) if (e.cpuVariant && !out.some((o) => o.id === e.cpuVariant)) delete e.cpuVariant;
  return out;
}

/** "/models/tiny-112/" → "tiny-112" (the folder id of a model URL), or null. */
export function modelIdOf(url: string): string | null {
  const m = /\/models\/([\w-]{1,64})\/?$/.exec(url);
  return m ? m[1] : null;
}

/**
 * The page's address as state: what the URL asks for at start (optionsFromUrl; the mask settings
 * are src/features/mask/mask-url.ts's), and ?model= kept in step with the active model so a reload keeps the choice.
 */
import { modelIdOf } from '../mae/model-index.ts';
import { providerFromSearch } from '../worker/provider.ts';
import type { EngineOptions } from './engine.ts';

const BASE = import.meta.env.BASE_URL;

/** Reads ?ep=, ?samples=, ?model=, ?ratio=, ?seed=, ?same=, ?threads=, ?batch=, ?lead=, ?lazy= from the page URL. */
export function optionsFromUrl(search: string): EngineOptions & { ratio: number | null; seed: number | null; same: boolean | null } {
  const q = new URLSearchParams(search);
  const model = q.get('model');
  const samplesParam = q.get('samples');
  let samples: string[] | null = null;
  let sampleLimit: number | null = null;
  if (samplesParam !== null) {
    if (/^\d+$/.test(samplesParam)) sampleLimit = Number(samplesParam);
    else
      samples = samplesParam
        .split(',')
        .map((s) => s.trim())
        .filter((s) => /^[\w-]+$/.test(s));
  }
  const num = (k: string): number | null => {
    const v = q.get(k);
    return v !== null && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
  };
  const same = q.get('same');
  const count = (k: string): number | null => {
    const v = num(k);
    return v !== null && Number.isInteger(v) && v >= 1 && v <= 64 ? v : null;
  };
  return {
    // Only a plain folder name: "../x", "a/b" or an absolute URL never reaches the worker.
    modelUrl: `${BASE}models/${model && /^[\w-]+$/.test(model) ? model : 'default'}/`,
    provider: providerFromSearch(search) ?? 'auto',
    samples,
    sampleLimit,
    ratio: num('ratio'),
    seed: num('seed'),
    same: same === null ? null : same === '1' || same === 'true',
    wasmThreads: count('threads'),
    maxBatch: count('batch'),
    leadAlone: q.get('lead') === null ? null : q.get('lead') !== '0',
    lazyRows: q.get('lazy') === 'on' ? 'on' : q.get('lazy') === 'off' ? 'off' : 'auto',
  };
}

/** Keeps ?model= in the address bar in step with the selector, so a reload keeps the choice. */
export function writeModelParam(url: string): void {
  const id = modelIdOf(url);
  if (!id || typeof window === 'undefined') return;
  const q = new URLSearchParams(window.location.search);
  if (id === 'default') q.delete('model');
  else q.set('model', id);
  const search = q.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}${window.location.hash}`);
}

import { useEffect, useMemo, useState } from 'react';
import { generateHSample } from './hworld.ts';
import { SeedInput } from './SeedInput.tsx';
import { Pixels, pct, toRgba } from './Pixels.tsx';
import type { RunResults } from './run-results.ts';
import { loadTheoryModels, reconstructAll, type TheoryModel, type TheoryReconstruction } from './theory-models.ts';

type Loaded =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; rt: Awaited<ReturnType<typeof loadTheoryModels>>['rt']; models: TheoryModel[] }
  | { status: 'error'; message: string };

const label = (m: { patchSize: number; maskRatio: number }) => `patch ${m.patchSize}, trained at ${pct(m.maskRatio)}`;

/**
 * Any finished model of the issue-26 grid (its seed-0 copy, models/theory-grid/) on a sample of the world it
 * was trained on, alone or beside a second one with the same hidden pixels: what the verdicts are about, seen.
 */
export function GridViewer({ models }: { models: RunResults['models'] }) {
  const [first, setFirst] = useState(models[0]?.id ?? '');
  const [second, setSecond] = useState('');
  const [seed, setSeed] = useState(42);
  const [maskRatio, setMaskRatio] = useState(0.5);
  const [maskSeed, setMaskSeed] = useState(0);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'idle' });
  const [recons, setRecons] = useState<TheoryReconstruction[] | null>(null);
  const [reconError, setReconError] = useState<string | null>(null);
  const sample = useMemo(() => generateHSample(seed), [seed]);
  const sampleImage = useMemo(() => toRgba(sample.pixels), [sample]);

  useEffect(() => {
    if (loaded.status !== 'ready') return;
    let current = true;
    reconstructAll(loaded.rt, loaded.models, sample.pixels, maskRatio, maskSeed)
      .then((r) => {
        if (!current) return;
        setRecons(r);
        setReconError(null);
      })
      .catch((e: unknown) => current && setReconError(e instanceof Error ? e.message : String(e)));
    return () => {
      current = false;
    };
  }, [loaded, sample, maskRatio, maskSeed]);

  if (models.length === 0) {
    return (
      <p className="fineprint" data-testid="theory-grid-none">
        No model of the grid has finished yet; each one can be opened here once it has.
      </p>
    );
  }
  const open = () => {
    const chosen = [first, second].filter((id, i, all) => id !== '' && all.indexOf(id) === i);
    const entries = models.filter((m) => chosen.includes(m.id)).sort((a, b) => chosen.indexOf(a.id) - chosen.indexOf(b.id));
    setLoaded({ status: 'loading' });
    setRecons(null);
    loadTheoryModels(entries)
      .then(({ rt, models: ms }) => setLoaded({ status: 'ready', rt, models: ms }))
      .catch((e: unknown) => setLoaded({ status: 'error', message: e instanceof Error ? e.message : String(e) }));
  };
  const choose = (set: (id: string) => void) => (id: string) => {
    set(id);
    setLoaded({ status: 'idle' });
  };
  const options = models.map((m) => (
    <option key={m.id} value={m.id}>
      {label(m)}
    </option>
  ));
  return (
    <div className="theory-grid-viewer" data-testid="theory-grid-viewer">
      <div className="theory-controls">
        <label>
          Model{' '}
          <select value={first} data-testid="theory-grid-first" onChange={(e) => choose(setFirst)(e.target.value)}>
            {options}
          </select>
        </label>
        <label>
          compared with{' '}
          <select value={second} data-testid="theory-grid-second" onChange={(e) => choose(setSecond)(e.target.value)}>
            <option value="">none</option>
            {options}
          </select>
        </label>
        <button type="button" data-testid="theory-grid-open" disabled={loaded.status === 'loading'} onClick={open}>
          {loaded.status === 'loading' ? 'Loading…' : 'Open'}
        </button>
      </div>
      <div className="theory-controls">
        <SeedInput seed={seed} setSeed={setSeed} testId="theory-grid-seed" />
        <label>
          Masking {pct(maskRatio)}{' '}
          <input
            type="range"
            min={0.05}
            max={0.95}
            step={0.05}
            value={maskRatio}
            data-testid="theory-grid-mask-ratio"
            onChange={(e) => setMaskRatio(Number(e.target.value))}
          />
        </label>
        <button type="button" data-testid="theory-grid-new-mask" onClick={() => setMaskSeed((s) => (s + 1) >>> 0)}>
          New mask (seed {maskSeed})
        </button>
      </div>
      {loaded.status === 'error' && (
        <p className="row-error-msg" role="alert" data-testid="theory-grid-error">
          {loaded.message}
        </p>
      )}
      {reconError && (
        <p className="row-error-msg" role="alert">
          {reconError}
        </p>
      )}
      <div className="theory-recons">
        <Pixels image={sampleImage} label={`sample ${seed} (object ${sample.latents.object[0]})`} testId="theory-grid-sample" />
        {loaded.status === 'ready' &&
          loaded.models.map((m) => {
            const r = recons?.find((x) => x.id === m.entry.id);
            return (
              <div
                key={m.entry.id}
                className="theory-recon"
                data-testid="theory-grid-recon"
                data-model={m.entry.id}
                data-mse={r?.hiddenMse}
              >
                <h4>{label(m.entry)}</h4>
                {r && (
                  <div className="theory-recon-panels">
                    <Pixels image={r.panels.masked} label="masked" />
                    <Pixels image={r.panels.reconstructionWithVisible} label="reconstruction" />
                  </div>
                )}
                {r && <p className="fineprint">hidden-pixel MSE {r.hiddenMse.toFixed(4)}</p>}
              </div>
            );
          })}
      </div>
    </div>
  );
}

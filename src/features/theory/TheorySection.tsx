import { useEffect, useMemo, useRef, useState } from 'react';
import { LEVELS, parseResults, type Level, type TheoryResults } from './results.ts';
import { SeedInput } from './SeedInput.tsx';
import { Pixels, pct, toRgba } from './Pixels.tsx';
import { RunPanel } from './RunPanel.tsx';
import { latentPanels, LEVEL_TITLES, levelPanels, TheoryChart } from './TheoryChart.tsx';
import { loadTheoryModels, reconstructAll, type TheoryModel, type TheoryReconstruction } from './theory-models.ts';
import { generateSample, NUM_REGIONS, REGIONS_PER_SIDE, SHAPE_NAMES, TEXTURE_NAMES, type WorldSample } from './world.ts';
import './theory.css';

const RESULTS_URL = `${import.meta.env.BASE_URL}models/theory/results.json`;

/** The latents of one sample, by level: what a probe is asked to read back from the encoder. */
function LatentTable({ sample }: { sample: WorldSample }) {
  const l = sample.latents;
  return (
    <dl className="theory-latents" data-testid="theory-latents">
      <dt>global</dt>
      <dd>
        <span data-testid="theory-latent-shape">{SHAPE_NAMES[l.shape]}</span>, palette {l.palette}
      </dd>
      <dt>middle</dt>
      <dd>
        centre ({l.cx.toFixed(1)}, {l.cy.toFixed(1)}) px, half-size {l.size.toFixed(1)} px, satellite at {l.orient * 45}°
      </dd>
      <dt>local</dt>
      <dd>
        <span className="theory-regions" aria-label="texture and stripe phase of each 8×8 region">
          {Array.from({ length: NUM_REGIONS }, (_, r) => (
            <span key={r} title={`region ${r}: ${TEXTURE_NAMES[l.texture[r]]}, phase ${l.phase[r]}`}>
              {l.texture[r] === 0 ? '·' : `${TEXTURE_NAMES[l.texture[r]][0].toUpperCase()}${l.phase[r]}`}
              {r % REGIONS_PER_SIDE === REGIONS_PER_SIDE - 1 ? <br /> : ' '}
            </span>
          ))}
        </span>
      </dd>
    </dl>
  );
}

/** Sentences computed from the results file: the best ratio per level and patch size, against the untrained control. */
function Findings({ results }: { results: TheoryResults }) {
  const lines = LEVELS.flatMap((level: Level) =>
    results.patchSizes.map((p) => {
      const entries = results.summary.filter((e) => e.patchSize === p);
      const best = entries.reduce((a, b) => (b.levels[level].mean > a.levels[level].mean ? b : a));
      const worst = entries.reduce((a, b) => (b.levels[level].mean < a.levels[level].mean ? b : a));
      const control = results.controls.untrained.find((c) => c.patchSize === p)?.levels[level];
      const interior = best.maskRatio !== Math.min(...results.ratios) && best.maskRatio !== Math.max(...results.ratios);
      return (
        <li key={`${level}-${p}`} data-testid="theory-finding" data-level={level} data-patch={p} data-best-ratio={best.maskRatio}>
          {LEVEL_TITLES[level]}, patch {p}: best at {pct(best.maskRatio)} masking ({best.levels[level].mean.toFixed(2)} ±{' '}
          {best.levels[level].std.toFixed(2)}), worst at {pct(worst.maskRatio)} ({worst.levels[level].mean.toFixed(2)}); untrained{' '}
          {control ? control.mean.toFixed(2) : 'n/a'}.{' '}
          {best.levels[level].mean - worst.levels[level].mean <= best.levels[level].std + worst.levels[level].std
            ? 'Best and worst differ by less than their error bars together: no clear ratio effect.'
            : interior
              ? 'The peak is in the middle of the range.'
              : 'The peak is at an end of the range.'}
        </li>
      );
    }),
  );
  // against the untrained network: a point counts when the gap exceeds both standard deviations together
  const total = results.summary.length;
  const clearly = (level: Level, sign: 1 | -1) =>
    results.summary.filter((e) => {
      const c = results.controls.untrained.find((u) => u.patchSize === e.patchSize)?.levels[level];
      return c !== undefined && sign * (e.levels[level].mean - c.mean) > e.levels[level].std + c.std;
    }).length;
  const globalUp = clearly('global', 1);
  const localDown = clearly('local', -1);
  return (
    <>
      <p className="theory-text" data-testid="theory-summary">
        Against the same networks untrained, training clearly raised the global level at {globalUp} of {total} points and clearly lowered
        the local level at {localDown} of {total} (clearly: by more than the two error bars together).{' '}
        {globalUp > total / 2 && localDown > total / 2
          ? 'Learning to fill in hidden patches made the encoders keep more of what the object is and less of the pixel detail.'
          : 'At this budget the trade between levels is not clear everywhere; the per-level lines show where it is.'}
      </p>
      <ul className="theory-findings">{lines}</ul>
    </>
  );
}

type ModelsState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'ready'; rt: Awaited<ReturnType<typeof loadTheoryModels>>['rt']; models: TheoryModel[] }
  | { status: 'error'; message: string };

/**
 * The theory section (issue 17): the controlled experiment's chart from models/theory/results.json, a
 * sample drawer for the synthetic world, and reconstructions of a sample by the models trained at
 * different ratios.
 */
export function TheorySection() {
  const ref = useRef<HTMLElement>(null);
  const [results, setResults] = useState<TheoryResults | null>(null);
  const [resultsError, setResultsError] = useState<string | null>(null);
  const [byLatent, setByLatent] = useState(false);
  const [seed, setSeed] = useState(1);
  const [maskRatio, setMaskRatio] = useState(0.5);
  const [maskSeed, setMaskSeed] = useState(0);
  const [models, setModels] = useState<ModelsState>({ status: 'idle' });
  const [recons, setRecons] = useState<TheoryReconstruction[] | null>(null);
  const [reconError, setReconError] = useState<string | null>(null);
  const sample = useMemo(() => generateSample(seed), [seed]);
  const sampleImage = useMemo(() => toRgba(sample.pixels), [sample]);

  // The results file is fetched once the section comes near the screen, not with the page.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let started = false;
    const load = () => {
      if (started) return;
      started = true;
      fetch(RESULTS_URL)
        .then((res) => {
          if (!res.ok) throw new Error(`models/theory/results.json: HTTP ${res.status}`);
          return res.json() as Promise<unknown>;
        })
        .then((json) => setResults(parseResults(json)))
        .catch((e: unknown) => setResultsError(e instanceof Error ? e.message : String(e)));
    };
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && load(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  useEffect(() => {
    if (models.status !== 'ready') return;
    let current = true;
    reconstructAll(models.rt, models.models, sample.pixels, maskRatio, maskSeed)
      .then((r) => {
        if (!current) return;
        setRecons(r);
        setReconError(null);
      })
      .catch((e: unknown) => current && setReconError(e instanceof Error ? e.message : String(e)));
    return () => {
      current = false;
    };
  }, [models, sample, maskRatio, maskSeed]);

  const startModels = () => {
    if (!results || models.status === 'loading' || models.status === 'ready') return;
    setModels({ status: 'loading' });
    loadTheoryModels(results.models)
      .then(({ rt, models: loaded }) => setModels({ status: 'ready', rt, models: loaded }))
      .catch((e: unknown) => setModels({ status: 'error', message: e instanceof Error ? e.message : String(e) }));
  };

  return (
    <section ref={ref} className="theory" data-testid="theory" aria-label="Theory experiment">
      <h2>The theory, made visible: which latent level each masking ratio recovers</h2>
      <p className="theory-text">
        Kong et al. (CVPR 2023) describe images as generated by a hierarchy of hidden causes: a few global ones (what the object is, the
        colour scheme) shape the whole picture, middle ones (where the object is, how big, how its parts are arranged) shape a part of it,
        and many local ones (the texture of each small region) shape only a few pixels. They prove that an MAE learns the causes that the
        visible and the hidden patches share, so the masking ratio and the patch size decide which level it learns: very low and very high
        ratios both give low-level representations. On photos the true causes are unknown; here they are known, because we draw the images
        ourselves.
      </p>

      <h3>Draw from the synthetic world</h3>
      <div className="theory-controls">
        <SeedInput seed={seed} setSeed={setSeed} testId="theory-seed" />
        <button type="button" data-testid="theory-new-sample" onClick={() => setSeed((s) => (s + 1) >>> 0)}>
          New sample
        </button>
      </div>
      <div className="theory-sample">
        <Pixels image={sampleImage} label={`sample ${seed}`} testId="theory-sample-canvas" />
        <LatentTable sample={sample} />
      </div>

      <h3>What each model reconstructs</h3>
      {results && results.models.length > 0 && models.status !== 'ready' && (
        <button type="button" data-testid="theory-run-models" disabled={models.status === 'loading'} onClick={startModels}>
          {models.status === 'loading' ? 'Loading the theory models…' : `Reconstruct with the ${results.models.length} theory models`}
        </button>
      )}
      {models.status === 'error' && (
        <p className="row-error-msg" role="alert" data-testid="theory-models-error">
          {models.message}
        </p>
      )}
      {models.status === 'ready' && (
        <>
          <div className="theory-controls">
            <label>
              Masking {pct(maskRatio)}{' '}
              <input
                type="range"
                min={0.1}
                max={0.9}
                step={0.05}
                value={maskRatio}
                data-testid="theory-mask-ratio"
                onChange={(e) => setMaskRatio(Number(e.target.value))}
              />
            </label>
            <button type="button" data-testid="theory-new-mask" onClick={() => setMaskSeed((s) => (s + 1) >>> 0)}>
              New mask (seed {maskSeed})
            </button>
          </div>
          <p className="fineprint">
            Every model hides the same pixels: the mask is drawn on the 8-pixel grid and refined for the 4-pixel models. Masked input, then
            the model&apos;s reconstruction with the visible patches pasted back.
          </p>
          {reconError && (
            <p className="row-error-msg" role="alert">
              {reconError}
            </p>
          )}
          <div className="theory-recons" data-testid="theory-recons">
            {models.models.map((m) => {
              const r = recons?.find((x) => x.id === m.entry.id);
              return (
                <div key={m.entry.id} className="theory-recon" data-testid="theory-recon" data-model={m.entry.id} data-mse={r?.hiddenMse}>
                  <h4>
                    patch {m.entry.patchSize}, trained at {pct(m.entry.maskRatio)}
                  </h4>
                  {r && (
                    <div className="theory-recon-panels">
                      <Pixels image={r.panels.masked} label="masked" />
                      <Pixels image={r.panels.reconstructionWithVisible} label="reconstruction" testId="theory-recon-canvas" />
                    </div>
                  )}
                  {r && <p className="fineprint">hidden-pixel MSE {r.hiddenMse.toFixed(4)}</p>}
                </div>
              );
            })}
          </div>
        </>
      )}

      <h3>What the probes read back</h3>
      {resultsError && (
        <p className="row-error-msg" role="alert" data-testid="theory-results-error">
          {resultsError}
        </p>
      )}
      {!results && !resultsError && <p className="fineprint">Loading the experiment&apos;s results…</p>}
      {results && (
        <>
          <p className="theory-text">
            Each point: small MAEs trained at one masking ratio ({results.seeds.length} seeds, error bar = standard deviation over seeds),
            then frozen; a linear probe reads each latent back from the encoder&apos;s features on {results.world.probeTest} held-out
            samples. Score: accuracy rescaled so chance is 0 and perfect is 1 (R² for position and size), averaged over the level&apos;s
            latents. Dashed: the same network untrained.
          </p>
          <label className="theory-toggle">
            <input type="checkbox" checked={byLatent} data-testid="theory-by-latent" onChange={(e) => setByLatent(e.target.checked)} /> one
            panel per latent (raw accuracy or R²)
          </label>
          <TheoryChart results={results} panels={byLatent ? latentPanels(results) : levelPanels()} />
          <Findings results={results} />
          <p className="fineprint" data-testid="theory-provenance">
            {results.summary.length * results.seeds.length} models, {results.recipe.steps} steps of {results.recipe.batch} samples each,
            trained in {results.wallMinutes} minutes on {results.machine.cores} cores ({results.machine.cpu}), finished {results.finishedAt}
            . Command: <code>{results.command}</code>. Details and the comparison with the paper: docs/THEORY.md.
          </p>
        </>
      )}
      <RunPanel />
      <p className="theory-text">
        How this ties back to the photo models above: the zoo&apos;s photo models were trained the same way, at several ratios and patch
        sizes, but a cat-vs-dog probe could not tell them apart from an untrained network: on photos the causes are unknown and minutes of
        CPU training cannot reach them. In this small world the causes are known and few, so the same recipe shows which level each ratio
        reaches.
      </p>
    </section>
  );
}

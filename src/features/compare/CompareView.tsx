import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useCompareStore, type CompareModel } from './compare-controller.ts';
import { useStore } from '../../state/store.ts';
import { useCompareActions } from './compare-actions.ts';
import { PanelCanvas } from '../../ui/PanelCanvas.tsx';
import { ZooTheory } from './ZooTheory.tsx';

const pct = (r: number): string => `${Math.round(r * 100)}%`;

function ModelCard({ model, controlAccuracy }: { model: CompareModel; controlAccuracy: number | null }) {
  const { entry, result } = model;
  const busy = model.status === 'loading' || model.status === 'running';
  return (
    <article className="zoo-card" data-testid="zoo-card" data-model={entry.id} data-status={model.status}>
      <h3>
        {entry.kind === 'imported' ? `${entry.name}: imported` : `patch ${entry.patchSize} · trained at ${pct(entry.trainMaskRatio)}`}
      </h3>
      {model.status === 'error' ? (
        <p className="row-error-msg" role="alert">
          {model.error}
        </p>
      ) : (
        <div className="panels zoo-panels">
          <PanelCanvas panel="masked" label="masked" image={result?.panels.masked ?? null} busy={busy} />
          <PanelCanvas
            panel="reconstructionWithVisible"
            label="reconstruction + visible"
            image={result?.panels.reconstructionWithVisible ?? null}
            busy={busy}
          />
          <PanelCanvas panel="features" label="encoder features (PCA)" image={model.featureMap} busy={busy} />
        </div>
      )}
      <dl className="zoo-stats">
        <dt>masked MSE here</dt>
        <dd data-testid="zoo-mse">{result?.mse != null ? result.mse.toFixed(3) : '–'}</dd>
        {entry.kind === 'imported' ? (
          <>
            <dt>card</dt>
            <dd>not trained here: see its model card above</dd>
          </>
        ) : (
          <>
            <dt>held-out MSE at 75%</dt>
            <dd>
              {entry.mse075.toFixed(3)} <span className="fineprint">(interpolation {entry.gaussian075.toFixed(3)})</span>
            </dd>
            <dt>cat vs dog probe</dt>
            <dd data-testid="zoo-probe">
              {pct(entry.probeAccuracy)} ± {pct(entry.probeStderr)}
              {controlAccuracy !== null && <span className="fineprint"> (untrained: {pct(controlAccuracy)})</span>}
            </dd>
            <dt>budget</dt>
            <dd>
              {entry.steps} steps · {entry.trainMinutes} min
            </dd>
          </>
        )}
      </dl>
    </article>
  );
}

/**
 * The model zoo side by side: one image, one mask (the same hidden pixels for every model), each
 * model's reconstruction and feature map, and its card numbers, next to the theory.
 */
export function CompareView() {
  const controller = useCompareActions();
  // The rows the view can compare (not failed), as shallow-equal lists of strings: a row's new
  // result (every slider step) does not re-render the view.
  const usableIds = useStore(useShallow((s) => s.rows.filter((r) => r.status !== 'error').map((r) => r.id)));
  const usableNames = useStore(useShallow((s) => s.rows.filter((r) => r.status !== 'error').map((r) => r.name)));
  const state = useCompareStore();
  const [rowId, setRowId] = useState<string>('');
  useEffect(() => () => controller.close(), [controller]);

  const usable = usableIds.map((id, i) => ({ id, name: usableNames[i] }));
  const chosen = usable.find((r) => r.id === rowId) ?? usable[0] ?? null;
  const open = state.status !== 'closed';
  const zoo = state.zoo;

  return (
    <section className="compare" data-testid="compare" data-status={state.status}>
      <h2>Model zoo: what training at other ratios and patch sizes teaches</h2>
      <div className="compare-controls">
        <label>
          Image{' '}
          <select
            data-testid="compare-image"
            value={chosen?.id ?? ''}
            onChange={(e) => {
              setRowId(e.target.value);
              if (open) void controller.open(e.target.value);
            }}
          >
            {usable.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        {!open ? (
          <button
            type="button"
            data-testid="compare-open"
            disabled={!chosen}
            onClick={() => chosen && void controller.open(chosen.id, useStore.getState().seed)}
          >
            Compare the zoo
          </button>
        ) : (
          <>
            <label>
              Masking {pct(state.maskRatio)}{' '}
              <input
                type="range"
                data-testid="compare-ratio"
                min={0.05}
                max={0.95}
                step={0.05}
                value={state.maskRatio}
                onChange={(e) => controller.setMask(Number(e.target.value), state.seed)}
              />
            </label>
            <button type="button" data-testid="compare-reroll" onClick={() => controller.setMask(state.maskRatio, (state.seed + 1) >>> 0)}>
              New mask (seed {state.seed})
            </button>
            <button type="button" data-testid="compare-close" onClick={() => controller.close()}>
              Close
            </button>
          </>
        )}
      </div>
      {state.message && (
        <p className="row-error-msg" role="alert" data-testid="compare-error">
          {state.message}
        </p>
      )}
      {open && zoo && (
        <>
          <p className="fineprint">
            Every model gets the same hidden pixels: the mask is drawn on the coarsest patch grid among the models, and a model with a finer
            grid hides every small patch inside a hidden big one. Zoo models work at 112 px.
          </p>
          <div className="zoo-grid">
            {state.models.map((m) => (
              <ModelCard key={m.entry.id} model={m} controlAccuracy={zoo.controls[`random-init-p${m.entry.patchSize}`]?.accuracy ?? null} />
            ))}
          </div>
        </>
      )}
      <ZooTheory />
    </section>
  );
}

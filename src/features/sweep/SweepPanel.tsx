import { useSweep } from './sweep-controller.ts';
import { useSweepActions } from './sweep-actions.ts';
import { Filmstrip } from './Filmstrip.tsx';
import { SweepChart } from './SweepChart.tsx';

const STATUS_TEXT = {
  waiting: 'waiting for the model…',
  running: 'running…',
  done: 'done',
  cancelled: 'cancelled',
  error: 'failed',
} as const;

/** Masking-ratio sweep of one row: progress, filmstrip, MSE chart. Shown under that row only. */
export function SweepPanel({ rowId }: { rowId: string }) {
  // every row renders a SweepPanel: only the swept row follows the sweep's updates (the others
  // select a constant null and do not re-render)
  const sweep = useSweep((s) => (s.rowId === rowId ? s : null));
  const sweepActions = useSweepActions();
  if (!sweep) return null;
  const seeds = sweep.gridSeeds;
  const seedText = seeds.length > 1 ? `page seeds ${seeds[0]}–${seeds[seeds.length - 1]}` : `page seed ${seeds[0]}`;
  return (
    <section
      className="sweep"
      data-testid="sweep-panel"
      data-status={sweep.status}
      aria-label={`Masking-ratio sweep of ${sweep.imageName}`}
    >
      <header className="sweep-head">
        <strong>Ratio sweep</strong>
        <span className="sweep-meta">
          {sweep.modelName} · {sweep.strategy} masks · {sweep.ratios.length} ratios × {seeds.length} seeds ({seedText}; the filmstrip shows
          seed {seeds[0]})
        </span>
        <span className="sweep-status" data-testid="sweep-status">
          {STATUS_TEXT[sweep.status]}
        </span>
        {sweep.status === 'running' && (
          <button type="button" data-testid="sweep-cancel" onClick={() => sweepActions.cancel()}>
            Stop
          </button>
        )}
        <button
          type="button"
          className="remove"
          data-testid="sweep-close"
          aria-label="Close the sweep"
          onClick={() => sweepActions.close()}
        >
          ×
        </button>
      </header>
      <div className="sweep-progress">
        <progress value={sweep.done} max={Math.max(1, sweep.total)} aria-label="Sweep progress" />
        <span data-testid="sweep-progress">
          {sweep.done} / {sweep.total}
        </span>
      </div>
      {sweep.error && (
        <p className="row-error-msg" role="alert" data-testid="sweep-error">
          {sweep.error}
        </p>
      )}
      <Filmstrip entries={sweep.entries} />
      <SweepChart entries={sweep.entries} trainMaskRatio={sweep.trainMaskRatio} seeds={seeds.length} />
    </section>
  );
}

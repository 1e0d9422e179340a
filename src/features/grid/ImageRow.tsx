import { memo, useEffect } from 'react';
import { errorText } from '../../mae/error-text.ts';
import { useStore, type Row } from '../../state/store.ts';
import { DecodeNotes } from './DecodeNotes.tsx';
import { useRowActions } from './row-actions.ts';
import { useSweepActions } from '../sweep/sweep-actions.ts';
import { PaintSurface } from '../mask/PaintSurface.tsx';
import { BUSY_DIM_DELAY_MS, PanelCanvas } from '../../ui/PanelCanvas.tsx';
import { RowMetrics } from './RowMetrics.tsx';
import { ROW_PANELS } from '../export/row-panels.ts';
import { rowPaints } from './row-paints.ts';
import { downloadRowPng } from '../export/export-png.ts';
import { SweepPanel } from '../sweep/SweepPanel.tsx';
import { AttentionPanel } from '../attention/AttentionPanel.tsx';
import { openAttention } from '../attention/attention-store.ts';
import { useDelayedFlag } from '../../ui/use-delayed-flag.ts';
import { useOnScreen } from '../../ui/use-on-screen.ts';

const STATUS_TEXT: Record<Row['status'], string> = {
  decoding: 'decoding…',
  waiting: 'waiting…',
  done: '',
  error: '',
};

/** One image: four panels, metrics, remove button, or its own error message. */
export const ImageRow = memo(function ImageRow({ row }: { row: Row }) {
  const rowActions = useRowActions();
  const sweepActions = useSweepActions();
  const result = row.result;
  // Runs after the four PanelCanvas effects (children first) have drawn this result; the next
  // animation frame is the one that shows it.
  useEffect(() => {
    const listener = rowPaints.listener;
    if (!result || !listener) return;
    const frame = requestAnimationFrame(() =>
      listener({ rowId: row.id, maskRatio: result.maskRatio, seed: result.seed, t: performance.now() }),
    );
    return () => cancelAnimationFrame(frame);
  }, [result, row.id]);
  // "updating…" waits as long as the panels' dimming, for the same reason (PanelCanvas.tsx).
  const slowUpdate = useDelayedFlag(row.status === 'done' && row.busy, BUSY_DIM_DELAY_MS);
  const status = slowUpdate ? 'updating…' : STATUS_TEXT[row.status];
  const onScreenRef = useOnScreen<HTMLElement>(row.id);
  return (
    <article
      ref={onScreenRef}
      className={`row row-${row.status}`}
      data-testid="image-row"
      data-name={row.name}
      data-status={row.status}
      data-busy={row.busy}
    >
      <header className="row-head">
        <span className="row-name" title={row.name}>
          {row.name}
        </span>
        {row.origin === 'upload' && <span className="tag">yours</span>}
        {status && <span className="row-status">{status}</span>}
        <button
          type="button"
          className="row-action row-actions-start"
          data-testid="sweep-row"
          disabled={row.status === 'error'}
          onClick={() => sweepActions.open(row.id)}
        >
          Sweep
        </button>
        <button
          type="button"
          className="row-action"
          data-testid="attention-row"
          disabled={!result || row.status === 'error'}
          onClick={() => openAttention(row.id)}
        >
          Attention
        </button>
        <button
          type="button"
          className="row-action"
          data-testid="download-row"
          disabled={!result || row.status !== 'done'}
          onClick={() =>
            void downloadRowPng(row).catch((e: unknown) => useStore.getState().setNotice(`Could not export the PNG: ${errorText(e)}`))
          }
        >
          {/* On a phone only "PNG" shows (styles.css), so the image's name keeps its room; the name read out stays "Download PNG". */}
          <span className="row-action-wide">Download </span>PNG
        </button>
        <button
          type="button"
          className="remove"
          data-testid="remove-row"
          aria-label={`Remove ${row.name}`}
          onClick={() => rowActions.removeRow(row.id)}
        >
          ×
        </button>
      </header>
      {row.status === 'error' ? (
        <p className="row-error-msg" role="alert" data-testid="row-error">
          {row.error}
        </p>
      ) : (
        <>
          <div className="panels">
            {ROW_PANELS.map((p) => {
              const panel = (
                <PanelCanvas key={p.key} panel={p.key} label={p.label} image={result ? result.panels[p.key] : null} busy={row.busy} />
              );
              return p.key === 'masked' ? (
                <PaintSurface key={p.key} row={row}>
                  {panel}
                </PaintSurface>
              ) : (
                panel
              );
            })}
          </div>
          <RowMetrics result={result} />
          <DecodeNotes info={row.decodeInfo} />
          {result?.usesTrueHiddenPatchStats && (
            <p className="row-note">norm-pix model: hidden patches are shown with the true patches' mean and variance (a leak).</p>
          )}
        </>
      )}
      <SweepPanel rowId={row.id} />
      <AttentionPanel row={row} />
    </article>
  );
});

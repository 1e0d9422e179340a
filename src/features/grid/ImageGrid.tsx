import { errorText } from '../../mae/error-text.ts';
import { useStore } from '../../state/store.ts';
import { downloadGridPng } from '../export/export-png.ts';
import { downloadPaperPng } from '../paper/paper-png.ts';
import { usePaperStore } from '../paper/paper-store.ts';
import { PaperView } from '../paper/PaperView.tsx';
import { ViewSwitch } from '../paper/ViewSwitch.tsx';
import { EmptyState } from './EmptyState.tsx';
import { ImageRow } from './ImageRow.tsx';

export function ImageGrid() {
  const rows = useStore((s) => s.rows);
  const view = usePaperStore((s) => s.view);
  if (rows.length === 0) return <EmptyState />;
  const anyDone = rows.some((r) => r.status === 'done' && r.result);
  const exportFailed = (e: unknown): void => useStore.getState().setNotice(`Could not export the PNG: ${errorText(e)}`);
  return (
    <section className="grid" data-testid="image-grid" aria-label="Images">
      <div className="grid-toolbar">
        <ViewSwitch />
        {view === 'rows' ? (
          <button
            type="button"
            data-testid="download-grid"
            disabled={!anyDone}
            onClick={() => void downloadGridPng(rows).catch(exportFailed)}
          >
            Download grid PNG
          </button>
        ) : (
          <button
            type="button"
            data-testid="download-figure"
            disabled={!anyDone}
            onClick={() => void downloadPaperPng(rows, useStore.getState().maskRatio).catch(exportFailed)}
          >
            Download figure PNG
          </button>
        )}
      </div>
      {view === 'rows' ? rows.map((row) => <ImageRow key={row.id} row={row} />) : <PaperView rows={rows} />}
    </section>
  );
}

import { errorText } from '../mae/error-text.ts';
import { useStore } from '../state/store.ts';
import { downloadGridPng } from './export-png.ts';
import { EmptyState } from './EmptyState.tsx';
import { ImageRow } from './ImageRow.tsx';

export function ImageGrid() {
  const rows = useStore((s) => s.rows);
  if (rows.length === 0) return <EmptyState />;
  return (
    <section className="grid" data-testid="image-grid" aria-label="Images">
      <div className="grid-toolbar">
        <button
          type="button"
          data-testid="download-grid"
          disabled={!rows.some((r) => r.status === 'done' && r.result)}
          onClick={() =>
            void downloadGridPng(rows).catch((e: unknown) => useStore.getState().setNotice(`Could not export the PNG: ${errorText(e)}`))
          }
        >
          Download grid PNG
        </button>
      </div>
      {rows.map((row) => (
        <ImageRow key={row.id} row={row} />
      ))}
    </section>
  );
}

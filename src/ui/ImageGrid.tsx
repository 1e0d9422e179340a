import { useStore } from '../state/store.ts';
import { EmptyState } from './EmptyState.tsx';
import { ImageRow } from './ImageRow.tsx';

export function ImageGrid() {
  const rows = useStore((s) => s.rows);
  if (rows.length === 0) return <EmptyState />;
  return (
    <section className="grid" data-testid="image-grid" aria-label="Images">
      {rows.map((row) => (
        <ImageRow key={row.id} row={row} />
      ))}
    </section>
  );
}

import { PixelCanvas } from '../../ui/PixelCanvas.tsx';
import type { Row } from '../../state/store.ts';
import { useOnScreen } from '../../ui/use-on-screen.ts';
import { PAPER_PANELS } from './paper-layout.ts';

/** One image as the paper shows it: masked, reconstruction + visible, original, and its name. */
function PaperTriplet({ row }: { row: Row }) {
  const ref = useOnScreen<HTMLElement>(row.id);
  return (
    <figure ref={ref} className="paper-triplet" data-testid="paper-triplet" aria-label={row.name}>
      <div className="paper-panels">
        {PAPER_PANELS.map((p) => (
          <PixelCanvas
            key={p.key}
            image={row.result?.panels[p.key] ?? null}
            role="img"
            aria-label={`${row.name}: ${p.label}`}
            data-panel={p.key}
          />
        ))}
      </div>
      <figcaption>{row.status === 'error' ? `${row.name}: ${row.error ?? 'failed'}` : row.name}</figcaption>
    </figure>
  );
}

/**
 * The compact, paper-style view: one triplet (masked, reconstruction + visible, original) per image,
 * as many triplets per line as fit (CSS grid), like the MAE paper's figures.
 */
export function PaperView({ rows }: { rows: readonly Row[] }) {
  return (
    <div className="paper" data-testid="paper-view">
      <p className="paper-legend hint" aria-hidden="true">
        {PAPER_PANELS.map((p) => p.label).join(' · ')}
      </p>
      <div className="paper-grid">
        {rows.map((row) => (
          <PaperTriplet key={row.id} row={row} />
        ))}
      </div>
    </div>
  );
}

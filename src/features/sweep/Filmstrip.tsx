import type { SweepEntry } from './sweep-controller.ts';
import { PixelCanvas } from '../../ui/PixelCanvas.tsx';

/** One frame per swept ratio (the first seed): masked input above, reconstruction + visible below. */
export function Filmstrip({ entries }: { entries: SweepEntry[] }) {
  return (
    // Wider than the panel, so it scrolls sideways: focusable, so the arrow keys scroll it too.
    <div className="filmstrip" data-testid="sweep-filmstrip" tabIndex={0} role="group" aria-label="Filmstrip: one frame per masking ratio">
      {entries.map((e) => (
        <figure key={e.maskRatio} className="sweep-frame" data-testid="sweep-frame" data-ratio={e.maskRatio}>
          <PixelCanvas image={e.masked} className="sweep-thumb" data-kind="masked" aria-label={`masked at ${e.maskRatio.toFixed(2)}`} />
          <PixelCanvas
            image={e.reconstructionWithVisible}
            className="sweep-thumb"
            data-kind="reconstructionWithVisible"
            aria-label={`reconstruction + visible at ${e.maskRatio.toFixed(2)}`}
          />
          <figcaption>
            {e.maskRatio.toFixed(2)}
            <span className="sweep-frame-visible">
              {' '}
              · {e.visible}/{e.numPatches}
            </span>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

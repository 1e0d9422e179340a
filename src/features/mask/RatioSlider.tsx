import { lenKeep, numPatches, paintedRatio } from '../../mae/index.ts';
import { MAX_MASK_RATIO, useStore } from '../../state/store.ts';

const DEFAULT_PATCHES = 196;

/** Masking ratio 0–0.95; every row updates live while dragging. */
export function RatioSlider() {
  const ratio = useStore((s) => s.maskRatio);
  const setRatio = useStore((s) => s.setMaskRatio);
  const manifest = useStore((s) => s.model.manifest);
  const modelTotal = manifest ? numPatches(manifest) : DEFAULT_PATCHES;
  // Paint mode: the ratio is the painted mask's; the slider shows it but is off (pick another
  // strategy to use it again; the slider's own value is kept for then).
  const painted = useStore((s) => (s.maskStrategy === 'paint' ? s.paintedMask : null));
  const total = painted ? painted.length : modelTotal;
  const shown = painted ? paintedRatio(painted) : ratio;
  const visible = painted ? Math.round(total * (1 - shown)) : lenKeep(total, ratio);
  return (
    <div className="control ratio">
      <label htmlFor="ratio">Masking ratio</label>
      <input
        id="ratio"
        type="range"
        min={0}
        max={MAX_MASK_RATIO}
        step={0.01}
        value={painted ? Math.min(MAX_MASK_RATIO, shown) : ratio}
        disabled={painted !== null}
        title={painted ? 'The painted mask sets the ratio; choose another mask strategy to use the slider' : undefined}
        aria-valuetext={`${Math.round(shown * 100)}%, ${visible} of ${total} visible`}
        data-testid="ratio-slider"
        onChange={(e) => setRatio(Number(e.target.value))}
      />
      <output htmlFor="ratio" data-testid="ratio-label">
        {Math.round(shown * 100)}% · {visible} of {total} visible{painted ? ' · painted' : ''}
      </output>
    </div>
  );
}

import { lenKeep } from '../mae/index.ts';
import { MAX_MASK_RATIO, useStore } from '../state/store.ts';

const DEFAULT_PATCHES = 196;

/** Masking ratio 0–0.95; every row updates live while dragging. */
export function RatioSlider() {
  const ratio = useStore((s) => s.maskRatio);
  const setRatio = useStore((s) => s.setMaskRatio);
  const manifest = useStore((s) => s.model.manifest);
  const total = manifest ? (manifest.imgSize / manifest.patchSize) ** 2 : DEFAULT_PATCHES;
  const visible = lenKeep(total, ratio);
  return (
    <div className="control ratio">
      <label htmlFor="ratio">Masking ratio</label>
      <input
        id="ratio"
        type="range"
        min={0}
        max={MAX_MASK_RATIO}
        step={0.01}
        value={ratio}
        data-testid="ratio-slider"
        onChange={(e) => setRatio(Number(e.target.value))}
      />
      <output htmlFor="ratio" data-testid="ratio-label">
        {Math.round(ratio * 100)}% · {visible} of {total} visible
      </output>
    </div>
  );
}

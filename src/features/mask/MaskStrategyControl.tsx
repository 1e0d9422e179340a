import { MASK_STRATEGIES, type MaskStrategy } from '../../mae/index.ts';
import { chooseStrategy } from './mask-mode.ts';
import { useStore } from '../../state/store.ts';

const LABELS: Record<MaskStrategy, { text: string; title: string }> = {
  random: { text: 'Random', title: 'Random patches, as MAE is trained' },
  block: {
    text: 'Block',
    title: 'Rectangles of patches hidden together (BEiT-style)',
  },
  grid: {
    text: 'Grid',
    title: 'Evenly spread visible patches (one per 2×2 at 75% on an even grid)',
  },
  paint: {
    text: 'Paint',
    title: 'Click or drag over a masked panel to hide or show patches',
  },
};

/** "Mask": which strategy makes the masks; a segmented control of radio buttons. */
export function MaskStrategyControl() {
  const strategy = useStore((s) => s.maskStrategy);
  return (
    <fieldset className="control mask-strategy" data-testid="mask-strategy">
      <legend>Mask</legend>
      <div className="segmented" role="radiogroup" aria-label="Mask">
        {MASK_STRATEGIES.map((s) => (
          <label key={s} title={LABELS[s].title} className={s === strategy ? 'on' : ''}>
            <input
              type="radio"
              name="mask-strategy"
              value={s}
              checked={s === strategy}
              data-testid={`mask-${s}`}
              onChange={() => chooseStrategy(s)}
            />
            {LABELS[s].text}
          </label>
        ))}
      </div>
      {strategy === 'paint' && (
        <p className="hint" data-testid="paint-hint">
          Click or drag over a masked panel to hide or show patches; every row uses the painted mask.
        </p>
      )}
    </fieldset>
  );
}

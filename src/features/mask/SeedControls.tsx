import { useStore } from '../../state/store.ts';

/** Seed of the random masks, a re-roll button, and "same mask for every image". */
export function SeedControls() {
  const seed = useStore((s) => s.seed);
  const setSeed = useStore((s) => s.setSeed);
  const same = useStore((s) => s.sameMaskForAll);
  const setSame = useStore((s) => s.setSameMaskForAll);
  return (
    <div className="control seed">
      <label htmlFor="seed">Seed</label>
      <input
        id="seed"
        type="number"
        min={0}
        step={1}
        value={seed}
        data-testid="seed-input"
        onChange={(e) => setSeed(Number(e.target.value))}
      />
      <button type="button" data-testid="reroll" title="New random masks" onClick={() => setSeed(Math.floor(Math.random() * 100000))}>
        Re-roll
      </button>
      <label className="toggle">
        <input type="checkbox" checked={same} data-testid="same-mask" onChange={(e) => setSame(e.target.checked)} />
        same mask for every image
      </label>
    </div>
  );
}

/** A world sample's seed: a 32-bit unsigned integer, as the generator's PRNG takes it; other input is ignored. */
export function SeedInput({ seed, setSeed, testId }: { seed: number; setSeed: (seed: number) => void; testId: string }) {
  return (
    <label>
      Sample seed{' '}
      <input
        type="number"
        min={0}
        max={4294967295}
        step={1}
        value={seed}
        data-testid={testId}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) setSeed(v);
        }}
      />
    </label>
  );
}

import { usePaperStore, type GridView } from './paper-store.ts';

const VIEWS: { value: GridView; label: string }[] = [
  { value: 'rows', label: 'Rows' },
  { value: 'paper', label: 'Paper' },
];

/** Rows (four panels and metrics per image) or the compact paper-style figure. */
export function ViewSwitch() {
  const view = usePaperStore((s) => s.view);
  return (
    <div className="segmented view-switch" role="radiogroup" aria-label="View">
      {VIEWS.map((v) => (
        <label key={v.value} className={view === v.value ? 'on' : ''}>
          <input
            type="radio"
            name="grid-view"
            value={v.value}
            checked={view === v.value}
            data-testid={`view-${v.value}`}
            onChange={() => usePaperStore.setState({ view: v.value })}
          />
          {v.label}
        </label>
      ))}
    </div>
  );
}

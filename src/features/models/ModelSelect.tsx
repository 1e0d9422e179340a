import { isLocalModelUrl, localModelLabel } from './model-files.ts';
import { modelIdOf } from '../../mae/model-index.ts';
import { useStore } from '../../state/store.ts';
import { useModelActions } from './model-actions.ts';

/** The selector's value for a model opened from disk; not a folder id, so switchModel ignores it. */
const FROM_DISK = '@disk';
const FROM_DISK_TITLE = 'Loaded from your disk: the address (?model=) cannot point to it, so a reload opens a bundled model again.';

/**
 * Which model folder runs (models/index.json), plus a model opened from disk while it runs or
 * loads. A failed switch keeps the current model.
 */
export function ModelSelect() {
  const modelActions = useModelActions();
  const models = useStore((s) => s.models);
  const model = useStore((s) => s.model);
  const shown = model.loadingUrl ?? model.activeUrl;
  const current = isLocalModelUrl(shown) ? FROM_DISK : (modelIdOf(shown ?? '') ?? 'default');
  const options =
    models.some((m) => m.id === current) || current === FROM_DISK
      ? [...models]
      : [...models, { id: current, name: model.manifest?.name ?? current }];
  const localUrl = [model.loadingUrl, model.activeUrl].find((u) => isLocalModelUrl(u)) ?? null;
  if (localUrl !== null) {
    const name = localUrl === model.activeUrl && model.manifest ? model.manifest.name : localModelLabel(localUrl) || 'model folder';
    options.push({ id: FROM_DISK, name: `${name} (from your disk)` });
  }
  return (
    <label className="provider-select">
      <span>Model</span>
      <select
        data-testid="model-select"
        value={current}
        title={current === FROM_DISK ? FROM_DISK_TITLE : undefined}
        onChange={(e) => {
          if (e.target.value !== FROM_DISK) modelActions.switchModel(e.target.value);
        }}
      >
        {options.map((m) => (
          <option key={m.id} value={m.id} title={m.id === FROM_DISK ? FROM_DISK_TITLE : undefined}>
            {m.name}
          </option>
        ))}
      </select>
    </label>
  );
}

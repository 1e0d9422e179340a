import { modelIdOf } from '../state/model-index.ts';
import { useStore } from '../state/store.ts';
import { useEngine } from './EngineContext.ts';

/** Which model folder runs (models/index.json). A failed switch keeps the current model. */
export function ModelSelect() {
  const engine = useEngine();
  const models = useStore((s) => s.models);
  const model = useStore((s) => s.model);
  const current = modelIdOf(model.loadingUrl ?? model.activeUrl ?? '') ?? 'default';
  const options = models.some((m) => m.id === current) ? models : [...models, { id: current, name: model.manifest?.name ?? current }];
  return (
    <label className="provider-select">
      <span>Model</span>
      <select data-testid="model-select" value={current} onChange={(e) => engine.switchModel(e.target.value)}>
        {options.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </select>
    </label>
  );
}

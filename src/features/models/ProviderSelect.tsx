import { useStore } from '../../state/store.ts';
import type { ProviderRequest } from '../../worker/messages.ts';
import { useModelActions } from './model-actions.ts';

const OPTIONS: { value: ProviderRequest; label: string }[] = [
  { value: 'auto', label: 'Auto' },
  { value: 'webgpu', label: 'Force WebGPU' },
  { value: 'wasm', label: 'Force WASM' },
];

/** Execution-provider setting (same as the ?ep= URL flag). Changing it reloads the model. */
export function ProviderSelect() {
  const modelActions = useModelActions();
  const requested = useStore((s) => s.provider.requested);
  return (
    <label className="provider-select">
      <span>Runtime</span>
      <select data-testid="provider-select" value={requested} onChange={(e) => modelActions.setProvider(e.target.value as ProviderRequest)}>
        {OPTIONS.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

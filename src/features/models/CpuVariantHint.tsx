import { modelIdOf } from '../../mae/model-index.ts';
import { useStore } from '../../state/store.ts';
import { useModelActions } from './model-actions.ts';

/**
 * On WASM, offers the running model's CPU variant (models/index.json `cpuVariant`, e.g. int8:
 * about 2x faster there, masked MSE within 0.2%). A visible choice, never an automatic switch: the
 * variant's outputs differ slightly from the model's.
 */
export function CpuVariantHint() {
  const modelActions = useModelActions();
  const models = useStore((s) => s.models);
  const onWasm = useStore((s) => s.provider.active === 'wasm');
  const model = useStore((s) => s.model);
  const entry = models.find((m) => m.id === modelIdOf(model.activeUrl ?? ''));
  const variant = entry?.cpuVariant ? models.find((m) => m.id === entry.cpuVariant) : undefined;
  if (!onWasm || !variant || model.loadingUrl !== null) return null;
  return (
    <p className="cpu-hint" data-testid="cpu-variant-hint">
      Running on the CPU: a faster variant exists.{' '}
      <button type="button" className="link-button" data-testid="use-cpu-variant" onClick={() => modelActions.switchModel(variant.id)}>
        Use {variant.name}
      </button>
    </p>
  );
}

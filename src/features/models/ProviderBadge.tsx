import { useStore } from '../../state/store.ts';

const LABEL = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

/** Which execution provider really runs, and why. */
export function ProviderBadge() {
  const provider = useStore((s) => s.provider);
  const phase = useStore((s) => s.model.phase);
  const text = provider.active ? LABEL[provider.active] : phase === 'error' ? 'none' : '…';
  const threads =
    provider.active === 'wasm' && provider.wasmThreads ? ` · ${provider.wasmThreads} thread${provider.wasmThreads > 1 ? 's' : ''}` : '';
  return (
    <div className="provider">
      <span
        className={`badge badge-${provider.active ?? 'pending'}`}
        data-testid="provider-badge"
        title={provider.reason || 'Choosing an execution provider…'}
      >
        {text}
      </span>
      {provider.reason && (
        <span className="provider-reason" data-testid="provider-reason">
          {provider.reason}
          {threads}
        </span>
      )}
    </div>
  );
}

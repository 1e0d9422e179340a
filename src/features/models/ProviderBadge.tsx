import { useOfflineStore } from '../offline/offline-store.ts';
import { useStore } from '../../state/store.ts';

const LABEL = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

/**
 * Which execution provider really runs, and why; on WASM, the threads onnxruntime really uses (read
 * back from it after the session was created, not what was asked for) and, when only one, why.
 */
export function ProviderBadge() {
  const provider = useStore((s) => s.provider);
  const phase = useStore((s) => s.model.phase);
  const isolationWhy = useOfflineStore((s) => s.isolationWhy);
  const text = provider.active ? LABEL[provider.active] : phase === 'error' ? 'none' : '…';
  const n = provider.active === 'wasm' ? provider.wasmThreads : null;
  // The page knows more than the worker about why it is not isolated (service workers off, the
  // first visit before its one reload, a browser that refuses).
  const why =
    n === 1 ? (typeof window !== 'undefined' && !window.crossOriginIsolated && isolationWhy ? isolationWhy : provider.wasmThreadsWhy) : null;
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
          <span className="provider-why">{provider.reason}</span>
          {n !== null && (
            <span data-testid="wasm-threads" data-threads={n}>
              {` · ${n} thread${n > 1 ? 's' : ''}`}
              {why && ` (${why})`}
            </span>
          )}
        </span>
      )}
    </div>
  );
}

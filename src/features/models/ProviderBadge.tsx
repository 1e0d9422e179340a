import { useOfflineStore } from '../offline/offline-store.ts';
import { useStore } from '../../state/store.ts';
import { describeMeasurement, useThreadCalibration } from './thread-calibration.ts';

const LABEL = { webgpu: 'WebGPU', wasm: 'WASM' } as const;

/**
 * Which execution provider really runs, and why; on WASM, the threads onnxruntime really uses (read
 * back from it after the session was created, not what was asked for) and, when only one, why; and
 * whether that count was measured for this model size (thread-calibration.ts), or is being.
 */
export function ProviderBadge() {
  const provider = useStore((s) => s.provider);
  const phase = useStore((s) => s.model.phase);
  const isolationWhy = useOfflineStore((s) => s.isolationWhy);
  const calibration = useThreadCalibration();
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
              {why && <span className="threads-why">{` (${why})`}</span>}
            </span>
          )}
          {n !== null && (
            <span className="hint" data-testid="threads-measured" data-source={calibration.source ?? ''} data-best={calibration.result?.threads ?? ''}>
              {calibration.result && (calibration.source === 'measured' || calibration.result.threads === n)
                ? ` (measured for this model size: ${describeMeasurement(calibration.result)})`
                : calibration.measuring
                  ? ' · measuring the best thread count…'
                  : calibration.result
                    ? ` · measured ${describeMeasurement(calibration.result)}: ${calibration.result.threads} from the next load`
                    : calibration.skipped
                      ? ` · threads ${calibration.skipped}`
                      : ''}
            </span>
          )}
        </span>
      )}
    </div>
  );
}

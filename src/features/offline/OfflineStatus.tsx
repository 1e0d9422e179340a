import { applyUpdate } from './register.ts';
import { useOfflineStore } from './offline-store.ts';

const TITLES = {
  installing: 'Storing the app, its runtime and the default model on this device, so that it also opens with no network…',
  ready: 'This page, its onnxruntime files and the default model are stored on this device: it opens and reconstructs with no network.',
} as const;

/** A small line in the footer: offline readiness, and a reload button when a new version is installed. */
export function OfflineStatus() {
  const status = useOfflineStore((s) => s.status);
  const updateReady = useOfflineStore((s) => s.updateReady);
  const error = useOfflineStore((s) => s.error);
  if (status === 'off' && !updateReady) return null;
  return (
    <div className="offline-status" role="status" aria-live="polite" data-testid="offline-status">
      {status === 'installing' && <span title={TITLES.installing}>Preparing offline use…</span>}
      {status === 'ready' && (
        <span title={TITLES.ready} data-testid="offline-ready">
          Works offline
        </span>
      )}
      {status === 'failed' && <span>Offline use unavailable: {error}</span>}
      {updateReady && (
        <span className="offline-update" data-testid="update-ready">
          A new version is available.{' '}
          <button type="button" onClick={applyUpdate}>
            Reload
          </button>
        </span>
      )}
    </div>
  );
}

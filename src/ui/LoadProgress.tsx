import { useStore } from '../state/store.ts';

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Download / compile progress of the model; an error banner if it failed. */
export function LoadProgress() {
  const model = useStore((s) => s.model);
  if (model.phase === 'ready' || model.phase === 'idle') return null;
  if (model.phase === 'error') {
    return (
      <div className="banner banner-error" role="alert" data-testid="model-error">
        The model could not be loaded: {model.error}
      </div>
    );
  }
  const downloading = model.phase === 'downloading';
  const fraction = downloading && model.total > 0 ? Math.min(1, model.loaded / model.total) : null;
  return (
    <div className="load-progress" data-testid="load-progress" aria-live="polite">
      <div className="load-text">
        {model.message}
        {downloading && model.total > 0 && ` ${mb(model.loaded)} / ${mb(model.total)} MB`}
      </div>
      <progress max={1} value={fraction ?? undefined} />
    </div>
  );
}

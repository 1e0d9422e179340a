import { localModelLabel } from './model-files.ts';
import { formatBytes } from '../../mae/format-bytes.ts';
import { modelIdOf } from '../../mae/model-index.ts';
import { useStore } from '../../state/store.ts';
import { useModelActions } from './model-actions.ts';


/** Download / compile progress of a model load; an error with a Retry button if one failed. */
export function LoadProgress() {
  const modelActions = useModelActions();
  const model = useStore((s) => s.model);
  const retry = (
    <button type="button" className="link" data-testid="retry-model" onClick={() => modelActions.retryModel()}>
      Retry
    </button>
  );
  if (model.phase === 'error') {
    return (
      <div className="banner banner-error" role="alert" data-testid="model-error">
        <span data-testid="model-error-text">The model could not be loaded: {model.error}</span> {retry}
      </div>
    );
  }
  if (model.switchError) {
    return (
      <div className="banner banner-error" role="alert" data-testid="model-error">
        <span data-testid="model-error-text">{model.switchError}</span> {retry}
        <button type="button" className="link" onClick={() => useStore.getState().setModel({ switchError: null })}>
          dismiss
        </button>
      </div>
    );
  }
  if (model.phase === 'ready' || model.phase === 'idle') return null;
  const downloading = model.phase === 'downloading';
  const fraction = downloading && model.total > 0 ? Math.min(1, model.loaded / model.total) : null;
  const switching = model.manifest !== null && model.loadingUrl !== null && model.loadingUrl !== model.activeUrl;
  return (
    <div className="load-progress" data-testid="load-progress" aria-live="polite">
      <div className="load-text">
        {switching &&
          `Loading “${modelIdOf(model.loadingUrl ?? '') ?? (localModelLabel(model.loadingUrl) || 'model')}” (“${model.manifest?.name ?? ''}” keeps running): `}
        {model.message}
        {downloading && model.total > 0 && ` ${formatBytes(model.loaded)} / ${formatBytes(model.total)}`}
      </div>
      <progress max={1} value={fraction ?? undefined} />
    </div>
  );
}

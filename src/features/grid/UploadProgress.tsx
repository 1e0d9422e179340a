import { useStore } from '../../state/store.ts';

/** "Adding your photos: 37 of 98 ready" while a drop or pick is being decoded and reconstructed. */
export function UploadProgress() {
  const uploads = useStore((s) => s.uploads);
  if (!uploads) return null;
  return (
    <div className="load-progress" data-testid="upload-progress" aria-live="polite">
      <div className="load-text">
        Adding your photos: {uploads.done} of {uploads.total} ready
      </div>
      <progress max={uploads.total} value={uploads.done} />
    </div>
  );
}

import { useStore } from '../../state/store.ts';
import { WHOLE_MAX_SIDE, wholeUnavailableReason } from './whole-photo.ts';

/**
 * "Photo": the model's centre crop (as it was trained) or the whole photo at its own aspect ratio
 * (long side up to WHOLE_MAX_SIDE px), a segmented control. A model with a fixed grid keeps the crop
 * and says why.
 */
export function PhotoModeControl() {
  const whole = useStore((s) => s.wholePhotos);
  const manifest = useStore((s) => s.model.manifest);
  const reason = manifest ? wholeUnavailableReason(manifest) : null;
  const size = manifest?.imgSize ?? 224;
  const set = (on: boolean): void => useStore.getState().setWholePhotos(on);
  return (
    <fieldset className="control photo-mode" data-testid="photo-mode">
      <legend>Photo</legend>
      <div className="segmented" role="radiogroup" aria-label="Photo">
        <label title={`The centre ${size}×${size} square, as the model was trained`} className={!whole || reason ? 'on' : ''}>
          <input
            type="radio"
            name="photo-mode"
            value="crop"
            checked={!whole || reason !== null}
            data-testid="photo-crop"
            onChange={() => set(false)}
          />
          <span className="label-long">Centre crop</span>
          <span className="label-short">Crop</span>
        </label>
        <label
          title={reason ?? `The whole photo at its own aspect ratio, long side up to ${WHOLE_MAX_SIDE} px`}
          className={`${whole && !reason ? 'on' : ''}${reason ? ' disabled' : ''}`}
        >
          <input
            type="radio"
            name="photo-mode"
            value="whole"
            checked={whole && reason === null}
            disabled={reason !== null}
            data-testid="photo-whole"
            onChange={() => set(true)}
          />
          <span className="label-long">Whole photo</span>
          <span className="label-short">Whole</span>
        </label>
      </div>
      {reason && manifest && (
        <p className="hint" data-testid="photo-whole-why">
          Whole photo unavailable: {reason}
        </p>
      )}
    </fieldset>
  );
}

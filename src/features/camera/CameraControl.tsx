import { useCameraActions } from './camera-actions.ts';
import { useCameraStore } from './camera-store.ts';
import { VideoPicker } from './VideoPicker.tsx';

/**
 * "Use camera" and "Play a video…": both open the live row (LiveRow.tsx); a dropped video file does
 * too. On phones the camera is an icon beside "Add your photos…" (the first screen keeps the slider
 * and the first row's panels) and a video is picked from the live row.
 */
export function CameraControl() {
  const camera = useCameraActions();
  const starting = useCameraStore((s) => s.status === 'starting');
  return (
    <div className="control camera-control">
      <button type="button" data-testid="use-camera" disabled={starting} onClick={() => void camera.startCamera()}>
        <svg className="camera-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path d="M4 7h3l2-2h6l2 2h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z" />
          <circle cx="12" cy="13" r="3.5" />
        </svg>
        <span className="camera-text">Use camera</span>
      </button>
      <span className="camera-video">
        <VideoPicker testId="play-video" />
      </span>
    </div>
  );
}

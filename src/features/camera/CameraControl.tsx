import { useRef } from 'react';
import { useCameraActions } from './camera-actions.ts';
import { useCameraStore } from './camera-store.ts';

/** "Use camera" and "Play a video…": both open the live row (LiveRow.tsx). A dropped video file does too. */
export function CameraControl() {
  const camera = useCameraActions();
  const starting = useCameraStore((s) => s.status === 'starting');
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="control camera-control">
      <button type="button" data-testid="use-camera" disabled={starting} onClick={() => void camera.startCamera()}>
        Use camera
      </button>
      <button type="button" data-testid="play-video" onClick={() => input.current?.click()}>
        Play a video…
      </button>
      <input
        ref={input}
        type="file"
        accept="video/*"
        hidden
        data-testid="video-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) camera.playVideo(file);
          e.target.value = '';
        }}
      />
    </div>
  );
}

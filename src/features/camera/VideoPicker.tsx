import { useRef } from 'react';
import { useCameraActions } from './camera-actions.ts';

/** "Play a video…": a video file from the disk plays through the live row (a drop on the page does too). */
export function VideoPicker({ testId, label = 'Play a video…' }: { testId: string; label?: string }) {
  const camera = useCameraActions();
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" data-testid={testId} onClick={() => input.current?.click()}>
        {label}
      </button>
      <input
        ref={input}
        type="file"
        accept="video/*"
        hidden
        data-testid={`${testId}-input`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) camera.playVideo(file);
          e.target.value = '';
        }}
      />
    </>
  );
}

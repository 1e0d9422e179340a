/**
 * Moments of the live row, for whoever listens: the test build's page hooks keep them
 * (src/testing/camera-debug.ts) for the camera e2e specs and bench/camera-bench.mjs. Without a
 * listener (any other build) nothing is kept, so the app holds no track or URL longer than it uses it.
 */
export interface FrameStages {
  encodeMs: number;
  decodeMs: number;
  reconstructMs: number;
}

export interface CameraProbe {
  /** A camera stream opened: its tracks (the listener may watch their readyState). */
  streamOpened(tracks: readonly MediaStreamTrack[]): void;
  /** A video file's object URL was made (true) or revoked (false). */
  videoUrlHeld(held: boolean): void;
  /** A frame was shown: its stages on the page's clock; null when the source is released. */
  frameStages(stages: FrameStages | null): void;
}

export const cameraProbe: { listener: CameraProbe | null } = { listener: null };

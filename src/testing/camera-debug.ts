/**
 * Test build only: what window.__maeDebug.camera() reports about the live row, for the camera e2e
 * specs and bench/camera-bench.mjs. The controller tells the probe (camera-probe.ts) when a stream
 * opens, a video URL is made or revoked and a frame is shown; this log keeps what the specs check
 * (every track this page opened, so a switch can be seen releasing the old camera).
 */
import { cameraProbe, type CameraProbe, type FrameStages } from '../features/camera/camera-probe.ts';
import { useCameraStore, type CameraState } from '../features/camera/camera-store.ts';
import type { FrameCounts } from '../features/camera/frame-gate.ts';

export interface CameraDebug {
  status: CameraState['status'];
  source: CameraState['source'];
  message: string | null;
  frameError: string | null;
  mirrored: boolean;
  frameSize: CameraState['frameSize'];
  counts: FrameCounts & { reconstructed: number };
  fps: number | null;
  msPerFrame: number | null;
  /** The shown frame's times in the worker: encoder + decoder, and the whole request (null before the first frame). */
  worker: { modelMs: number; totalMs: number } | null;
  /** The shown frame's stages on the page's clock: drawn and encoded, decoded in the worker, reconstructed. */
  stages: FrameStages | null;
  /** The shown frame's mask: ratio, visible patches, strategy (null before the first frame). */
  mask: { maskRatio: number; visible: number; numPatches: number; strategy: string } | null;
  /** The shown panels' size in pixels (the model's square for the crop; the frame's aspect when whole). */
  panel: { width: number; height: number } | null;
  /** readyState of the tracks of the latest camera stream ('ended' once released). */
  tracks: MediaStreamTrackState[];
  /** readyState of every camera track this page opened, oldest first (a switch releases the old one). */
  allTracks: MediaStreamTrackState[];
  /** A video file's object URL is held (revoked on stop). */
  objectUrl: boolean;
  devices: number;
}

/** What the live row's controller answers without the probe. */
export interface CameraView {
  frameCounts(): FrameCounts & { reconstructed: number };
}

class CameraLog implements CameraProbe {
  lastTracks: readonly MediaStreamTrack[] = [];
  readonly openedTracks: MediaStreamTrack[] = [];
  urlHeld = false;
  stages: FrameStages | null = null;

  streamOpened(tracks: readonly MediaStreamTrack[]): void {
    this.lastTracks = tracks;
    this.openedTracks.push(...tracks);
  }

  videoUrlHeld(held: boolean): void {
    this.urlHeld = held;
  }

  frameStages(stages: FrameStages | null): void {
    this.stages = stages;
  }
}

/** Starts listening; the returned function reads the live row's state now. */
export function installCameraDebug(camera: CameraView): () => CameraDebug {
  const log = new CameraLog();
  cameraProbe.listener = log;
  return () => {
    const s = useCameraStore.getState();
    return {
      status: s.status,
      source: s.source,
      message: s.message,
      frameError: s.frameError,
      mirrored: s.mirrored,
      frameSize: s.frameSize,
      counts: camera.frameCounts(),
      fps: s.fps,
      msPerFrame: s.msPerFrame,
      stages: log.stages,
      worker: s.result ? { modelMs: s.result.encoderMs + s.result.decoderMs, totalMs: s.result.totalMs } : null,
      mask: s.result
        ? {
            maskRatio: s.result.maskRatio,
            visible: s.result.visible,
            numPatches: s.result.numPatches,
            strategy: s.result.maskStrategy ?? 'random',
          }
        : null,
      panel: s.result ? { width: s.result.panels.original.width, height: s.result.panels.original.height } : null,
      tracks: log.lastTracks.map((t) => t.readyState),
      allTracks: log.openedTracks.map((t) => t.readyState),
      objectUrl: log.urlHeld,
      devices: s.devices.length,
    };
  };
}

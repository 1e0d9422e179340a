/**
 * What the live row shows (zustand). The controller (camera-controller.ts) owns the camera, the
 * video element and the frame loop, and publishes here what the row draws: one update per
 * reconstructed frame, never one per arriving frame.
 */
import { create } from 'zustand';
import type { ReconstructResult } from '../../worker/messages.ts';

export type LiveStatus = 'off' | 'starting' | 'live' | 'paused';
export type LiveSource = 'camera' | 'video';

export interface CameraDevice {
  deviceId: string;
  label: string;
}

export interface CameraState {
  status: LiveStatus;
  source: LiveSource | null;
  /** The camera's label or the video file's name. */
  sourceName: string;
  /** Why the row stopped or cannot start (refused, no camera, unplugged, bad video); null if none. */
  message: string | null;
  /** A frame's reconstruction failed (the loop goes on); cleared by the next good frame. */
  frameError: string | null;
  result: ReconstructResult | null;
  /** The source's frame size (portrait frames are taller than wide). */
  frameSize: { width: number; height: number } | null;
  /** Shown as in a mirror: a front (user-facing) camera. */
  mirrored: boolean;
  /** The cameras to pick from (after permission, when their labels are known). */
  devices: CameraDevice[];
  deviceId: string | null;
  fps: number | null;
  msPerFrame: number | null;
  reconstructed: number;
}

export const initialCameraState: CameraState = {
  status: 'off',
  source: null,
  sourceName: '',
  message: null,
  frameError: null,
  result: null,
  frameSize: null,
  mirrored: false,
  devices: [],
  deviceId: null,
  fps: null,
  msPerFrame: null,
  reconstructed: 0,
};

export const useCameraStore = create<CameraState>()(() => initialCameraState);

/**
 * The size a live frame is drawn at before it goes to the worker: its own aspect ratio (the
 * worker crops the centre square, as for photos, or keeps the whole frame), its longer side at
 * most `maxSide` and never enlarged. Small enough to encode in a few milliseconds, still larger
 * than the model's input on the shorter side for the usual 4:3 and 16:9 cameras.
 */
import { WHOLE_MAX_SIDE } from '../grid/whole-photo.ts';

/** The whole-photo bound (src/features/grid/whole-photo.ts): a whole frame is then never resampled twice. */
export const LIVE_MAX_SIDE = WHOLE_MAX_SIDE;

export function liveFrameSize(width: number, height: number, maxSide = LIVE_MAX_SIDE): { width: number; height: number } {
  if (!(width > 0 && height > 0)) throw new Error(`No frame size (${width}×${height}).`);
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * What the live row says when a camera or a video cannot be used. getUserMedia rejects with a
 * DOMException whose name tells the cause; each gets its own sentence, and all of them say that the
 * rest of the page keeps working (the photos' rows do not need the camera).
 */
import { errorText } from '../../mae/error-text.ts';

const REST = 'The photos below keep working.';

export const CAMERA_ENDED = `The camera stopped sending pictures (unplugged, or taken by another app). ${REST}`;
export const RELEASED_HIDDEN = 'The camera was released while the page was hidden. Press “Use camera” to start it again.';

function errorName(e: unknown): string | null {
  if (typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string') return e.name;
  return null;
}

export function cameraErrorMessage(e: unknown): string {
  switch (errorName(e)) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
      return `Camera permission was refused. Allow the camera for this page in the browser's site settings, then press “Use camera” again. ${REST}`;
    case 'SecurityError':
      return `This page may not use a camera here (the browser allows cameras on https:// and localhost pages only). ${REST}`;
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return `No camera was found. Plug one in and press “Use camera” again, or play a video file instead. ${REST}`;
    case 'OverconstrainedError':
      return `The chosen camera is no longer there. Press “Use camera” to pick another. ${REST}`;
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return `The camera could not be started: another app may be using it. Close that app and press “Use camera” again. ${REST}`;
    default:
      return `Could not start the camera: ${errorText(e)}. ${REST}`;
  }
}

/** A video file the browser cannot play (MediaError on the element). */
export function videoErrorMessage(name: string, code: number | null): string {
  const why =
    code === 4
      ? 'this browser cannot play its format (WebM and MP4 usually work)'
      : code === 3
        ? 'its data could not be decoded (a damaged file?)'
        : 'it could not be read';
  return `Could not play “${name}”: ${why}. ${REST}`;
}

import { requiredContext } from '../../ui/required-context.ts';

/** What the camera's controls ask of the page's camera controller (CameraController, provided by src/app). */
export interface CameraActions {
  startCamera(deviceId?: string): Promise<void>;
  playVideo(file: File): void;
  pause(): void;
  resume(): void;
  snapshot(): Promise<void>;
  stop(): void;
  /** The live row's preview element goes into `container` (null: the row unmounted). */
  attachPreview(container: HTMLElement | null): void;
}

export const [CameraActionsContext, useCameraActions] = requiredContext<CameraActions>('CameraActions');

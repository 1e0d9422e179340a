/**
 * The live row: a camera (getUserMedia) or a video file plays in a <video>; each new frame is
 * offered to the frame gate (frame-gate.ts: one at a time, the rest dropped), drawn at its own
 * aspect ratio (frame-size.ts) into a PNG and sent through the grid's own worker path (decode:
 * the centre crop rows get; reconstruct: newest-wins, the current ratio, strategy and seed).
 *
 * The camera is released (track.stop()) on Stop, when the tab is hidden and when the page is left;
 * a camera that goes away (track 'ended') stops the row with a message. Every start and stop bumps
 * `generation`, so work still running for an older source drops its answer.
 */
import { errorText } from '../../mae/error-text.ts';
import { imageSeed } from '../../mae/index.ts';
import { useStore } from '../../state/store.ts';
import { isAbortError, isCrash, type MaeClient } from '../../worker/mae-client.ts';
import { maskRequest, modelPatches } from '../mask/mask-mode.ts';
import type { CameraActions } from './camera-actions.ts';
import { CAMERA_ENDED, cameraErrorMessage, RELEASED_HIDDEN, videoErrorMessage } from './camera-errors.ts';
import { initialCameraState, useCameraStore, type CameraState } from './camera-store.ts';
import { FpsMeter } from './fps-meter.ts';
import { rgbaToBmp } from './frame-bmp.ts';
import { cameraProbe } from './camera-probe.ts';
import { FrameGate, type FrameCounts } from './frame-gate.ts';
import { liveFrameSize } from './frame-size.ts';

/** The live frame's key in the worker's image cache (one at a time: each frame replaces the last). */
export const LIVE_IMAGE_ID = 'camera-live';

export interface CameraDeps {
  /** The worker that answers now (null before the first model load, or after a crash). */
  client(): MaeClient | null;
  /** The grid's upload path: a snapshot becomes an ordinary row. */
  addFiles(files: File[]): void;
}

const set = (patch: Partial<CameraState>): void => useCameraStore.setState(patch);

export class CameraController implements CameraActions {
  private readonly gate = new FrameGate();
  private readonly meter = new FpsMeter();
  private generation = 0;
  private reconstructed = 0;
  private video: HTMLVideoElement | null = null;
  private stream: MediaStream | null = null;
  private objectUrl: string | null = null;
  private container: HTMLElement | null = null;
  private canvas: OffscreenCanvas | null = null;
  /** The page's visibilitychange / pagehide listeners are installed (a source is open). */
  private watchingPage = false;
  private readonly onVisibility = (): void => {
    if (!document.hidden) return;
    if (useCameraStore.getState().source === 'camera') this.stop(RELEASED_HIDDEN);
    else this.pause();
  };
  private readonly onPageHide = (): void => this.stop();

  constructor(private readonly deps: CameraDeps) {}

  async startCamera(deviceId?: string): Promise<void> {
    const gen = this.begin('camera', 'camera');
    const media = typeof navigator === 'undefined' ? undefined : (navigator.mediaDevices as MediaDevices | undefined);
    if (!media?.getUserMedia) {
      this.stop(cameraErrorMessage({ name: 'SecurityError' }));
      return;
    }
    let stream: MediaStream;
    try {
      stream = await media.getUserMedia({
        audio: false,
        // The back camera on phones; a picked camera exactly.
        video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: 'environment' } },
      });
    } catch (e) {
      if (gen === this.generation) this.stop(cameraErrorMessage(e));
      return;
    }
    if (gen !== this.generation) {
      // Stopped (or replaced) while the browser asked for permission.
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.stream = stream;
    cameraProbe.listener?.streamOpened(stream.getTracks());
    const track = stream.getVideoTracks()[0];
    if (!track) {
      this.stop(cameraErrorMessage({ name: 'NotFoundError' }));
      return;
    }
    track.addEventListener('ended', () => {
      if (gen === this.generation) this.stop(CAMERA_ENDED);
    });
    const settings = track.getSettings();
    set({
      // Some labels are paths (a virtual or fake camera's file): the last part says enough.
      sourceName: track.label.split(/[\\/]/).pop() || 'camera',
      // A front camera is shown as in a mirror; laptops' cameras face the person and rarely say so.
      mirrored: settings.facingMode !== 'environment',
      deviceId: settings.deviceId ?? deviceId ?? null,
    });
    const video = this.newVideo();
    video.srcObject = stream;
    await this.play(video, gen);
    void this.listDevices(media, gen);
  }

  playVideo(file: File): void {
    const gen = this.begin('video', file.name || 'video');
    const url = URL.createObjectURL(file);
    this.objectUrl = url;
    cameraProbe.listener?.videoUrlHeld(true);
    const video = this.newVideo();
    video.loop = true;
    video.addEventListener('error', () => {
      if (gen === this.generation) this.stop(videoErrorMessage(file.name || 'the video', video.error?.code ?? null));
    });
    video.src = url;
    void this.play(video, gen);
  }

  pause(): void {
    if (useCameraStore.getState().status !== 'live') return;
    if (useCameraStore.getState().source === 'video') this.video?.pause();
    set({ status: 'paused' });
  }

  resume(): void {
    if (useCameraStore.getState().status !== 'paused' || !this.video) return;
    set({ status: 'live' });
    if (this.video.paused) void this.video.play().catch(() => undefined);
  }

  /** The frame on screen, at the source's full size, becomes an ordinary row (the upload path). */
  async snapshot(): Promise<void> {
    const video = this.video;
    if (!video || video.videoWidth === 0) return;
    const { source, sourceName } = useCameraStore.getState();
    const blob = await this.frameBlob(video, video.videoWidth, video.videoHeight);
    const time = new Date().toTimeString().slice(0, 8).replaceAll(':', '-');
    const name = source === 'video' ? `${sourceName} at ${video.currentTime.toFixed(1)} s.png` : `camera ${time}.png`;
    this.deps.addFiles([new File([blob], name, { type: 'image/png' })]);
  }

  /** Releases the camera (or the video) and closes the row; `message` says why, if not asked. */
  stop(message: string | null = null): void {
    this.generation += 1;
    this.release();
    const { devices } = useCameraStore.getState();
    set({ ...initialCameraState, devices, message });
    this.deps.client()?.forget(LIVE_IMAGE_ID);
  }

  /** The live camera's video track (null for a video file or when off). */
  liveTrack(): MediaStreamTrack | null {
    return this.stream?.getVideoTracks()[0] ?? null;
  }

  attachPreview(container: HTMLElement | null): void {
    this.container = container;
    if (container && this.video) container.replaceChildren(this.video);
  }

  /** The current source's frames: arrived, started, dropped, paused, finished, and reconstructed (shown). */
  frameCounts(): FrameCounts & { reconstructed: number } {
    return { ...this.gate.snapshot(), reconstructed: this.reconstructed };
  }

  /** A new source: the old one is released, the counters start at zero, the page is watched. */
  private begin(source: 'camera' | 'video', name: string): number {
    this.generation += 1;
    this.release();
    this.reconstructed = 0;
    const { devices, deviceId } = useCameraStore.getState();
    set({ ...initialCameraState, devices, deviceId, status: 'starting', source, sourceName: name });
    document.addEventListener('visibilitychange', this.onVisibility);
    window.addEventListener('pagehide', this.onPageHide);
    this.watchingPage = true;
    return this.generation;
  }

  private release(): void {
    if (this.watchingPage) {
      document.removeEventListener('visibilitychange', this.onVisibility);
      window.removeEventListener('pagehide', this.onPageHide);
      this.watchingPage = false;
    }
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    const video = this.video;
    if (video) {
      video.pause();
      video.srcObject = null;
      video.removeAttribute('src');
      video.load();
      video.remove();
    }
    this.video = null;
    if (this.objectUrl) {
      URL.revokeObjectURL(this.objectUrl);
      cameraProbe.listener?.videoUrlHeld(false);
    }
    this.objectUrl = null;
    this.gate.reset();
    this.meter.reset();
    cameraProbe.listener?.frameStages(null);
  }

  private newVideo(): HTMLVideoElement {
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.className = 'live-preview';
    video.setAttribute('aria-label', 'Live picture');
    this.video = video;
    this.container?.replaceChildren(video);
    return video;
  }

  private async play(video: HTMLVideoElement, gen: number): Promise<void> {
    try {
      await video.play();
    } catch (e) {
      // A video's own error event has the better message; a camera stream that will not play is rare.
      if (gen === this.generation && !video.error)
        this.stop(`Could not play the ${useCameraStore.getState().source ?? 'video'}: ${errorText(e)}`);
      return;
    }
    if (gen !== this.generation) return;
    set({ status: 'live' });
    this.watchFrames(video, gen);
  }

  /** Every new frame of the video (requestVideoFrameCallback; where it is missing, each animation frame whose time moved). */
  private watchFrames(video: HTMLVideoElement, gen: number): void {
    if (typeof video.requestVideoFrameCallback === 'function') {
      const onFrame = (): void => {
        if (gen !== this.generation) return;
        this.arrived(video, gen);
        video.requestVideoFrameCallback(onFrame);
      };
      video.requestVideoFrameCallback(onFrame);
      return;
    }
    let last = -1;
    const poll = (): void => {
      if (gen !== this.generation) return;
      if (video.readyState >= 2 && video.currentTime !== last) {
        last = video.currentTime;
        this.arrived(video, gen);
      }
      requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  }

  private arrived(video: HTMLVideoElement, gen: number): void {
    if (!this.gate.offer(useCameraStore.getState().status === 'paused')) return;
    void this.compute(video, gen).finally(() => {
      if (gen === this.generation) this.gate.finish();
    });
  }

  private async compute(video: HTMLVideoElement, gen: number): Promise<void> {
    const client = this.deps.client();
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!client || width === 0 || height === 0) return;
    const t0 = performance.now();
    try {
      const size = liveFrameSize(width, height);
      const blob = this.frameBmp(video, size.width, size.height);
      const t1 = performance.now();
      const decoded = await client.decode(LIVE_IMAGE_ID, 'live frame', blob);
      const t2 = performance.now();
      const s = useStore.getState();
      // Whole photos (the Photo control) where the model keeps them, else the centre crop, as rows do.
      const whole = s.wholePhotos ? (decoded.whole ?? null) : null;
      const result = await client.reconstruct({
        imageId: LIVE_IMAGE_ID,
        seed: imageSeed(s.seed, 0, s.sameMaskForAll),
        ...maskRequest(s, modelPatches(s), whole),
        ...(whole ? { whole: true } : {}),
      });
      if (gen !== this.generation) return;
      const t3 = performance.now();
      cameraProbe.listener?.frameStages({ encodeMs: t1 - t0, decodeMs: t2 - t1, reconstructMs: t3 - t2 });
      this.meter.add(t3, t3 - t0);
      this.reconstructed += 1;
      set({ result, frameError: null, frameSize: { width, height }, reconstructed: this.reconstructed, ...this.meter.reading() });
    } catch (e) {
      if (gen !== this.generation || isAbortError(e) || isCrash(e)) return;
      set({ frameError: `This frame could not be reconstructed: ${errorText(e)}` });
    }
  }

  private draw(
    source: HTMLVideoElement,
    width: number,
    height: number,
  ): { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D } {
    if (this.canvas?.width !== width || this.canvas.height !== height) this.canvas = new OffscreenCanvas(width, height);
    // Read back every frame: a CPU-backed canvas makes getImageData cheap.
    const ctx = this.canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('No 2D canvas in this browser.');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(source, 0, 0, width, height);
    return { canvas: this.canvas, ctx };
  }

  /** A live frame for the worker: an uncompressed BMP (frame-bmp.ts: a PNG took far longer to write). */
  private frameBmp(source: HTMLVideoElement, width: number, height: number): Blob {
    const { ctx } = this.draw(source, width, height);
    return new Blob([rgbaToBmp(width, height, ctx.getImageData(0, 0, width, height).data)], { type: 'image/bmp' });
  }

  /** A snapshot: a PNG at the frame's full size (a file the person may keep). */
  private frameBlob(source: HTMLVideoElement, width: number, height: number): Promise<Blob> {
    return this.draw(source, width, height).canvas.convertToBlob({ type: 'image/png' });
  }

  private async listDevices(media: MediaDevices, gen: number): Promise<void> {
    try {
      const all = await media.enumerateDevices();
      if (gen !== this.generation) return;
      const cams = all.filter((d) => d.kind === 'videoinput' && d.deviceId !== '');
      set({ devices: cams.map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Camera ${i + 1}` })) });
    } catch {
      /* no list: the picker stays hidden */
    }
  }
}

import { useCallback } from 'react';
import { PanelCanvas } from '../../ui/PanelCanvas.tsx';
import { ROW_PANELS } from '../export/row-panels.ts';
import { RowMetrics } from '../grid/RowMetrics.tsx';
import { useCameraActions } from './camera-actions.ts';
import { useCameraStore } from './camera-store.ts';
import { VideoPicker } from './VideoPicker.tsx';
import './camera.css';

function fpsText(fps: number | null, ms: number | null): string {
  if (fps === null && ms === null) return 'first frame…';
  const f = fps === null ? '–' : fps.toFixed(fps < 10 ? 1 : 0);
  const m = ms === null ? '–' : ms.toFixed(0);
  return `${f} fps · ${m} ms/frame`;
}

/**
 * The live row: the camera's (or a video's) frames masked and reconstructed as they come, with
 * frames per second and ms per frame, Pause, Snapshot (an ordinary row) and Stop. When the camera
 * cannot be used, a message in its place; the photos' rows below do not depend on it.
 */
export function LiveRow() {
  const camera = useCameraActions();
  const st = useCameraStore();
  const preview = useCallback((el: HTMLDivElement | null) => camera.attachPreview(el), [camera]);
  if (st.status === 'off') {
    if (!st.message) return null;
    return (
      <div className="camera-message" role="alert" data-testid="camera-message">
        <span>{st.message}</span>
        <button type="button" onClick={() => useCameraStore.setState({ message: null })}>
          Dismiss
        </button>
      </div>
    );
  }
  const live = st.status === 'live';
  const title = st.source === 'camera' ? `Camera: ${st.sourceName}` : `Video: ${st.sourceName}`;
  return (
    <section
      className="row live-row"
      aria-label="Live camera"
      data-testid="live-row"
      data-status={st.status}
      data-source={st.source ?? ''}
      data-mirrored={st.mirrored}
    >
      <header className="row-head">
        <div className={`live-preview-box${st.mirrored ? ' mirrored' : ''}`} ref={preview} />
        <span className="row-name" title={title}>
          {title}
        </span>
        <span className="tag">live</span>
        <span className="row-status" data-testid="live-fps" aria-live="off">
          {st.status === 'starting' ? 'starting…' : st.status === 'paused' ? 'paused' : fpsText(st.fps, st.msPerFrame)}
        </span>
        {st.source === 'camera' && st.devices.length > 1 && (
          <label className="live-picker">
            Camera
            <select data-testid="camera-picker" value={st.deviceId ?? ''} onChange={(e) => void camera.startCamera(e.target.value)}>
              {st.devices.map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="live-actions">
          <button
            type="button"
            data-testid="live-pause"
            disabled={st.status === 'starting'}
            onClick={() => (live ? camera.pause() : camera.resume())}
          >
            {live || st.status === 'starting' ? 'Pause' : 'Resume'}
          </button>
          <button type="button" data-testid="live-snapshot" disabled={st.status === 'starting'} onClick={() => void camera.snapshot()}>
            Snapshot
          </button>
          <VideoPicker testId="live-play-video" label="Video…" />
          <button type="button" data-testid="live-stop" onClick={() => camera.stop()}>
            Stop
          </button>
        </span>
      </header>
      <div className={`panels${st.mirrored ? ' mirrored' : ''}`}>
        {ROW_PANELS.map((p) => (
          <PanelCanvas key={p.key} panel={p.key} label={p.label} image={st.result ? st.result.panels[p.key] : null} busy={false} />
        ))}
      </div>
      <RowMetrics result={st.result} />
      {st.frameError && (
        <p className="row-error-msg" role="alert" data-testid="live-frame-error">
          {st.frameError}
        </p>
      )}
    </section>
  );
}

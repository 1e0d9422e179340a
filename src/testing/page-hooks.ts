/**
 * The test build's page hooks (vite build --mode e2e; src/main.tsx imports this module under that
 * mode only, and scripts/check-prod-build.mjs checks that `npm run build` has none of it):
 * window.__maeDebug, a window into the app for the e2e specs, the browser benchmark and the soak;
 * the `?inject=` adapter faults; the paint log; fault injection and raw runs through the worker's
 * test build's request table (test-protocol.ts, answered by worker-hooks.ts). Float arrays travel as base64 of their
 * little-endian bytes (exact, and far smaller than JSON number lists).
 */
import { base64ToBytes, bytesToBase64 } from '../mae/base64.ts';
import { useCompareStore } from '../features/compare/compare-controller.ts';
import { cspViolations, type CspViolation } from '../state/csp-log.ts';
import type { ModelSession } from '../features/models/model-session.ts';
import { installCameraDebug, type CameraDebug, type CameraView } from './camera-debug.ts';
import { useStore } from '../state/store.ts';
import { useSweep } from '../features/sweep/sweep-controller.ts';
import { attentionSnapshot } from '../features/attention/attention-store.ts';
import { rowPaints } from '../features/grid/row-paints.ts';
import { paintMarks, recordPaint, type PaintMark } from './paint-log.ts';
import type { SessionsDetail } from '../worker/messages.ts';
import { ADAPTER_FAULTS, testWire, type AdapterFault } from './test-protocol.ts';

export interface DebugRow {
  id: string;
  name: string;
  origin: 'sample' | 'upload';
  status: string;
  busy: boolean;
  error: string | null;
  maskRatio: number | null;
  seed: number | null;
  visible: number | null;
  numPatches: number | null;
  mse: number | null;
  psnr: number | null;
  encoderMs: number | null;
  decoderMs: number | null;
  totalMs: number | null;
  provider: string | null;
  /** The worker's decode of the row's file (null before it is decoded). */
  decode: {
    sourceWidth: number;
    sourceHeight: number;
    decodedWidth: number;
    decodedHeight: number;
    method: string;
    kind: string;
    transparentOn: string | null;
    frames: number | null;
  } | null;
  /** rows in the inference call that produced this result */
  batchSize: number | null;
  latentLocation: string | null;
  /** the strategy that made the shown mask (random / block / grid / paint) */
  maskStrategy: string | null;
}

export interface MaeDebug {
  provider(): { requested: string; active: string | null; reason: string; adapter: string | null; wasmThreads: number | null };
  model(): {
    phase: string;
    error: string | null;
    name: string | null;
    filesMs: number | null;
    probeMs: number | null;
    compileMs: number | null;
    warmupMs: number | null;
    sessionsDetail: SessionsDetail | null;
    /** folder URL of the model that answers, of a load in progress, and a failed switch's message */
    activeUrl: string | null;
    loadingUrl: string | null;
    switchError: string | null;
  };
  rows(): DebugRow[];
  /** Row i's decoder output (float32 LE bytes, base64), or null before its first result. */
  predBase64(i: number): string | null;
  /** Row i's panel pixels (RGBA bytes, base64). */
  panelBase64(i: number, panel: 'masked' | 'reconstruction' | 'reconstructionWithVisible' | 'original'): string | null;
  /** Reconstructions requested / sent to the worker / dropped as stale (latest-wins). */
  stats(): { requested: number; dispatched: number; superseded: number };
  /** Reconstructions waiting for their turn in the client (latest-wins keeps this ≤ one per row). */
  queued(): number;
  /** True when every row has an answer for the current settings (or an error). */
  settled(): boolean;
  /** When rows were painted (performance.now() times at or after `since`): slider-to-painted timing. */
  paints(since?: number): PaintMark[];
  /** Most rows per inference call of the current worker. */
  maxBatch(): number;
  /** Runs the graphs on an explicit normalised CHW tensor with explicit ids. */
  runRaw(
    imageChwBase64: string,
    idsKeep: number[],
    idsRestore: number[],
  ): Promise<{ predBase64: string; encoderMs: number; decoderMs: number }>;
  /**
   * Test hook (docs/RELIABILITY.md): "crash" makes the worker throw an uncaught error (it is
   * restarted and its work re-run); "gpu-device-lost" destroys onnxruntime's WebGPU device.
   */
  fault(kind: 'crash' | 'gpu-device-lost'): Promise<string>;
  /** Content-Security-Policy violations seen by the page or reported by the worker (none expected). */
  cspViolations(): CspViolation[];
  /** The Mask control's strategy and the painted mask (per patch, 1 = hidden; null before painting). */
  maskStrategy(): { strategy: string; painted: number[] | null };
  /** Row i's shown mask, per patch (1 = hidden), or null before its first result. */
  hiddenMask(i: number): number[] | null;
  /**
   * The zoo compare view: status, mask settings, and per model its hidden mask (1 = hidden), result
   * numbers, feature-map colours (RGBA base64) and card numbers.
   */
  compare(): {
    status: string;
    message: string | null;
    maskRatio: number;
    seed: number;
    models: {
      id: string;
      status: string;
      error: string | null;
      patchSize: number;
      numPatches: number | null;
      visible: number | null;
      mse: number | null;
      hidden: number[] | null;
      featureMapBase64: string | null;
      maskedBase64: string | null;
      /** null for an imported model (no card numbers) */
      probeAccuracy: number | null;
    }[];
  };
  /** The masking-ratio sweep panel: status ('closed' when none), progress, per-ratio mean/s.d. */
  sweep(): ReturnType<typeof sweepSnapshot>;
  /** The live camera row: status, frame counts (arrived / started / dropped / paused / reconstructed), tracks' readyState. */
  camera(): CameraDebug;
  /**
   * The live camera's track fires 'ended', as the browser does when the camera is unplugged or
   * taken by another app; false when no camera is live.
   */
  cameraTrackEnded(): boolean;
  /** The attention view: status, reason, and the shown map's numbers (per patch, null = not a key), selection, shares. */
  attention(): ReturnType<typeof attentionSnapshot>;
}

declare global {
  interface Window {
    __maeDebug?: MaeDebug;
  }
}

function viewBytes(v: ArrayBufferView): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** ?inject=no-webgpu,adapter-error,adapter-null: simulated WebGPU adapter faults for every load (docs/RELIABILITY.md). */
export function adapterFaultsFromUrl(search: string): AdapterFault[] {
  const asked = (new URLSearchParams(search).get('inject') ?? '').split(',');
  return asked.filter((f): f is AdapterFault => (ADAPTER_FAULTS as readonly string[]).includes(f));
}

/** Installs the hooks; call before engine.start() so the first worker gets the adapter faults. */
export function installPageHooks(engine: {
  readonly session: ModelSession;
  readonly camera: CameraView & { liveTrack(): MediaStreamTrack | null };
}): void {
  const faults = adapterFaultsFromUrl(window.location.search);
  if (faults.length > 0)
    engine.session.onNewClient(
      (client) =>
        void testWire(client)
          .call({ type: 'adapterFaults', faults })
          .catch(() => undefined),
    );
  rowPaints.listener = recordPaint;
  const cameraDebug = installCameraDebug(engine.camera);
  const activeClient = async () => {
    const client = await engine.session.ready();
    if (!client) throw new Error('model not ready');
    return client;
  };
  const rowAt = (i: number) => useStore.getState().rows[i] ?? null;
  const queued = (): number => engine.session.current?.queuedCount ?? 0;
  window.__maeDebug = {
    provider: () => {
      const p = useStore.getState().provider;
      return { requested: p.requested, active: p.active, reason: p.reason, adapter: p.adapter, wasmThreads: p.wasmThreads };
    },
    model: () => {
      const m = useStore.getState().model;
      return {
        phase: m.phase,
        error: m.error,
        name: m.manifest?.name ?? null,
        filesMs: m.filesMs,
        probeMs: m.probeMs,
        compileMs: m.compileMs,
        warmupMs: m.warmupMs,
        sessionsDetail: m.sessionsDetail ?? null,
        activeUrl: m.activeUrl,
        loadingUrl: m.loadingUrl,
        switchError: m.switchError,
      };
    },
    rows: () =>
      useStore.getState().rows.map((r) => ({
        id: r.id,
        name: r.name,
        origin: r.origin,
        status: r.status,
        busy: r.busy,
        error: r.error,
        maskRatio: r.result?.maskRatio ?? null,
        seed: r.result?.seed ?? null,
        visible: r.result?.visible ?? null,
        numPatches: r.result?.numPatches ?? null,
        mse: r.result?.mse ?? null,
        psnr: r.result?.psnr ?? null,
        encoderMs: r.result?.encoderMs ?? null,
        decoderMs: r.result?.decoderMs ?? null,
        totalMs: r.result?.totalMs ?? null,
        provider: r.result?.provider ?? null,
        decode: r.decodeInfo
          ? {
              sourceWidth: r.decodeInfo.sourceWidth,
              sourceHeight: r.decodeInfo.sourceHeight,
              decodedWidth: r.decodeInfo.decodedWidth,
              decodedHeight: r.decodeInfo.decodedHeight,
              method: r.decodeInfo.method,
              kind: r.decodeInfo.kind,
              transparentOn: r.decodeInfo.transparentOn,
              frames: r.decodeInfo.frames,
            }
          : null,
        batchSize: r.result ? (r.result.batchSize ?? 1) : null,
        latentLocation: r.result?.latentLocation ?? null,
        maskStrategy: r.result?.maskStrategy ?? null,
      })),
    predBase64: (i) => {
      const pred = rowAt(i)?.result?.pred;
      return pred ? bytesToBase64(viewBytes(pred)) : null;
    },
    panelBase64: (i, panel) => {
      const r = rowAt(i)?.result;
      return r ? bytesToBase64(viewBytes(r.panels[panel].data)) : null;
    },
    stats: () => ({ ...(engine.session.current?.stats ?? { requested: 0, dispatched: 0, superseded: 0 }) }),
    queued: () => queued(),
    fault: async (kind) => {
      const client = engine.session.current;
      if (!client) throw new Error('no worker');
      return (await testWire(client).call({ type: 'fault', kind })).detail;
    },
    cspViolations: () => cspViolations(),
    maskStrategy: () => {
      const s = useStore.getState();
      return { strategy: s.maskStrategy, painted: s.paintedMask ? Array.from(s.paintedMask) : null };
    },
    hiddenMask: (i) => {
      const m = rowAt(i)?.result?.hiddenMask;
      return m ? Array.from(m) : null;
    },
    sweep: () => sweepSnapshot(),
    camera: () => cameraDebug(),
    cameraTrackEnded: () => engine.camera.liveTrack()?.dispatchEvent(new Event('ended')) ?? false,
    attention: () => attentionSnapshot(),
    compare: () => {
      const c = useCompareStore.getState();
      return {
        status: c.status,
        message: c.message,
        maskRatio: c.maskRatio,
        seed: c.seed,
        models: c.models.map((m) => ({
          id: m.entry.id,
          status: m.status,
          error: m.error,
          patchSize: m.entry.patchSize,
          numPatches: m.result?.numPatches ?? null,
          visible: m.result?.visible ?? null,
          mse: m.result?.mse ?? null,
          hidden: m.result ? Array.from(m.result.hiddenMask) : null,
          featureMapBase64: m.featureMap ? bytesToBase64(viewBytes(m.featureMap.data)) : null,
          maskedBase64: m.result ? bytesToBase64(viewBytes(m.result.panels.masked.data)) : null,
          probeAccuracy: m.entry.kind === 'zoo' ? m.entry.probeAccuracy : null,
        })),
      };
    },
    paints: (since) => paintMarks(since),
    maxBatch: () => engine.session.maxBatch,
    settled: () => {
      const s = useStore.getState();
      return (
        (s.model.phase === 'ready' || s.model.phase === 'error') &&
        queued() === 0 &&
        s.rows.every((r) => r.status === 'error' || (r.status === 'done' && !r.busy))
      );
    },
    runRaw: async (imageChwBase64, idsKeep, idsRestore) => {
      const bytes = base64ToBytes(imageChwBase64);
      const chw = new Float32Array(bytes.buffer);
      const client = await activeClient();
      const r = await testWire(client).call(
        { type: 'runRaw', imageChw: chw, idsKeep: Int32Array.from(idsKeep), idsRestore: Int32Array.from(idsRestore) },
        { transfer: [chw.buffer] },
      );
      return { predBase64: bytesToBase64(viewBytes(r.pred)), encoderMs: r.encoderMs, decoderMs: r.decoderMs };
    },
  };
}

/** What window.__maeDebug.sweep() reports. */
function sweepSnapshot() {
  const st = useSweep.getState();
  return {
    rowId: st.rowId,
    imageName: st.imageName,
    model: st.modelName,
    status: st.rowId ? st.status : 'closed',
    done: st.done,
    total: st.total,
    ratios: st.ratios,
    gridSeeds: st.gridSeeds,
    imageSeeds: st.imageSeeds,
    strategy: st.strategy,
    points: st.entries.map((e) => ({
      maskRatio: e.maskRatio,
      visible: e.visible,
      mse: e.mse,
      mean: e.summary.mse?.mean ?? null,
      std: e.summary.mse?.std ?? null,
      min: e.summary.mse?.min ?? null,
      max: e.summary.mse?.max ?? null,
      baselineMean: e.summary.baseline?.mean ?? null,
    })),
  };
}

/// <reference lib="webworker" />
/**
 * Test-only worker requests (docs/RELIABILITY.md), in the test build only (vite build --mode e2e;
 * src/worker/mae-worker.ts imports this module under that mode, and no other build contains it):
 * - `fault`: make the worker fail the way real browsers do: "crash" throws an uncaught error (the
 *   client restarts the worker and re-runs pending work); "gpu-device-lost" destroys onnxruntime's
 *   WebGPU device (a real device loss: runs move to WASM);
 * - `adapterFaults`: the next loads see no WebGPU ("no-webgpu"), or a requestAdapter() that throws
 *   ("adapter-error") or returns null ("adapter-null");
 * - `runRaw`: the graphs on a given tensor with explicit ids (the PyTorch reference vectors);
 * and every row result carries its raw decoder output `pred` (the page hooks read it back).
 */
import { reconstruct } from '../mae/index.ts';
import type { ExtraHandlers, WorkerContext } from '../worker/dispatch.ts';
import type { ExtraRequest } from '../worker/messages.ts';
import type { GpuLike } from '../worker/provider.ts';
import { WorkerError } from '../worker/runtime.ts';
import { rowOutput } from '../features/grid/rows-handler.ts';

export type FaultKind = 'crash' | 'gpu-device-lost';
export type AdapterFault = 'no-webgpu' | 'adapter-error' | 'adapter-null';
export const ADAPTER_FAULTS: readonly AdapterFault[] = ['no-webgpu', 'adapter-error', 'adapter-null'];

interface GpuDeviceLike {
  destroy(): void;
}

/** A stand-in for navigator.gpu that fails the way `faults` say (null: no WebGPU at all). */
function faultyGpu(faults: readonly AdapterFault[], real: () => GpuLike | undefined): () => GpuLike | undefined {
  if (faults.includes('no-webgpu')) return () => undefined;
  if (faults.includes('adapter-error'))
    return () => ({ requestAdapter: () => Promise.reject(new Error('simulated adapter failure (test hook)')) });
  if (faults.includes('adapter-null')) return () => ({ requestAdapter: () => Promise.resolve(null) });
  return real;
}

export function installWorkerHooks(ctx: WorkerContext, extras: ExtraHandlers): void {
  const { runtime } = ctx;
  rowOutput.includePred = true;
  const realGpu = runtime.gpu;

  extras.set('adapterFaults', {
    when: 'now', // before the load that follows it
    run(req: ExtraRequest) {
      const faults = (req.faults as AdapterFault[]).filter((f) => ADAPTER_FAULTS.includes(f));
      runtime.gpu = faultyGpu(faults, realGpu);
      return { result: { faults } };
    },
  });

  // Now, not behind a running inference: that is the point.
  extras.set('fault', {
    when: 'now',
    async run(req: ExtraRequest) {
      const kind = req.kind as FaultKind;
      if (kind === 'crash') {
        setTimeout(() => {
          throw new Error('simulated worker crash (test hook)');
        }, 0);
        return { result: { kind, detail: 'the worker throws an uncaught error now' } };
      }
      const rt = runtime.webgpuRuntime();
      const m = (() => {
        try {
          return runtime.requireModel();
        } catch {
          return null;
        }
      })();
      if (m?.provider !== 'webgpu' || !rt) throw new WorkerError('gpu-device-lost: the model is not running on WebGPU', 'not-ready');
      // After the first session, env.webgpu.device is the device itself (a promise before that).
      const device = await Promise.resolve(rt.env.webgpu.device as unknown as GpuDeviceLike | Promise<GpuDeviceLike>);
      const during = runtime.gpuRunsInFlight > 0;
      device.destroy();
      return { result: { kind, detail: `GPUDevice.destroy() called ${during ? 'during a run' : 'while idle'}` } };
    },
  });

  extras.set('runRaw', {
    async run(req: ExtraRequest) {
      const m = runtime.requireModel();
      const imageChw = req.imageChw as Float32Array;
      const idsKeep = req.idsKeep as Int32Array;
      const idsRestore = req.idsRestore as Int32Array;
      const keep = idsKeep.length;
      if (idsRestore.length !== m.numPatches) throw new WorkerError(`idsRestore must have ${m.numPatches} entries`, 'internal');
      const mask = new Uint8Array(m.numPatches);
      for (let j = 0; j < m.numPatches; j++) mask[j] = idsRestore[j] >= keep ? 1 : 0;
      const masks = { idsKeep, idsRestore, mask };
      const { value: out } = await runtime.withGpuFallback((cur) =>
        reconstruct(cur.sessions, cur.Tensor, imageChw, cur.manifest.imgSize, masks),
      );
      return {
        result: { pred: out.pred, encoderMs: out.encoderMs, decoderMs: out.decoderMs },
        transfer: out.pred.buffer instanceof ArrayBuffer ? [out.pred.buffer] : [],
      };
    },
  });
}

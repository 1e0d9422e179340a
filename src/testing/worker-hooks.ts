/// <reference lib="webworker" />
/**
 * The test build's worker side (docs/RELIABILITY.md), in the test build only (vite build --mode
 * e2e; src/app/mae-worker.ts imports this module under that mode, and no other build contains it):
 * the handlers of the test build's request table (test-protocol.ts), beside the app's table, whose
 * row results carry their raw decoder output `pred` here (the page hooks read it back).
 */
import { reconstruct } from '../mae/index.ts';
import { createDispatcher, type HandlerTable } from '../worker/dispatch.ts';
import type { AppProtocol, WorkerResponse } from '../worker/messages.ts';
import type { GpuAdapterLike, GpuLike } from '../worker/provider.ts';
import { WorkerError, type WorkerRuntime } from '../worker/runtime.ts';
import type { Protocol, ResultMessageOf } from '../worker/wire.ts';
import { ADAPTER_FAULTS, type AdapterFault, type TestProtocol } from './test-protocol.ts';

interface GpuDeviceLike {
  destroy(): void;
}

/** A stand-in for navigator.gpu that fails the way `faults` say (null: no WebGPU at all). */
function faultyGpu(faults: readonly AdapterFault[], real: () => GpuLike | undefined): () => GpuLike | undefined {
  if (faults.includes('no-webgpu')) return () => undefined;
  if (faults.includes('adapter-error'))
    return () => ({ requestAdapter: () => Promise.reject(new Error('simulated adapter failure (test hook)')) });
  if (faults.includes('adapter-null')) return () => ({ requestAdapter: () => Promise.resolve(null) });
  if (faults.includes('claims-shader-f16')) {
    return () => {
      const gpu = real();
      return gpu && { requestAdapter: async (o) => claimShaderF16Once(await gpu.requestAdapter(o)) };
    };
  }
  return real;
}

/**
 * The real adapter, except that the first read of its features (the page's probe, provider.ts)
 * also says 'shader-f16'; onnxruntime, which reads them later, sees the real ones and makes a device
 * without it, so the fp16 graphs chosen for it fail there (the fp32 retry of load-handler.ts).
 */
function claimShaderF16Once(adapter: GpuAdapterLike | null): GpuAdapterLike | null {
  if (!adapter) return null;
  let claimed = false;
  return new Proxy(adapter, {
    get(target, prop) {
      const real: unknown = Reflect.get(target, prop, target);
      if (prop === 'features' && !claimed) {
        claimed = true;
        const features = real as { has(name: string): boolean } | undefined;
        return { has: (name: string) => name === 'shader-f16' || features?.has(name) === true };
      }
      return typeof real === 'function' ? (real as (...a: unknown[]) => unknown).bind(target) : real;
    },
  });
}

/** The test table's handlers on this worker's runtime. */
export function testHandlers(runtime: WorkerRuntime): HandlerTable<TestProtocol> {
  const realGpu = runtime.gpu;
  return {
    adapterFaults: {
      when: 'now', // before the load that follows it
      run(req) {
        const faults = req.faults.filter((f) => ADAPTER_FAULTS.includes(f));
        runtime.gpu = faultyGpu(faults, realGpu);
        return { faults };
      },
    },

    // Now, not behind a running inference: that is the point.
    fault: {
      when: 'now',
      async run(req) {
        const kind = req.kind;
        if (kind === 'crash') {
          setTimeout(() => {
            throw new Error('simulated worker crash (test hook)');
          }, 0);
          return { kind, detail: 'the worker throws an uncaught error now' };
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
        return { kind, detail: `GPUDevice.destroy() called ${during ? 'during a run' : 'while idle'}` };
      },
    },

    runRaw: {
      async run(req) {
        const m = runtime.requireModel();
        const { imageChw, idsKeep, idsRestore } = req;
        const keep = idsKeep.length;
        if (idsRestore.length !== m.numPatches) throw new WorkerError(`idsRestore must have ${m.numPatches} entries`, 'internal');
        const mask = new Uint8Array(m.numPatches);
        for (let j = 0; j < m.numPatches; j++) mask[j] = idsRestore[j] >= keep ? 1 : 0;
        const masks = { idsKeep, idsRestore, mask };
        const { value: out } = await runtime.withGpuFallback((cur) =>
          reconstruct(cur.sessions, cur.Tensor, imageChw, cur.manifest.imgSize, masks),
        );
        return { pred: out.pred, encoderMs: out.encoderMs, decoderMs: out.decoderMs };
      },
    },
  };
}

/** The test build worker's dispatcher: the app's table (as the entry built it) and the test table. */
export function testBuildDispatcher(
  app: HandlerTable,
  runtime: WorkerRuntime,
  post: (msg: WorkerResponse | ResultMessageOf<Protocol>) => void,
): (req: { type: string; id: number }) => void {
  return createDispatcher<AppProtocol & TestProtocol>({ ...app, ...testHandlers(runtime) }, runtime, post).dispatch;
}

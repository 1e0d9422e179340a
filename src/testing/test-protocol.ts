/**
 * The test build's own request table (docs/RELIABILITY.md): only the test build's worker answers
 * it (src/testing/worker-hooks.ts, loaded by src/app/mae-worker.ts under vite's e2e mode); the
 * production worker has no handler for any of these and no untyped channel to reach one.
 * - `fault`: make the worker fail the way real browsers do: "crash" throws an uncaught error (the
 *   client restarts the worker and re-runs pending work); "gpu-device-lost" destroys onnxruntime's
 *   WebGPU device (a real device loss: runs move to WASM);
 * - `adapterFaults`: the next loads see no WebGPU ("no-webgpu"), or a requestAdapter() that throws
 *   ("adapter-error") or returns null ("adapter-null");
 * - `runRaw`: the graphs on a given tensor with explicit ids (the PyTorch reference vectors).
 */
import type { MaeClient } from '../worker/mae-client.ts';
import type { Call, Wire } from '../worker/wire.ts';

export type FaultKind = 'crash' | 'gpu-device-lost';
/** claims-shader-f16: the page's adapter probe is told the adapter has shader-f16 (onnxruntime is not): an fp16 session that fails. */
export type AdapterFault = 'no-webgpu' | 'adapter-error' | 'adapter-null' | 'claims-shader-f16';
export const ADAPTER_FAULTS: readonly AdapterFault[] = ['no-webgpu', 'adapter-error', 'adapter-null', 'claims-shader-f16'];

export type TestProtocol = {
  adapterFaults: Call<{ type: 'adapterFaults'; id: number; faults: AdapterFault[] }, { faults: AdapterFault[] }>;
  fault: Call<{ type: 'fault'; id: number; kind: FaultKind }, { kind: FaultKind; detail: string }>;
  runRaw: Call<
    { type: 'runRaw'; id: number; imageChw: Float32Array; idsKeep: Int32Array; idsRestore: Int32Array },
    { pred: Float32Array; encoderMs: number; decoderMs: number }
  >;
};

/**
 * A client's wire, seen with the test table: the same worker, which in the test build answers
 * both tables (the cast is this: the page cannot know which build's worker it talks to, the build
 * mode can; in a production build nothing imports this module).
 */
export function testWire(client: MaeClient): Wire<TestProtocol, unknown> {
  return client.wire as unknown as Wire<TestProtocol, unknown>;
}

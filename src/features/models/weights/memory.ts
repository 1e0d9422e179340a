/**
 * Will an imported model fit before anything heavy is loaded? onnxruntime holds each weight about
 * twice: the initializer read from the file and the GEMM kernels' packed copy. Measured with
 * npm run bench:weights and onnxruntime-web's WASM backend in Node (2026-11-29): resident memory
 * after loading ViT-B/16 (448 MB of weights) 1.25 GB, ViT-L/16 (1.32 GB) 2.9 GB, so about
 * 2.1 × the weights + 0.2 GB. WASM addresses at most 4 GB, which rules out ViT-H (2.63 GB of
 * weights, about 5.7 GB); WebGPU keeps the weights in GPU memory instead.
 */
import { formatBytes } from '../../../mae/format-bytes.ts';

export type ExecutionTarget = 'wasm' | 'webgpu' | 'native';

/** onnxruntime-web's WASM heap limit (wasm32 with memory64 off). */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;
const HELD_PER_WEIGHT_BYTE = 2.1;
const RUNTIME_OVERHEAD = 0.2e9;

/** Bytes onnxruntime needs for a model of `params` parameters (held as float32: half-precision files are widened). */
export function estimatedRuntimeBytes(params: number): number {
  return Math.round(params * 4 * HELD_PER_WEIGHT_BYTE + RUNTIME_OVERHEAD);
}

/**
 * A sentence saying why the model cannot be loaded on `target`, and what would work; null when it
 * should fit. `deviceMemory` is what the page knows of the machine's memory in bytes
 * (navigator.deviceMemory × 1 GiB, or a GPU adapter's maxBufferSize), when it knows.
 */
export function memoryProblem(label: string, params: number, target: ExecutionTarget, deviceMemory?: number): string | null {
  const need = estimatedRuntimeBytes(params);
  if (target === 'wasm' && need > WASM_MEMORY_LIMIT) {
    return (
      `${label} needs about ${formatBytes(need)} of memory to run, more than the 4 GB the browser's WASM engine can address, ` +
      'so it cannot run without a GPU here. It would run with WebGPU (a browser with a GPU), or with the command line (npm run cli -- --weights …); ViT-B and ViT-L run on WASM.'
    );
  }
  if (deviceMemory !== undefined && need > deviceMemory) {
    return `${label} needs about ${formatBytes(need)} of memory to run, but this device reports ${formatBytes(deviceMemory)}: choose a smaller model (ViT-B needs about ${formatBytes(estimatedRuntimeBytes(112e6))}).`;
  }
  return null;
}

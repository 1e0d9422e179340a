/**
 * Will an imported model fit before anything heavy is loaded? onnxruntime holds each weight about
 * twice: the initializer read from the file and the kernels' packed (or, for MatMul graphs, folded
 * transposed) copy. Resident memory of a fresh Node process after importing a random float32 MAE
 * and creating both onnxruntime-web WASM sessions (MatMul graphs, 1 thread, the file as a
 * file-backed Blob; 2026-12-06, onnxruntime-web 1.30): 6.5 M parameters (26 MB) 371-383 MB,
 * 25.2 M (101 MB) 573-592 MB, ViT-B/16 112 M (448 MB) 1327 MB; a least-squares line gives about
 * 2.2 × the weights + 0.34 GB (tests/node/weights-memory.test.ts measures the 25 M one on every
 * run). With Gemm graphs (2026-11-29, npm run bench:weights) ViT-B/16 held 1.25 GB and ViT-L/16
 * (1.32 GB of weights) 2.9 GB. WASM addresses at most 4 GB, which rules out ViT-H (2.63 GB of
 * weights, about 6.1 GB); WebGPU keeps the weights in GPU memory instead.
 */
import { formatBytes } from '../../../mae/format-bytes.ts';

export type ExecutionTarget = 'wasm' | 'webgpu' | 'native';

/** onnxruntime-web's WASM heap limit (wasm32 with memory64 off). */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;
const HELD_PER_WEIGHT_BYTE = 2.2;
const RUNTIME_OVERHEAD = 0.34e9;

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

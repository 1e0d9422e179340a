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
 * weights, about 6.1 GB) in float32; WebGPU keeps the weights in GPU memory instead.
 *
 * int8 (quantize-int8.ts, WASM only): the Linear weights, nearly all of a ViT's parameters, are
 * held as one byte each instead of four, with the same factor for onnxruntime's packed copy: ViT-L/16
 * int8 peaked at 1030 MB resident in Node (docs/BENCHMARKS.md, int8 section; the estimate gives
 * 1.07 GB), so ViT-H fits WASM's 4 GB in int8 (about 1.8 GB).
 */
import { formatBytes } from '../../../mae/format-bytes.ts';

export type ExecutionTarget = 'wasm' | 'webgpu' | 'native';

/** onnxruntime-web's WASM heap limit (wasm32 with memory64 off). */
export const WASM_MEMORY_LIMIT = 4 * 1024 ** 3;
const HELD_PER_WEIGHT_BYTE = 2.2;
const RUNTIME_OVERHEAD = 0.34e9;

/** How the weights are held: float32 (exact), or int8 Linear weights (fast, WASM). */
export type Precision = 'fp32' | 'int8';
/** What the person asked for on the model card; 'auto' = int8 on WASM above INT8_DEFAULT_PARAMS. */
export type PrecisionRequest = Precision | 'auto';
/** Models above this many parameters run int8 on WASM unless the person asks for exact (issue 23). */
export const INT8_DEFAULT_PARAMS = 50e6;

/** Bytes onnxruntime needs for a model of `params` parameters (float32: half-precision files are widened). */
export function estimatedRuntimeBytes(params: number, precision: Precision = 'fp32'): number {
  return Math.round(params * (precision === 'int8' ? 1 : 4) * HELD_PER_WEIGHT_BYTE + RUNTIME_OVERHEAD);
}

/**
 * The precision a model runs in: int8 only on WASM (onnxruntime-web's int8 kernels are WASM's; the
 * GPU runs float); there, what the person asked for, and by default int8 above 50 M parameters
 * (below, the bundled twins' 1.3-2x is not worth a second copy and 0.2% of MSE).
 */
export function choosePrecision(asked: PrecisionRequest, target: ExecutionTarget, params: number): { precision: Precision; reason: string } {
  if (target !== 'wasm') return { precision: 'fp32', reason: 'exact (fp32): int8 runs on WASM only' };
  if (asked === 'fp32') {
    const need = estimatedRuntimeBytes(params, 'fp32');
    // a kept choice of exact must not lock out a model that only fits in int8 (ViT-H): say why
    if (need > WASM_MEMORY_LIMIT && estimatedRuntimeBytes(params, 'int8') <= WASM_MEMORY_LIMIT) {
      return { precision: 'int8', reason: `fast (int8): exact (fp32) needs about ${formatBytes(need)}, more than the 4 GB WASM can address` };
    }
    return { precision: 'fp32', reason: 'exact (fp32), as chosen' };
  }
  if (asked === 'int8') return { precision: 'int8', reason: 'fast (int8), as chosen' };
  return params > INT8_DEFAULT_PARAMS
    ? { precision: 'int8', reason: 'fast (int8): the default on WASM above 50 M parameters' }
    : { precision: 'fp32', reason: 'exact (fp32): the default for models up to 50 M parameters' };
}

/**
 * A sentence saying why the model cannot be loaded on `target`, and what would work; null when it
 * should fit. `deviceMemory` is what the page knows of the machine's memory in bytes
 * (navigator.deviceMemory × 1 GiB, or a GPU adapter's maxBufferSize), when it knows.
 */
export function memoryProblem(label: string, params: number, target: ExecutionTarget, deviceMemory?: number, precision: Precision = 'fp32'): string | null {
  const need = estimatedRuntimeBytes(params, precision);
  if (target === 'wasm' && need > WASM_MEMORY_LIMIT) {
    const int8Fits = precision === 'fp32' && estimatedRuntimeBytes(params, 'int8') <= WASM_MEMORY_LIMIT;
    return int8Fits
      ? `${label} needs about ${formatBytes(need)} of memory to run exact (fp32), more than the 4 GB the browser's WASM engine can address. ` +
          `Choose "fast (int8)" on its model card (about ${formatBytes(estimatedRuntimeBytes(params, 'int8'))}), or use WebGPU (a browser with a GPU).`
      : `${label} needs about ${formatBytes(need)} of memory to run${precision === 'int8' ? ' even in int8' : ''}, more than the 4 GB the browser's WASM engine can address, ` +
          'so it cannot run without a GPU here. It would run with WebGPU (a browser with a GPU), or with the command line (npm run cli -- --weights …); ViT-B and ViT-L run on WASM.';
  }
  if (deviceMemory !== undefined && need > deviceMemory) {
    return `${label} needs about ${formatBytes(need)} of memory to run, but this device reports ${formatBytes(deviceMemory)}: choose a smaller model (ViT-B needs about ${formatBytes(estimatedRuntimeBytes(112e6))}).`;
  }
  return null;
}

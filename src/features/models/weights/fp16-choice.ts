/**
 * fp16 or fp32 on WebGPU (issue 23, item 2): imported weights run as fp16 graphs (fp16-graph.ts:
 * float16 weights and arithmetic, LayerNorm in float32) where the WebGPU adapter has the
 * `shader-f16` feature, and as the exact fp32 graphs where it has not. WGSL's f16 type exists only
 * with that feature; without it onnxruntime's WebGPU kernels have no float16 code and a float16
 * graph cannot run there. SwiftShader (the software adapter headless Chromium falls back to) has
 * none. Pure (no DOM): the worker probes the adapter and the model card shows the reason.
 *
 * WASM has its own choice (exact fp32 / fast int8, memory.ts choosePrecision): onnxruntime's CPU
 * kernels have almost no float16 code (they cast to float32 around the rest), so fp16 is for GPUs only.
 */

/** WebGPU's name for the feature that allows f16 in shaders. */
export const SHADER_F16 = 'shader-f16';

/** The part of a GPUAdapter (or GPUDevice) this reads: its feature set. */
export interface FeaturesLike {
  features?: { has(name: string): boolean };
}

/** Whether the adapter offers shader-f16 (false for no adapter, or an adapter without a feature set). */
export function hasShaderF16(adapter: FeaturesLike | null | undefined): boolean {
  try {
    return adapter?.features?.has(SHADER_F16) === true;
  } catch {
    return false; // a feature set that throws: treat as absent, fp32 runs everywhere
  }
}

export type GpuPrecision = 'fp16' | 'fp32';

export interface GpuPrecisionChoice {
  precision: GpuPrecision;
  /** one sentence for the model card: what runs, and why */
  reason: string;
}

/**
 * The precision of an imported model on WebGPU.
 * @param asked the model card's choice: 'fp32' (exact) is kept; anything else lets the adapter decide
 * @param shaderF16 hasShaderF16(adapter)
 * @param adapterName the adapter as the page names it (provider.ts describeAdapter)
 */
export function chooseGpuPrecision(asked: string, shaderF16: boolean, adapterName: string): GpuPrecisionChoice {
  if (asked === 'fp32') return { precision: 'fp32', reason: 'exact (fp32) on WebGPU, as chosen' };
  if (!shaderF16) {
    return {
      precision: 'fp32',
      reason: `exact (fp32) on WebGPU: this adapter (${adapterName}) has no ${SHADER_F16}, so fp16 cannot run on it`,
    };
  }
  return {
    precision: 'fp16',
    reason: `fp16 on WebGPU: this adapter (${adapterName}) has ${SHADER_F16}; half the weights' memory, LayerNorm kept in fp32`,
  };
}

/** After an fp16 session failed on WebGPU: the exact graphs on the same adapter, and why. */
export function fp16FailedChoice(why: string): GpuPrecisionChoice {
  return { precision: 'fp32', reason: `exact (fp32) on WebGPU: the fp16 session failed (${why})` };
}

/** After WebGPU failed altogether (the load moved to WASM): the exact graphs there, and why. */
export function webGpuFailedChoice(): GpuPrecisionChoice {
  return { precision: 'fp32', reason: 'exact (fp32) on WASM: WebGPU failed (the runtime says why)' };
}

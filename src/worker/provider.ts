/**
 * Execution-provider choice in one place: the WebGPU adapter probe, and the choice itself, kept
 * pure so it can be reasoned about (and tested) without a GPU. The GPU-loss fallback after the
 * choice is WorkerRuntime.withGpuFallback (runtime.ts).
 */
import { errorText } from '../mae/error-text.ts';
import type { Provider, ProviderRequest } from './messages.ts';

// ---- minimal WebGPU typings (TypeScript's lib has none; @webgpu/types is not a dependency) ----
export interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
export interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  /** GPUSupportedFeatures: e.g. 'shader-f16', which fp16 graphs need (features/models/weights/fp16-choice.ts) */
  features?: { has(name: string): boolean };
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

export interface AdapterProbe {
  adapter: GpuAdapterLike | null;
  summary: AdapterSummary | null;
  /** why there is no adapter ('' when there is one) */
  why: string;
}

/** The browser's WebGPU entry point (navigator.gpu), or undefined without WebGPU. */
export function browserGpu(): GpuLike | undefined {
  return (navigator as unknown as { gpu?: GpuLike }).gpu;
}

/** Asks `gpu` for a high-performance adapter and sums it up; never throws. */
export async function probeAdapter(gpu: GpuLike | undefined): Promise<AdapterProbe> {
  if (!gpu) return { adapter: null, summary: null, why: 'this browser has no navigator.gpu' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return { adapter: null, summary: null, why: 'requestAdapter() returned no adapter' };
    const info = adapter.info ?? {};
    const summary: AdapterSummary = {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
      isFallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      shaderF16: adapterHas(adapter, 'shader-f16'),
    };
    return { adapter, summary, why: '' };
  } catch (e) {
    return { adapter: null, summary: null, why: `requestAdapter() failed: ${errorText(e)}` };
  }
}

/** Whether the adapter offers a WebGPU feature (false without a feature set, or if reading it throws). */
export function adapterHas(adapter: GpuAdapterLike, feature: string): boolean {
  try {
    return adapter.features?.has(feature) === true;
  } catch {
    return false;
  }
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** adapter.info.isFallbackAdapter (or the older adapter.isFallbackAdapter). */
  isFallback: boolean;
  /** whether the adapter has 'shader-f16' (fp16 graphs of imported weights); absent: not probed */
  shaderF16?: boolean;
}

export interface ProviderChoice {
  provider: Provider;
  reason: string;
}

/** A software adapter (SwiftShader, or anything flagged as fallback) is not a GPU. */
export function isSoftwareAdapter(a: AdapterSummary): boolean {
  if (a.isFallback) return true;
  const text = `${a.vendor} ${a.architecture} ${a.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/.test(text);
}

export function describeAdapter(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.description].filter((s) => s.length > 0);
  const name = parts.length > 0 ? parts.join(' / ') : 'unknown adapter';
  return isSoftwareAdapter(a) ? `${name} (software)` : name;
}

function softwareName(a: AdapterSummary): string {
  const text = `${a.vendor} ${a.architecture} ${a.description}`.toLowerCase();
  if (text.includes('swiftshader')) return 'SwiftShader';
  if (text.includes('llvmpipe')) return 'llvmpipe';
  return 'a fallback adapter';
}

/**
 * @param requested what the setting / URL flag asks for
 * @param adapter the probed WebGPU adapter, or null when there is none
 * @param unavailableWhy why there is no adapter (no navigator.gpu, requestAdapter returned null, threw)
 */
export function chooseProvider(
  requested: ProviderRequest,
  adapter: AdapterSummary | null,
  unavailableWhy = 'no WebGPU adapter',
): ProviderChoice {
  if (requested === 'wasm') return { provider: 'wasm', reason: 'WASM forced by setting (?ep=wasm)' };
  if (adapter === null) {
    return requested === 'webgpu'
      ? { provider: 'wasm', reason: `WebGPU was forced but is unavailable (${unavailableWhy}): using WASM` }
      : { provider: 'wasm', reason: `WebGPU unavailable (${unavailableWhy}): using WASM` };
  }
  if (requested === 'webgpu') {
    return {
      provider: 'webgpu',
      reason: isSoftwareAdapter(adapter)
        ? `WebGPU forced (?ep=webgpu) on a software adapter (${softwareName(adapter)}): expect it to be slow`
        : `WebGPU forced on ${describeAdapter(adapter)}`,
    };
  }
  if (isSoftwareAdapter(adapter)) {
    return {
      provider: 'wasm',
      reason: `WebGPU adapter is software (${softwareName(adapter)}): using WASM, which is faster here`,
    };
  }
  return { provider: 'webgpu', reason: `GPU found: ${describeAdapter(adapter)}` };
}

/** Reads ?ep=webgpu|wasm|auto from a URL search string. */
export function providerFromSearch(search: string): ProviderRequest | null {
  const ep = new URLSearchParams(search).get('ep');
  return ep === 'webgpu' || ep === 'wasm' || ep === 'auto' ? ep : null;
}

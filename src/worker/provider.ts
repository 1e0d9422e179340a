/** Execution-provider choice, kept pure so it can be reasoned about (and tested) without a GPU. */
import type { Provider, ProviderRequest } from './messages.ts';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** adapter.info.isFallbackAdapter (or the older adapter.isFallbackAdapter). */
  isFallback: boolean;
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

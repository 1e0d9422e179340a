/**
 * The model card's "exact (fp32)" / "fast (int8)" choice for imported weights on WASM, kept in this
 * browser's localStorage so it holds for the next model and the next visit. No stored choice: auto
 * (int8 above 50 M parameters, weights/memory.ts choosePrecision).
 */
import type { PrecisionRequest } from './weights/memory.ts';

export const PRECISION_STORAGE_KEY = 'mae-playground-precision';

export function parsePrecision(value: string | null): PrecisionRequest {
  return value === 'fp32' || value === 'int8' ? value : 'auto';
}

export function storedPrecision(): PrecisionRequest {
  try {
    return parsePrecision(globalThis.localStorage?.getItem(PRECISION_STORAGE_KEY) ?? null);
  } catch {
    return 'auto'; // storage disabled: the default applies
  }
}

export function storePrecision(choice: PrecisionRequest): void {
  try {
    if (choice === 'auto') globalThis.localStorage?.removeItem(PRECISION_STORAGE_KEY);
    else globalThis.localStorage?.setItem(PRECISION_STORAGE_KEY, choice);
  } catch {
    // not stored: the choice lasts for this page only
  }
}

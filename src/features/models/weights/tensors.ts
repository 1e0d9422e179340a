/**
 * What the readers (PyTorch zip, safetensors) hand on: every tensor of the file as a byte range of
 * the file itself, row-major and little-endian, never its values.
 */
import { DTYPE_BYTES, type TensorDtype } from './pickle.ts';

export type { TensorDtype } from './pickle.ts';

export interface TensorEntry {
  name: string;
  dtype: TensorDtype;
  shape: number[];
  /** absolute offset of the first byte in the file */
  byteOffset: number;
  byteLength: number;
}

export interface TensorTable {
  /** 'pytorch-zip' (`.pth`, `pytorch_model.bin`) or 'safetensors' */
  container: 'pytorch-zip' | 'safetensors';
  tensors: Map<string, TensorEntry>;
  /** top-level keys of a PyTorch checkpoint (e.g. model, optimizer, epoch), for messages */
  topLevelKeys?: string[];
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function expectedBytes(dtype: TensorDtype, shape: readonly number[]): number {
  return numel(shape) * DTYPE_BYTES[dtype];
}

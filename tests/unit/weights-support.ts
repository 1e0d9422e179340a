// Shared by the weights tests (not a test file itself): the fixtures written by
// python/mae_fixtures/weight_fixtures.py and their PyTorch references.
import { openAsBlob, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { importWeights, WeightsError, type ImportOptions } from '../../src/features/models/weights/index.ts';
import { ROOT } from './support.ts';

export const WEIGHTS = `${ROOT}tests/fixtures/weights/`;

/** The fixtures' model has widths no official MAE has: its head counts are given, as a person would. */
export const FIXTURE_HEADS: ImportOptions = { numHeads: 3, decoderNumHeads: 2 };

/** The four layouts of one random model and where their references are. */
export const LAYOUTS = [
  'mae_visualize_vit_tiny.pth',
  'mae_pretrain_vit_tiny_full.pth',
  'hf/model.safetensors',
  'hf/pytorch_model.bin',
] as const;

export interface ReferenceCase {
  maskRatio: number;
  seeds: number[];
  idsKeep: number[][];
  idsRestore: number[][];
  latentShape: number[];
  latent: string;
  predShape: number[];
  pred: string;
}

export interface WeightReferences {
  config: Record<string, number>;
  models: Record<string, { imageShape: number[]; image: string; cases: ReferenceCase[] }>;
  params: { encoder: number; decoder: number };
  /** per file: each tensor's dtype, shape, first values and byte range [begin, end) in the file */
  tensors: Record<string, Record<string, { dtype: string; shape: number[]; head: number[]; bytes: [number, number] }>>;
  cli: { image: string; maskRatio: number; seed: number; maskedMse: number };
}

export const references = JSON.parse(readFileSync(`${WEIGHTS}references.json`, 'utf8')) as WeightReferences;

/** base64 of little-endian float32 bytes (as the fixture script writes them) */
export function f32(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function fixture(name: string): Promise<Blob> {
  return openAsBlob(`${WEIGHTS}${name}`);
}

/** The WeightsError message importing `blob` gives (fails the test if it imports or throws anything else). */
export async function importError(blob: Blob, name: string, options: ImportOptions = FIXTURE_HEADS): Promise<string> {
  try {
    await importWeights(blob, name, options);
  } catch (e) {
    expect(e).toBeInstanceOf(WeightsError);
    return (e as Error).message;
  }
  throw new Error(`expected importing ${name} to fail`);
}

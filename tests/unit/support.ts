// Shared by the unit and Node tests (not a test file itself).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/cli/image-io.ts';
import type { RgbaImage } from '../../src/mae/index.ts';
import { parseReference, type ReferenceSet } from '../../src/testing/reference.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REFERENCE_DIR = `${ROOT}tests/reference/default/`;
export const MODEL_DIR = `${ROOT}models/default/`;
export const FIXTURES = `${ROOT}tests/unit/fixtures/`;

let cached: ReferenceSet | undefined;

/** The reference vectors of the default model, read once per test file. */
export function loadReference(): ReferenceSet {
  if (!cached) {
    const json: unknown = JSON.parse(readFileSync(`${REFERENCE_DIR}reference.json`, 'utf8'));
    const bin = readFileSync(`${REFERENCE_DIR}reference.bin`);
    cached = parseReference(json, bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  }
  return cached;
}

export function readImage(pathFromRoot: string): RgbaImage {
  return decodeImage(readFileSync(`${ROOT}${pathFromRoot}`), pathFromRoot);
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a-b|, and ||a-b|| / ||b|| */
export function compare(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbsDiff: number; relL2: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    m = Math.max(m, Math.abs(d));
    num += d * d;
    den += b[i] * b[i];
  }
  return { maxAbsDiff: m, relL2: Math.sqrt(num / Math.max(den, 1e-30)) };
}

/** Number of positions where a and b differ (expect(...).toEqual is slow on 100k+ element arrays). */
export function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/**
 * Reader for the reference vectors written by python/mae_playground/export_onnx.py --reference
 * (tests/reference/<model>/reference.json + reference.bin). Pure: the caller reads the files
 * (fs in Node, fetch in a browser) and passes the parsed JSON and the bytes.
 */

export interface ReferenceImage {
  name: string;
  file: string;
  tensor: string;
}

export interface ReferenceCase {
  image: string;
  maskRatio: number;
  seed: number;
  key: string;
}

export interface ReferenceMaskCase {
  seed: number;
  imageIndex: number;
  sameMaskForAll: boolean;
  numPatches: number;
  maskRatio: number;
  idsKeep: number[];
  idsRestore: number[];
}

export interface ReferenceArrayInfo {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
  offset: number;
  bytes: number;
}

export interface ReferenceJson {
  imgSize: number;
  numPatches: number;
  images: ReferenceImage[];
  cases: ReferenceCase[];
  maskCases: ReferenceMaskCase[];
  arrays: ReferenceArrayInfo[];
}

export interface ReferenceSet {
  meta: ReferenceJson;
  has(name: string): boolean;
  shape(name: string): number[];
  float32(name: string): Float32Array;
  /** int64 arrays as numbers (ids are small); throws if a value is not a safe integer */
  int64(name: string): number[];
}

const DTYPE_SIZE = { float32: 4, int64: 8 } as const;

function req(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new Error(`reference.json: ${msg}`);
}

/**
 * Checks the index against the byte buffer and returns accessors. The arrays are stored
 * little-endian (numpy's native order on every machine we run on) and read with DataView, so
 * offsets need no alignment and a big-endian host would still read them right.
 */
export function parseReference(json: unknown, bin: ArrayBuffer): ReferenceSet {
  req(typeof json === 'object' && json !== null, 'must be an object');
  const meta = json as ReferenceJson;
  req(Array.isArray(meta.arrays) && Array.isArray(meta.cases) && Array.isArray(meta.images), 'needs arrays, cases and images');
  req(Array.isArray(meta.maskCases), 'needs maskCases');
  const index = new Map<string, ReferenceArrayInfo>();
  for (const a of meta.arrays) {
    req(a.dtype === 'float32' || a.dtype === 'int64', `${a.name}: unknown dtype ${a.dtype}`);
    const count = a.shape.reduce((x, y) => x * y, 1);
    req(a.bytes === count * DTYPE_SIZE[a.dtype], `${a.name}: ${a.bytes} bytes do not match shape [${a.shape.join(',')}] of ${a.dtype}`);
    req(
      a.offset >= 0 && a.offset + a.bytes <= bin.byteLength,
      `${a.name}: bytes ${a.offset}..${a.offset + a.bytes} beyond reference.bin (${bin.byteLength})`,
    );
    index.set(a.name, a);
  }
  const view = new DataView(bin);
  const get = (name: string, dtype: 'float32' | 'int64'): ReferenceArrayInfo => {
    const a = index.get(name);
    if (!a) throw new Error(`reference.bin has no array "${name}"`);
    if (a.dtype !== dtype) throw new Error(`reference array "${name}" is ${a.dtype}, not ${dtype}`);
    return a;
  };
  return {
    meta,
    has: (name) => index.has(name),
    shape: (name) => {
      const a = index.get(name);
      if (!a) throw new Error(`reference.bin has no array "${name}"`);
      return a.shape.slice();
    },
    float32: (name) => {
      const a = get(name, 'float32');
      const out = new Float32Array(a.bytes / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(a.offset + i * 4, true);
      return out;
    },
    int64: (name) => {
      const a = get(name, 'int64');
      const out: number[] = new Array<number>(a.bytes / 8);
      for (let i = 0; i < out.length; i++) {
        const v = view.getBigInt64(a.offset + i * 8, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          throw new Error(`${name}[${i}] = ${v} is not a safe integer`);
        out[i] = Number(v);
      }
      return out;
    },
  };
}

/**
 * IEEE 754 half precision (binary16) to and from float32, for the fp16 graphs of imported weights
 * (fp16-graph.ts). Node 20 and older browsers have neither Float16Array nor Math.f16round, so the
 * conversions are written out: float32 -> float16 rounds to nearest, ties to even (what numpy's and
 * PyTorch's `.half()` do), with overflow to infinity and gradual underflow to subnormals.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `value` (ties to even). */
export function float16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf, NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // too large: infinity
  if (e <= 0) {
    // subnormal half (or zero): the implicit leading 1 joins the mantissa, shifted right
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the mantissa moves into the exponent, and from the largest finite to infinity, as it should
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

let table: Float32Array | undefined;

/** float16 bit patterns -> float32 values (64K entries, 256 KB: built once, on first use). */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    table[h] = sign * (exp === 0 ? frac * 2 ** -24 : exp === 31 ? (frac ? Number.NaN : Number.POSITIVE_INFINITY) : (1 + frac / 1024) * 2 ** (exp - 15));
  }
  return table;
}

/** The value of a float16 bit pattern. */
export function float16Value(bits: number): number {
  return halfTable()[bits & 0xffff];
}

/** Little-endian float32 / float16 / bfloat16 bytes as float16 bit patterns into `out` (float16 bytes are copied). */
export function toFloat16Into(bytes: Uint8Array, dtype: 'float32' | 'float16' | 'bfloat16', out: Uint16Array): void {
  // typed-array views need aligned offsets: copy a misaligned read first
  const src = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  if (dtype === 'float16') {
    out.set(new Uint16Array(src.buffer, src.byteOffset, src.byteLength / 2));
  } else if (dtype === 'float32') {
    const values = new Float32Array(src.buffer, src.byteOffset, src.byteLength / 4);
    for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]);
  } else {
    // bfloat16 is the top half of a float32
    const halves = new Uint16Array(src.buffer, src.byteOffset, src.byteLength / 2);
    const one = new Uint32Array(1);
    const asFloat = new Float32Array(one.buffer);
    for (let i = 0; i < halves.length; i++) {
      one[0] = halves[i] << 16;
      out[i] = float16Bits(asFloat[0]);
    }
  }
}

/** Little-endian float32 / float16 / bfloat16 bytes as float32 values into `out`. */
export function toFloat32Into(bytes: Uint8Array, dtype: 'float32' | 'float16' | 'bfloat16', out: Float32Array): void {
  const src = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  if (dtype === 'float32') {
    out.set(new Float32Array(src.buffer, src.byteOffset, src.byteLength / 4));
    return;
  }
  const halves = new Uint16Array(src.buffer, src.byteOffset, src.byteLength / 2);
  if (dtype === 'float16') {
    const t = halfTable();
    for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]];
  } else {
    const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i] << 16;
  }
}

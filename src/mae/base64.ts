/**
 * Base64 (RFC 4648) by hand, so the pure core runs the same in Node and in browsers without
 * btoa/atob (which work on "binary strings") or Buffer. The URL-safe variant uses - and _ and
 * drops the padding, for text in an address.
 */

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function lookup(alphabet: string): Int16Array {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}
const STANDARD_VALUES = lookup(STANDARD);
const URL_SAFE_VALUES = lookup(URL_SAFE);

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  const parts: string[] = [];
  let chunk = '';
  const n = bytes.length;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    chunk += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
    // string building in pieces keeps long inputs (megabytes of floats) from one huge concatenation
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  const rest = n - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    chunk += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + (pad ? '==' : '');
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    chunk += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + (pad ? '=' : '');
  }
  parts.push(chunk);
  return parts.join('');
}

function decode(text: string, values: Int16Array, padded: boolean): Uint8Array<ArrayBuffer> | null {
  let body = text;
  if (padded) {
    if (text.length % 4 !== 0) return null;
    body = text.replace(/={1,2}$/, '');
  }
  if (body.length % 4 === 1) return null; // 6 bits cannot end a byte
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const v = c < 128 ? values[c] : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // the leftover bits of the last character must be zero (canonical text only)
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

/** Standard base64 with padding. */
export function bytesToBase64(bytes: Uint8Array): string {
  return encode(bytes, STANDARD, true);
}

/** Standard padded base64 → bytes; throws on text that is not. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const out = decode(text, STANDARD_VALUES, true);
  if (!out) throw new RangeError('not base64 text');
  return out;
}

/** URL-safe base64 (- and _, no padding). */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/** URL-safe unpadded base64 → bytes, or null for text that is not. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  return decode(text, URL_SAFE_VALUES, false);
}

import { describe, expect, it } from 'vitest';
import { base64ToBytes, base64UrlToBytes, bytesToBase64, bytesToBase64Url } from '../../src/mae/base64.ts';

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('base64 (hand-written, no btoa/atob)', () => {
  it('matches RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, b64] of vectors) {
      const bytes = new TextEncoder().encode(plain);
      expect(bytesToBase64(bytes)).toBe(b64);
      expect(new TextDecoder().decode(base64ToBytes(b64))).toBe(plain);
    }
  });

  it('agrees with Node’s Buffer on every length and byte value, both alphabets', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = randomBytes(n, n + 1);
      const b64 = Buffer.from(bytes).toString('base64');
      const url = Buffer.from(bytes).toString('base64url');
      expect(bytesToBase64(bytes)).toBe(b64);
      expect(bytesToBase64Url(bytes)).toBe(url);
      expect(Array.from(base64ToBytes(b64))).toEqual(Array.from(bytes));
      expect(Array.from(base64UrlToBytes(url) ?? [])).toEqual(Array.from(bytes));
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToBase64(all)).toBe(Buffer.from(all).toString('base64'));
    const big = randomBytes(200_000, 7); // a float panel's worth, past the encoder's chunking
    expect(bytesToBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });

  it('refuses text that is not base64 of that alphabet', () => {
    expect(base64UrlToBytes('not base64!')).toBeNull();
    expect(base64UrlToBytes('ab+/')).toBeNull(); // standard alphabet
    expect(base64UrlToBytes('Zg==')).toBeNull(); // padding
    expect(base64UrlToBytes('Z')).toBeNull(); // 6 bits make no byte
    expect(base64UrlToBytes('Zh')).toBeNull(); // non-zero leftover bits
    expect(Array.from(base64UrlToBytes('Zg') ?? [])).toEqual([0x66]);
    expect(() => base64ToBytes('Zg=')).toThrow(/base64/);
    expect(() => base64ToBytes('Z-8=')).toThrow(/base64/);
  });
});

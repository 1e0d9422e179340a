/** CRC-32 (IEEE 802.3, the polynomial zip and PNG use), for a zip entry and a PNG chunk alike. */

let table: Uint32Array | null = null;

/** CRC-32 of bytes [from, to) of `b`. */
export function crc32(b: Uint8Array, from = 0, to = b.length): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = from; i < to; i++) crc = table[(crc ^ b[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

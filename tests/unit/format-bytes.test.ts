// The one byte formatter (src/mae/format-bytes.ts) on hand-picked sizes: the units and digits a
// person reads in every message and label.
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/mae/index.ts';

describe('formatBytes', () => {
  it('decimal units, one decimal under 100, none from 100, up to two in GB, no trailing zeros', () => {
    const cases: [number, string][] = [
      [0, '0 bytes'],
      [999, '999 bytes'],
      [1000, '1 KB'],
      [2400, '2.4 KB'], // e2e/fixtures/images/truncated.jpg
      [12_345, '12.3 KB'],
      [999_949, '1 MB'], // 999.949 KB rounds to 1000 KB: shown as 1 MB
      [11_100_000, '11.1 MB'],
      [22_200_000, '22.2 MB'],
      [100e6, '100 MB'],
      [447_719_493, '448 MB'], // facebook/vit-mae-base's pytorch_model.bin
      [1_318_000_000, '1.32 GB'],
      [2 * 1024 ** 3, '2.15 GB'],
      [1.3e9, '1.3 GB'],
      [4e9, '4 GB'],
    ];
    for (const [bytes, text] of cases) expect(formatBytes(bytes), String(bytes)).toBe(text);
  });
});

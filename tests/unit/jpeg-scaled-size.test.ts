// The size a large JPEG is decoded at: one libjpeg produces (scale k/8, sides rounded up), the
// smallest whose shorter side reaches the prescale size (896). Values counted by hand.
import { describe, expect, it } from 'vitest';
import { jpegScaledSize, PRESCALE_TO } from '../../src/features/grid/decode-image.ts';

describe('jpegScaledSize', () => {
  it('takes the smallest k/8 scale whose shorter side is at least the prescale size', () => {
    expect(PRESCALE_TO).toBe(896);
    expect(jpegScaledSize(12000, 9000)).toEqual({ width: 1500, height: 1125 }); // 1/8
    expect(jpegScaledSize(4000, 3000)).toEqual({ width: 1500, height: 1125 }); // 3/8: 2/8 gives 750
    expect(jpegScaledSize(3000, 2001)).toEqual({ width: 1500, height: 1001 }); // 4/8, 1000.5 rounded up
    expect(jpegScaledSize(9000, 12000)).toEqual({ width: 1125, height: 1500 });
  });

  it('keeps the full size when no smaller scale reaches it', () => {
    expect(jpegScaledSize(2100, 1000)).toEqual({ width: 2100, height: 1000 }); // 7/8 gives 875
  });
});

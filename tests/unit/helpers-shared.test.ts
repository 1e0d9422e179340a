import { describe, expect, it } from 'vitest';
import { errorText } from '../../src/mae/error-text.ts';
import { gridSide } from '../../src/mae/grid.ts';
import { gridSide as gridSideFromIndex } from '../../src/mae/index.ts';
import { maskSettingsChanged, type MaskSettings } from '../../src/features/mask/mask-mode.ts';

describe('gridSide', () => {
  it('is the one helper (the index re-exports it) and refuses what is not a square grid', () => {
    expect(gridSideFromIndex).toBe(gridSide);
    expect(gridSide(196)).toBe(14);
    expect(gridSide(1)).toBe(1);
    for (const bad of [0, -4, 50, 2.25, Number.NaN]) expect(() => gridSide(bad), String(bad)).toThrow(/square grid/);
  });
});

describe('errorText', () => {
  it('gives an Error’s message, else the value as text', () => {
    expect(errorText(new RangeError('too big'))).toBe('too big');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(42)).toBe('42');
  });
});

describe('maskSettingsChanged', () => {
  const base: MaskSettings = {
    maskRatio: 0.75,
    seed: 0,
    sameMaskForAll: false,
    maskStrategy: 'random',
    paintedMask: null,
    paintedGrid: null,
    wholePhotos: false,
  };
  it('is true exactly when a setting that decides the masks changes', () => {
    expect(maskSettingsChanged(base, { ...base })).toBe(false);
    expect(maskSettingsChanged({ ...base, maskRatio: 0.5 }, base)).toBe(true);
    expect(maskSettingsChanged({ ...base, seed: 1 }, base)).toBe(true);
    expect(maskSettingsChanged({ ...base, sameMaskForAll: true }, base)).toBe(true);
    expect(maskSettingsChanged({ ...base, maskStrategy: 'grid' }, base)).toBe(true);
    expect(maskSettingsChanged({ ...base, wholePhotos: true }, base)).toBe(true);
    expect(maskSettingsChanged({ ...base, paintedGrid: { gridH: 14, gridW: 20 } }, base)).toBe(true);
    const m = new Uint8Array(196);
    expect(maskSettingsChanged({ ...base, paintedMask: m }, { ...base, paintedMask: m })).toBe(false);
    expect(maskSettingsChanged({ ...base, paintedMask: m.slice() }, { ...base, paintedMask: m })).toBe(true);
  });
});

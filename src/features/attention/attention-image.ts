/**
 * The attention map as pixels: the row's image, greyed, under a colour per patch (its attention
 * weight on the colour scale 0..max of the shown row), patches that are not keys of the graph
 * (hidden patches, in the encoder) hatched, and the query patch outlined. Pure (RgbaImage in,
 * RgbaImage out): the view, its PNG export and the CLI draw the same pixels.
 */
import type { RgbaImage } from '../../mae/image.ts';

/** A perceptually ordered ramp (viridis' ends and middle stops), dark = little, yellow = most attention. */
const RAMP: readonly [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Colour of t in [0, 1] on the ramp. */
export function rampColour(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [RAMP[i], RAMP[i + 1]];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/** The largest finite value (the colour scale's top); 0 when none. */
export function scaleMax(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] > m) m = values[i];
  return m;
}

export interface HeatOptions {
  gridH: number;
  gridW: number;
  /** the patch outlined (the query), or null (cls) */
  selected: number | null;
  /** top of the colour scale (default: the largest value) */
  max?: number;
  /** how much of the colour covers the image at the top of the scale (0..1); less for less attention */
  opacity?: number;
}

/** image: the row's original panel (gridW*p x gridH*p); values: one per patch, NaN = not a key. */
export function heatImage(image: RgbaImage, values: ArrayLike<number>, o: HeatOptions): RgbaImage {
  const { width, height } = image;
  const ph = height / o.gridH;
  const pw = width / o.gridW;
  const max = o.max ?? scaleMax(values);
  const top = o.opacity ?? 0.85;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = Math.min(o.gridH - 1, Math.floor(y / ph));
    for (let x = 0; x < width; x++) {
      const col = Math.min(o.gridW - 1, Math.floor(x / pw));
      const patch = row * o.gridW + col;
      const at = (y * width + x) * 4;
      const grey = 0.299 * image.data[at] + 0.587 * image.data[at + 1] + 0.114 * image.data[at + 2];
      const v = values[patch];
      let rgb: [number, number, number];
      if (Number.isFinite(v)) {
        const t = max > 0 ? v / max : 0;
        const c = rampColour(t);
        // little attention lets the photo show through; the most covers it most
        const alpha = top * (0.35 + 0.65 * t);
        rgb = [0, 1, 2].map((k) => (1 - alpha) * grey + alpha * c[k]) as [number, number, number];
      } else {
        // not a key of this graph: dim, with diagonal hatching
        const hatch = (x + y) % 8 < 2 ? 40 : 0;
        rgb = [grey * 0.35 + hatch, grey * 0.35 + hatch, grey * 0.35 + hatch];
      }
      // the query patch: a two-pixel white-and-black outline (seen on dark and light alike)
      if (o.selected === patch) {
        const dx = Math.min(x - col * pw, (col + 1) * pw - 1 - x);
        const dy = Math.min(y - row * ph, (row + 1) * ph - 1 - y);
        const d = Math.min(dx, dy);
        if (d < 1) rgb = [0, 0, 0];
        else if (d < 3) rgb = [255, 255, 255];
      }
      out[at] = rgb[0];
      out[at + 1] = rgb[1];
      out[at + 2] = rgb[2];
      out[at + 3] = 255;
    }
  }
  return { width, height, data: out };
}

/** A patch's place in words: "patch 17 (row 3, column 4)", 1-based for people. */
export function patchName(patch: number, gridW: number): string {
  return `patch ${patch} (row ${Math.floor(patch / gridW) + 1}, column ${(patch % gridW) + 1})`;
}

/**
 * The paper-style figure (He et al. 2022, Figure 2 and 3): images as triplets (masked, reconstruction
 * + visible, original) side by side, several triplets per line. Pure maths, unit tested; PaperView
 * shows it on the page and paper-png.ts draws the same layout into one PNG.
 */
import type { Rect } from '../export/export-layout.ts';

/** The three panels of a triplet, by their key in a result's panels, in the paper's order. */
export const PAPER_PANELS = [
  { key: 'masked', label: 'masked' },
  { key: 'reconstructionWithVisible', label: 'MAE reconstruction' },
  { key: 'original', label: 'original' },
] as const;

export interface PaperLayoutOptions {
  /** images (triplets) */
  count: number;
  /** triplets per line */
  columns: number;
  /** panel side in pixels (the model's image size; panels are copied 1:1) */
  panelSize: number;
  /** outer margin */
  pad?: number;
  /** between the panels of a triplet */
  gap?: number;
  /** between triplets, across and down */
  tripletGap?: number;
  /** the band of panel names above each column of triplets */
  headerHeight?: number;
  /** the image name under each triplet */
  nameHeight?: number;
}

export const PAPER_DEFAULTS = { pad: 12, gap: 2, tripletGap: 16, headerHeight: 20, nameHeight: 16 } as const;

export interface PaperLayout {
  width: number;
  height: number;
  columns: number;
  /** one label cell per panel of each column of triplets (columns x 3) */
  headers: Rect[];
  /** per image: its three panels and its name cell */
  triplets: { panels: [Rect, Rect, Rect]; name: Rect }[];
}

export function paperLayout(opts: PaperLayoutOptions): PaperLayout {
  const pad = opts.pad ?? PAPER_DEFAULTS.pad;
  const gap = opts.gap ?? PAPER_DEFAULTS.gap;
  const tripletGap = opts.tripletGap ?? PAPER_DEFAULTS.tripletGap;
  const headerHeight = opts.headerHeight ?? PAPER_DEFAULTS.headerHeight;
  const nameHeight = opts.nameHeight ?? PAPER_DEFAULTS.nameHeight;
  const { count, panelSize } = opts;
  for (const [name, v] of Object.entries({ count, columns: opts.columns, panelSize })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer (got ${v})`);
  }
  for (const [name, v] of Object.entries({ pad, gap, tripletGap, headerHeight, nameHeight })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer (got ${v})`);
  }
  // Never more columns than images: a figure of two images is two triplets wide, not three.
  const columns = Math.min(opts.columns, count);
  const lines = Math.ceil(count / columns);
  const tripletWidth = 3 * panelSize + 2 * gap;
  const lineHeight = panelSize + nameHeight;
  const width = 2 * pad + columns * tripletWidth + (columns - 1) * tripletGap;
  const height = 2 * pad + headerHeight + lines * lineHeight + (lines - 1) * tripletGap;
  const headers: Rect[] = [];
  for (let c = 0; c < columns; c++) {
    for (let k = 0; k < 3; k++) {
      headers.push({ x: pad + c * (tripletWidth + tripletGap) + k * (panelSize + gap), y: pad, w: panelSize, h: headerHeight });
    }
  }
  const triplets = Array.from({ length: count }, (_, i) => {
    const x0 = pad + (i % columns) * (tripletWidth + tripletGap);
    const y0 = pad + headerHeight + Math.floor(i / columns) * (lineHeight + tripletGap);
    const panel = (k: number): Rect => ({ x: x0 + k * (panelSize + gap), y: y0, w: panelSize, h: panelSize });
    return {
      panels: [panel(0), panel(1), panel(2)] as [Rect, Rect, Rect],
      name: { x: x0, y: y0 + panelSize, w: tripletWidth, h: nameHeight },
    };
  });
  return { width, height, columns, headers, triplets };
}

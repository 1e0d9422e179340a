/**
 * Layout and text of the exported PNGs (one row, or the whole grid): pure maths so it is unit
 * tested; src/ui/export-png.ts draws it. Each row is a caption band (two text lines), a strip of
 * panel labels, then the panels side by side at their native size (pixels copied 1:1, so the
 * export holds exactly what the page shows).
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ExportRowLayout {
  /** the whole row, caption included */
  row: Rect;
  caption: Rect;
  /** one label cell above each panel */
  labels: Rect[];
  panels: Rect[];
}

export interface ExportLayout {
  width: number;
  height: number;
  rows: ExportRowLayout[];
}

export interface ExportLayoutOptions {
  rows: number;
  /** panel side in pixels (the model's image size) */
  panelSize: number;
  /**
   * Each row's panel size when they differ (whole photos keep their aspect ratio); absent: every
   * row's panels are panelSize square. The export is as wide as its widest row.
   */
  rowSizes?: readonly { width: number; height: number }[];
  panels?: number;
  /** outer margin */
  pad?: number;
  /** between panels, and half the space between rows */
  gap?: number;
  captionHeight?: number;
  labelHeight?: number;
}

export const EXPORT_DEFAULTS = { panels: 4, pad: 12, gap: 8, captionHeight: 40, labelHeight: 18 } as const;

export function exportLayout(opts: ExportLayoutOptions): ExportLayout {
  const { rows, panelSize } = opts;
  const panels = opts.panels ?? EXPORT_DEFAULTS.panels;
  const pad = opts.pad ?? EXPORT_DEFAULTS.pad;
  const gap = opts.gap ?? EXPORT_DEFAULTS.gap;
  const captionHeight = opts.captionHeight ?? EXPORT_DEFAULTS.captionHeight;
  const labelHeight = opts.labelHeight ?? EXPORT_DEFAULTS.labelHeight;
  for (const [name, v] of Object.entries({ rows, panelSize, panels })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer (got ${v})`);
  }
  const sizes = opts.rowSizes ?? Array.from({ length: rows }, () => ({ width: panelSize, height: panelSize }));
  if (sizes.length !== rows) throw new RangeError(`rowSizes must give ${rows} sizes (got ${sizes.length})`);
  for (const { width, height } of sizes) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`a row's panel size must be positive integers (got ${width}×${height})`);
    }
  }
  for (const [name, v] of Object.entries({ pad, gap, captionHeight, labelHeight })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer (got ${v})`);
  }
  const innerWidth = Math.max(...sizes.map((sz) => panels * sz.width + (panels - 1) * gap));
  const rowGap = 2 * gap;
  const out: ExportRowLayout[] = [];
  let y = pad;
  for (let i = 0; i < rows; i++) {
    const { width: pw, height: ph } = sizes[i];
    const rowHeight = captionHeight + labelHeight + ph;
    const panelY = y + captionHeight + labelHeight;
    const xs = Array.from({ length: panels }, (_, p) => pad + p * (pw + gap));
    out.push({
      row: { x: pad, y, w: innerWidth, h: rowHeight },
      caption: { x: pad, y, w: innerWidth, h: captionHeight },
      labels: xs.map((x) => ({ x, y: y + captionHeight, w: pw, h: labelHeight })),
      panels: xs.map((x) => ({ x, y: panelY, w: pw, h: ph })),
    });
    y += rowHeight + rowGap;
  }
  return { width: 2 * pad + innerWidth, height: y - rowGap + pad, rows: out };
}

export interface ExportCaption {
  imageName: string;
  modelName: string;
  maskRatio: number;
  visible: number;
  numPatches: number;
  /** the per-image seed the mask was drawn with */
  seed: number;
  /** the page's seed and the row's image index it was derived from (imageSeed), when known */
  pageSeed?: number;
  imageIndex?: number;
  maskStrategy: string;
  mse: number | null;
  psnr: number | null;
}

function fmt(v: number | null, digits: number, unit = ''): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : `${v.toFixed(digits)}${unit}`;
}

/**
 * "seed S", plus where it came from when it is not the page's seed itself (rows get per-image
 * seeds unless "same mask for all" is on); a painted mask has no seed.
 */
export function seedText(c: Pick<ExportCaption, 'seed' | 'pageSeed' | 'imageIndex' | 'maskStrategy'>): string | null {
  if (c.maskStrategy === 'paint') return null;
  if (c.pageSeed === undefined || c.pageSeed === c.seed) return `seed ${c.seed}`;
  return `seed ${c.seed} (page seed ${c.pageSeed}${c.imageIndex !== undefined ? `, image ${c.imageIndex}` : ''})`;
}

/** The caption band's two lines. */
export function captionLines(c: ExportCaption): [string, string] {
  const mask = c.maskStrategy === 'paint' ? 'painted mask' : `${c.maskStrategy} masking`;
  const parts = [
    `mask ratio ${c.maskRatio.toFixed(2)} (${c.visible}/${c.numPatches} visible)`,
    seedText(c),
    mask,
    `masked MSE ${fmt(c.mse, 3)}`,
    `PSNR ${fmt(c.psnr, 1, ' dB')}`,
  ];
  return [`${c.imageName} — model ${c.modelName}`, parts.filter((p): p is string => p !== null).join(' · ')];
}

/** File-name-safe stem of an image name: extension dropped, anything but [A-Za-z0-9_-] → "-". */
export function fileStem(name: string): string {
  const stem = name
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return stem || 'image';
}

/** What an export's file name says about its masks. */
export interface ExportNameMask {
  /** the results' ratio; null when the rows' ratios differ */
  maskRatio: number | null;
  /** a painted mask: "paint" instead of a seed */
  painted: boolean;
  /** the seed (a row's own, the page's for the grid); null to leave it out */
  seed: number | null;
}

/**
 * "mae-<image>-r75-s0.png" for a row, "mae-grid-<n>-r75-s0.png" for the grid (page seed);
 * "mae-<image>-paint-r63.png" for a painted mask.
 */
export function exportFileName(what: { imageName: string } | { gridRows: number }, mask: ExportNameMask): string {
  const parts = [
    mask.painted ? 'paint' : null,
    mask.maskRatio !== null ? `r${Math.round(mask.maskRatio * 100)}` : null,
    !mask.painted && mask.seed !== null ? `s${mask.seed >>> 0}` : null,
  ].filter((p): p is string => p !== null);
  const head = 'imageName' in what ? `mae-${fileStem(what.imageName)}` : `mae-grid-${what.gridRows}`;
  return `${[head, ...parts].join('-')}.png`;
}

/** The file-name facts of a grid export: the rows' common ratio, paint or the page's seed. */
export function gridNameMask(rows: readonly Pick<ExportCaption, 'maskRatio' | 'maskStrategy'>[], pageSeed: number): ExportNameMask {
  const ratios = new Set(rows.map((r) => r.maskRatio));
  const painted = rows.length > 0 && rows.every((r) => r.maskStrategy === 'paint');
  return { maskRatio: ratios.size === 1 ? rows[0].maskRatio : null, painted, seed: painted ? null : pageSeed };
}

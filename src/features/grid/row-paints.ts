/**
 * When a row's panels reach the screen, for whoever listens: the test build's page hooks keep a
 * log of it (src/testing/paint-log.ts) for the slider-to-painted timing of the e2e specs and the
 * browser benchmark. Without a listener (any other build) nothing is measured.
 */
export interface RowPaint {
  rowId: string;
  maskRatio: number;
  seed: number;
  /** performance.now() in the first animation frame after the row's canvases were drawn */
  t: number;
}

export const rowPaints: { listener: ((paint: RowPaint) => void) | null } = { listener: null };

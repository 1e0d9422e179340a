/**
 * Test build only: when each row's panels reached the screen (the grid's rowPaints listener), for
 * the slider-to-painted time of bench/browser-bench.mjs and e2e/load.spec.ts, which read it through
 * window.__maeDebug.paints(). A bounded log, so a long session costs little.
 */
import type { RowPaint } from '../features/grid/row-paints.ts';

export type PaintMark = RowPaint;

const MAX_MARKS = 2000;
const marks: PaintMark[] = [];

export function recordPaint(mark: PaintMark): void {
  marks.push(mark);
  if (marks.length > MAX_MARKS) marks.splice(0, marks.length - MAX_MARKS);
}

/** Marks at or after `since` (performance.now() time), oldest first. */
export function paintMarks(since = 0): PaintMark[] {
  return marks.filter((m) => m.t >= since);
}

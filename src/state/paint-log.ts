/**
 * When each row's panels reached the screen: for the browser benchmark's slider-to-painted time
 * (bench/browser-bench.mjs reads it through window.__maeDebug.paints()). A bounded log, so a long
 * session costs nothing.
 */
export interface PaintMark {
  rowId: string;
  maskRatio: number;
  seed: number;
  /** performance.now() in the first animation frame after the row's canvases were drawn */
  t: number;
}

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

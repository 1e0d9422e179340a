/**
 * Frames per second and milliseconds per frame of the live row, over the frames that finished in
 * the last `windowMs` (a moving window, so the numbers follow a change of model or ratio within
 * a couple of seconds and do not remember a slow start forever).
 */
export interface FpsReading {
  /** Finished frames per second: (n - 1) intervals over the time between the first and last; null below two frames. */
  fps: number | null;
  /** Mean time from a frame's capture to its result, over the window's frames; null when empty. */
  msPerFrame: number | null;
}

export class FpsMeter {
  private marks: { t: number; ms: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  /** A frame finished at time `t` (ms, one clock for all marks) after `ms` of work. */
  add(t: number, ms: number): void {
    this.marks.push({ t, ms });
    const oldest = t - this.windowMs;
    while (this.marks.length > 0 && this.marks[0].t < oldest) this.marks.shift();
  }

  reading(): FpsReading {
    const n = this.marks.length;
    if (n === 0) return { fps: null, msPerFrame: null };
    const msPerFrame = this.marks.reduce((a, m) => a + m.ms, 0) / n;
    const span = this.marks[n - 1].t - this.marks[0].t;
    return { fps: n >= 2 && span > 0 ? ((n - 1) * 1000) / span : null, msPerFrame };
  }

  reset(): void {
    this.marks = [];
  }
}

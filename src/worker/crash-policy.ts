/**
 * The crash policy every worker of the page lives under (the page's model and each compare-view
 * model): a crashed worker is restarted, until it crashed more than MAX_RESTARTS times within
 * CRASH_WINDOW_MS; then its owner stops restarting it and says so.
 */

/** Restarts of a crashed worker allowed within CRASH_WINDOW_MS before its owner gives up. */
export const MAX_RESTARTS = 3;
export const CRASH_WINDOW_MS = 60_000;

/** Crashes within the window; `givesUp` once there were more than MAX_RESTARTS of them. */
export class CrashPolicy {
  private readonly times: number[] = [];

  /** Records a crash at `now` (ms); returns how many fall within the window. */
  record(now: number): number {
    this.times.push(now);
    while (this.times.length > 0 && now - this.times[0] > CRASH_WINDOW_MS) this.times.shift();
    return this.times.length;
  }

  static givesUp(crashesInWindow: number): boolean {
    return crashesInWindow > MAX_RESTARTS;
  }
}

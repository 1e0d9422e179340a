/**
 * The live row's frame-drop policy: one frame is computed at a time, and a frame that arrives
 * while one is computing is dropped, never queued (a queue would show the past ever later on a
 * slow model). Frames that arrive while the row is paused are counted apart.
 */
export interface FrameCounts {
  /** Frames the source delivered. */
  arrived: number;
  /** Frames sent to be reconstructed. */
  started: number;
  /** Frames that arrived while one was computing (dropped). */
  dropped: number;
  /** Frames that arrived while the row was paused (not used). */
  paused: number;
  /** Started frames whose work settled (with a result or not). */
  finished: number;
}

export class FrameGate {
  private computing = false;
  private counts: FrameCounts = { arrived: 0, started: 0, dropped: 0, paused: 0, finished: 0 };

  /** A frame arrived: true when it should be computed now (the caller then calls finish()). */
  offer(paused = false): boolean {
    this.counts.arrived += 1;
    if (paused) {
      this.counts.paused += 1;
      return false;
    }
    if (this.computing) {
      this.counts.dropped += 1;
      return false;
    }
    this.computing = true;
    this.counts.started += 1;
    return true;
  }

  /** The computing frame settled: the next arrival may start. */
  finish(): void {
    if (!this.computing) return;
    this.computing = false;
    this.counts.finished += 1;
  }

  get busy(): boolean {
    return this.computing;
  }

  snapshot(): FrameCounts {
    return { ...this.counts };
  }

  /** A new source starts from zero; a frame still computing for the old one no longer counts. */
  reset(): void {
    this.computing = false;
    this.counts = { arrived: 0, started: 0, dropped: 0, paused: 0, finished: 0 };
  }
}

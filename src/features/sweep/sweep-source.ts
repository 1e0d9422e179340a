/**
 * Where a row's masking-ratio sweep runs: on the active worker (MaeClient.sweep), once that worker
 * has decoded the row. It says why a sweep cannot run, and whether waiting will help.
 */
import { useStore } from '../../state/store.ts';
import type { MaeClient } from '../../worker/mae-client.ts';
import type { SweepPoint, SweepResult } from '../../worker/messages.ts';

/** The sweep of a row cannot run, and waiting will not help (unreadable image, failed model): the message says why. */
export class SweepUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SweepUnavailableError';
  }
}

/** The worker that answers now (the model session). */
export interface ActiveWorker {
  readonly current: MaeClient | null;
}

export class SweepSource {
  constructor(private readonly session: ActiveWorker) {}

  /**
   * Why a row that is not decoded by the active worker will not be (so a sweep waiting for it
   * would wait forever): its file is unreadable, its decode failed, or the model failed. Null when
   * the row is decoded, or its decode is still to come.
   */
  blocker(rowId: string): string | null {
    const s = useStore.getState();
    const row = s.rows.find((r) => r.id === rowId);
    const client = this.session.current;
    if (client !== null && row?.decodedOn === client.workerId) return null;
    if (!row) return 'The image was removed.';
    if (s.model.phase === 'error') return `The sweep cannot run: the model failed (${s.model.error ?? 'see the message above'}).`;
    if (row.unreadable || row.status === 'error')
      return `The sweep cannot run: “${row.name}” was not processed (${row.error ?? 'unreadable'}).`;
    return null;
  }

  /**
   * Masking-ratio sweep of a row on the active worker. Rejects with an AbortError when the row is
   * not decoded by the active worker yet (its decode is coming: a model switch re-decodes it), with
   * a SweepUnavailableError when it never will be.
   */
  run(
    rowId: string,
    params: { ratios: number[]; seeds: number[]; strategy: 'random' | 'block' | 'grid'; whole?: boolean },
    onPoint: (point: SweepPoint, done: number, total: number) => void,
    signal: AbortSignal,
  ): Promise<SweepResult> {
    const client = this.session.current;
    const blocker = this.blocker(rowId);
    if (blocker) return Promise.reject(new SweepUnavailableError(blocker));
    if (!client || useStore.getState().rows.find((r) => r.id === rowId)?.decodedOn !== client.workerId)
      return Promise.reject(new DOMException('the image is not decoded by the active model yet', 'AbortError'));
    return client.sweep({ imageId: rowId, ...params }, onPoint, signal);
  }
}

import { requiredContext } from '../../ui/required-context.ts';
import type { MaeClient } from '../../worker/mae-client.ts';

/** What the attention view needs of the page: the worker that answers now (the model session, provided by src/app). */
export interface AttentionWorker {
  readonly current: MaeClient | null;
}

export const [AttentionWorkerContext, useAttentionWorker] = requiredContext<AttentionWorker>('AttentionWorker');

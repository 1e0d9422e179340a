import { requiredContext } from '../../ui/required-context.ts';

/** What a row's sweep button and the sweep panel ask of the page's sweep (SweepController, provided by src/app). */
export interface SweepActions {
  open(rowId: string): void;
  cancel(): void;
  close(): void;
}

export const [SweepActionsContext, useSweepActions] = requiredContext<SweepActions>('SweepActions');

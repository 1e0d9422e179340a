import { requiredContext } from '../../ui/required-context.ts';

/** What the compare view asks of the page's compare controller (CompareController, provided by src/app). */
export interface CompareActions {
  open(rowId: string, seed?: number): Promise<void>;
  setMask(maskRatio: number, seed: number): void;
  close(): void;
}

export const [CompareActionsContext, useCompareActions] = requiredContext<CompareActions>('CompareActions');

import { requiredContext } from '../../ui/required-context.ts';

/** What the grid's controls ask of the page's row pipeline (RowPipeline, provided by src/app). */
export interface RowActions {
  addFiles(files: Iterable<File>): void;
  removeRow(id: string): void;
}

export const [RowActionsContext, useRowActions] = requiredContext<RowActions>('RowActions');

import { requiredContext } from '../../ui/required-context.ts';
import type { ProviderRequest } from '../../worker/messages.ts';
import type { PickedFile } from './model-files.ts';

/** What the model controls ask of the page's model session (ModelSession, provided by src/app). */
export interface ModelActions {
  switchModel(id: string): void;
  setProvider(provider: ProviderRequest): void;
  loadLocalModel(files: readonly PickedFile[]): void;
  retryModel(): void;
}

export const [ModelActionsContext, useModelActions] = requiredContext<ModelActions>('ModelActions');

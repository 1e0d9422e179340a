import { requiredContext } from '../../ui/required-context.ts';
import type { ProviderRequest } from '../../worker/messages.ts';
import type { PrecisionRequest } from './weights/memory.ts';
import type { PickedFile } from './model-files.ts';

/** What the model controls ask of the page's model session (ModelSession, provided by src/app). */
export interface ModelActions {
  switchModel(id: string): void;
  setProvider(provider: ProviderRequest): void;
  loadLocalModel(files: readonly PickedFile[]): void;
  retryModel(): void;
  /** exact (fp32) or fast (int8) for imported weights on WASM: kept, and the model loads again in it */
  setPrecision(precision: PrecisionRequest): void;
}

export const [ModelActionsContext, useModelActions] = requiredContext<ModelActions>('ModelActions');

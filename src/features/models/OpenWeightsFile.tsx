import { useRef } from 'react';
import { pickedFromInput } from './model-files.ts';
import { useModelActions } from './model-actions.ts';

/**
 * "Open weights file…": the official MAE checkpoint (mae_visualize_vit_*.pth, *_full.pth) or the
 * Hugging Face one (model.safetensors, pytorch_model.bin), read in the worker; no Python, nothing
 * uploaded. Dropping the file anywhere on the page works too.
 */
export function OpenWeightsFile() {
  const modelActions = useModelActions();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div
      className="model-open"
      title="The official MAE weights (facebookresearch/mae's mae_visualize_vit_*.pth) or Hugging Face's facebook/vit-mae-* (model.safetensors, pytorch_model.bin). The file stays on this machine."
    >
      <button type="button" className="link" data-testid="open-weights" onClick={() => input.current?.click()}>
        Open weights file…
      </button>
      <input
        ref={input}
        type="file"
        accept=".pth,.bin,.safetensors"
        hidden
        data-testid="weights-input"
        onChange={(e) => {
          const el = e.target;
          if (el.files && el.files.length > 0) modelActions.loadLocalModel(pickedFromInput(el.files));
          el.value = '';
        }}
      />
    </div>
  );
}

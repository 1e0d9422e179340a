import { useEffect, useRef } from 'react';
import { pickedFromInput } from './model-files.ts';
import { useModelActions } from './model-actions.ts';

/**
 * "Open model folder…": a model (manifest.json + encoder.onnx + decoder.onnx) from the user's disk,
 * by a folder picker, or by picking the files themselves where folder picking is not offered.
 * Dropping the folder or its files on the page works too (App.tsx).
 */
export function OpenModelFolder() {
  const modelActions = useModelActions();
  const folder = useRef<HTMLInputElement>(null);
  const files = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // Not in React's typed props; the attribute is what turns the picker into a folder picker.
    folder.current?.setAttribute('webkitdirectory', '');
  }, []);
  const take = (input: HTMLInputElement): void => {
    if (input.files && input.files.length > 0) modelActions.loadLocalModel(pickedFromInput(input.files));
    input.value = '';
  };
  return (
    <div
      className="model-open"
      title="A model folder as python/mae_playground/convert_official.py or python/mae_playground/export_onnx.py writes it. Its files stay on this machine."
    >
      <button type="button" className="link" data-testid="open-model-folder" onClick={() => folder.current?.click()}>
        Open model folder…
      </button>
      <button type="button" className="link" data-testid="open-model-files" onClick={() => files.current?.click()}>
        or its files…
      </button>
      <input ref={folder} type="file" hidden data-testid="model-folder-input" onChange={(e) => take(e.target)} />
      <input
        ref={files}
        type="file"
        multiple
        accept=".json,.onnx,.data,.onnx_data"
        hidden
        data-testid="model-files-input"
        onChange={(e) => take(e.target)}
      />
    </div>
  );
}

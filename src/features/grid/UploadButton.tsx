import { useRef } from 'react';
import { useRowActions } from './row-actions.ts';

/** File picker (several files at once). Drop and paste work anywhere on the page too. */
export function UploadButton() {
  const rows = useRowActions();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="control upload">
      <button type="button" className="primary" onClick={() => input.current?.click()}>
        <span className="label-long">Add your photos…</span>
        <span className="label-short">Add photos…</span>
      </button>
      <input
        ref={input}
        type="file"
        accept="image/*"
        multiple
        hidden
        data-testid="file-input"
        onChange={(e) => {
          if (e.target.files) rows.addFiles(e.target.files);
          e.target.value = '';
        }}
      />
      <span className="hint">or drop / paste images anywhere; nothing is uploaded</span>
    </div>
  );
}

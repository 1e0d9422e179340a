import { formatBytes } from '../../mae/format-bytes.ts';
import { useStore } from '../../state/store.ts';

interface ImportedSource {
  kind: 'imported-weights';
  file: string;
  fileBytes: number;
  label: string;
  targets: 'pixels' | 'norm-pix';
  encoderParams: number;
  decoderParams: number;
  license: string;
  layout: string;
}

function isImported(source: unknown): source is ImportedSource {
  return typeof source === 'object' && source !== null && (source as { kind?: unknown }).kind === 'imported-weights';
}

const millions = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} M`;

/** The model card of a model imported from a weights file: what the file is, in one block. */
export function ImportedModelCard() {
  const source = useStore((s) => s.model.manifest?.source);
  if (!isImported(source)) return null;
  return (
    <dl className="imported-card" data-testid="imported-card">
      <div>
        <dt>architecture</dt>
        <dd data-testid="imported-architecture">{source.label}</dd>
      </div>
      <div>
        <dt>targets</dt>
        <dd>{source.targets === 'norm-pix' ? 'norm-pix (shown with the true patch statistics)' : 'pixels'}</dd>
      </div>
      <div>
        <dt>parameters</dt>
        <dd>
          {millions(source.encoderParams + source.decoderParams)} (encoder {millions(source.encoderParams)})
        </dd>
      </div>
      <div>
        <dt>file</dt>
        <dd>
          {source.file}, {formatBytes(source.fileBytes)}, {source.layout === 'official' ? 'facebookresearch/mae names' : 'Hugging Face names'}
        </dd>
      </div>
      <div>
        <dt>licence</dt>
        <dd data-testid="imported-license">{source.license}</dd>
      </div>
    </dl>
  );
}

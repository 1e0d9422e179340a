import { formatBytes } from '../../mae/format-bytes.ts';
import { useStore } from '../../state/store.ts';
import { useModelActions } from './model-actions.ts';
import type { Precision } from './weights/memory.ts';

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
  /** set by the worker's load (load-handler.ts): what runs, and why */
  precision?: Precision | 'fp16';
  precisionReason?: string;
  int8?: { fromCache: boolean; quantizeMs: number; dataBytes: number; note: string | null };
  /** a hub download whose fp32 file was freed: only its int8 copy runs (exact needs the file again) */
  fp32Freed?: boolean;
}

function isImported(source: unknown): source is ImportedSource {
  return typeof source === 'object' && source !== null && (source as { kind?: unknown }).kind === 'imported-weights';
}

const millions = (n: number): string => `${(n / 1e6).toFixed(n < 1e7 ? 2 : 0)} M`;

/**
 * Exact (fp32) or fast (int8), on WASM (weights/memory.ts choosePrecision). The choice is kept in
 * this browser and the model loads again in it; the int8 copy is made once and kept in the private
 * file system (weights/int8-cache.ts), made from the weights file, which exact reads as it is.
 */
function PrecisionChoice({ source }: { source: ImportedSource }) {
  const modelActions = useModelActions();
  const provider = useStore((s) => s.provider.active);
  const busy = useStore((s) => s.model.loadingUrl !== null);
  const precision = source.precision ?? 'fp32';
  const int8 = source.int8;
  const options: { value: Precision; label: string }[] = [
    { value: 'fp32', label: 'exact (fp32)' },
    { value: 'int8', label: 'fast (int8)' },
  ];
  return (
    <div>
      <dt>precision</dt>
      <dd>
        {provider === 'wasm' ? (
          <span role="radiogroup" aria-label="precision" data-testid="precision-choice" data-precision={precision}>
            {options.map((o) => (
              <label key={o.value} className="precision-option">
                <input
                  type="radio"
                  name="precision"
                  value={o.value}
                  checked={precision === o.value}
                  disabled={busy || (o.value === 'fp32' && source.fp32Freed === true)}
                  data-testid={`precision-${o.value}`}
                  onChange={() => modelActions.setPrecision(o.value)}
                />{' '}
                {o.label}
              </label>
            ))}
          </span>
        ) : (
          <span data-testid="precision-choice" data-precision={precision}>
            {/* WebGPU: fp16 where the adapter has shader-f16, else exact (weights/fp16-choice.ts) */}
            {precision === 'fp16' ? 'fp16' : 'exact (fp32)'}
          </span>
        )}
        <span className="hint" data-testid="precision-reason">
          {' '}
          {source.precisionReason}
          {precision === 'int8' && int8
            ? int8.fromCache
              ? `; int8 copy (${formatBytes(int8.dataBytes)}) from this browser's storage`
              : `; quantized in ${(int8.quantizeMs / 1000).toFixed(1)} s (${formatBytes(int8.dataBytes)})`
            : ''}
          {precision === 'int8' && !source.fp32Freed ? '. Exact reads the weights file again (fp32, about 4x the memory).' : ''}
        </span>
        {source.fp32Freed && (
          <span className="hint" data-testid="precision-freed">
            {' '}
            Exact (fp32) needs the weights file, which was freed to save space: download it again (Official MAE from the hub) to use it.
          </span>
        )}
        {int8?.note && (
          <span className="hint" role="status" data-testid="precision-note">
            {' '}
            {int8.note}
          </span>
        )}
      </dd>
    </div>
  );
}

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
      <PrecisionChoice source={source} />
      <div>
        <dt>licence</dt>
        <dd data-testid="imported-license">{source.license}</dd>
      </div>
    </dl>
  );
}

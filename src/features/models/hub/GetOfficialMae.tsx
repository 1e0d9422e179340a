import { useEffect, useMemo } from 'react';
import { formatBytes } from '../../../mae/format-bytes.ts';
import { useStore } from '../../../state/store.ts';
import { useModelActions } from '../model-actions.ts';
import { HUB_LICENCE, HUB_MODELS, HUB_WHAT, pageUrl, type HubModel } from './hub-catalog.ts';
import { HubController, useHubStore, type HubTask } from './hub-controller.ts';
import { storedName } from './hub-storage.ts';
import { estimatedRuntimeBytes } from '../weights/memory.ts';

function eta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 60) return ` · ${Math.ceil(seconds)} s left`;
  return ` · ${Math.ceil(seconds / 60)} min left`;
}

function Progress({ task }: { task: HubTask }) {
  const p = task.progress;
  if (task.status === 'downloading' && p) {
    return (
      <>
        <progress max={p.total} value={p.loaded} aria-label="download progress" />
        <span className="hint" data-testid="hub-progress-text">
          {formatBytes(p.loaded)} of {formatBytes(p.total)} · {(p.bytesPerSecond / 1e6).toFixed(1)} MB/s{eta(p.secondsLeft)}
          {p.resumes > 0 ? ` · resumed ${p.resumes}×` : ''}
        </span>
      </>
    );
  }
  const text = { checking: 'Asking the hub for the file…', verifying: 'Checking the file (size, SHA-256, structure)…', loading: 'Loading…' } as const;
  if (task.status in text) return <span className="hint">{text[task.status as keyof typeof text]}</span>;
  return null;
}

/**
 * Measured with `npm run bench:weights-browser` (README "Use the real MAE"; 2-core CPU, no GPU,
 * Chromium, WASM with 2 threads, 2026-11-29): per-image time and, for ViT-L, the memory it needs alone,
 * in fp32. Fast (int8), the default for these sizes since issue 23, ran 1.8-2.3x faster per image in
 * the same run as fp32 (docs/BENCHMARKS.md "int8 in the page"). ViT-H runs on WASM in int8 only
 * (ModelEntry says so; not timed here).
 */
const MEASURED_ON_WASM: Partial<Record<HubModel['id'], string>> = {
  'vit-mae-base': 'about 1.4 s per image, the first picture about 6 s after the file is in',
  'vit-mae-large': 'about 2.6 s per image, the first picture about 15 s after the file is in, about 3.3 GB of memory',
};

/** What to expect from this model on this device: its runtime now, and what was measured there. */
function OnThisDevice({ model }: { model: HubModel }) {
  const provider = useStore((s) => s.provider);
  const measured = MEASURED_ON_WASM[model.id];
  let text: string;
  if (provider.active === 'webgpu') text = 'runs on the GPU (WebGPU); its speed on a real GPU has not been measured here.';
  else if (provider.active === 'wasm' && measured) {
    const threads = provider.wasmThreads ?? 1;
    text = `runs on the CPU (WASM, ${threads} thread${threads === 1 ? '' : 's'}): ${measured}, measured in exact (fp32) with 2 threads on a 2-core CPU; fast (int8), the default here, was about 2x faster.`;
  } else return null;
  return (
    <p className="hint hub-expect" data-testid={`hub-expect-${model.id}`}>
      On this device: {text}
    </p>
  );
}

function ModelEntry({ model, controller }: { model: HubModel; controller: HubController }) {
  const stored = useHubStore((s) => s.stored.find((m) => m.id === model.id));
  const task = useHubStore((s) => s.tasks[model.id]);
  const provider = useStore((s) => s.provider.active);
  const busy = task !== undefined && ['checking', 'downloading', 'verifying', 'loading'].includes(task.status);
  const int8Only = model.fp32NeedsWebGpu && provider !== 'webgpu';
  return (
    <li className="hub-model" data-testid={`hub-model-${model.id}`}>
      <div>
        <strong>{model.label}</strong> <span className="hint">({model.params} parameters)</span> ·{' '}
        <span data-testid={`hub-size-${model.id}`}>{stored ? formatBytes(stored.size) : `about ${formatBytes(model.approxBytes)}`}</span> ·{' '}
        <a href={pageUrl(model)} target="_blank" rel="noopener noreferrer">
          {model.repo}
        </a>{' '}
        <span className="hint">({model.file})</span>
      </div>
      <OnThisDevice model={model} />
      <div className="hub-actions">
        {stored ? (
          <>
            <button type="button" data-testid={`hub-use-${model.id}`} onClick={() => void controller.use(model)}>
              Use
            </button>
            <button type="button" data-testid={`hub-remove-${model.id}`} onClick={() => void controller.remove(model)}>
              Remove
            </button>
            {stored.int8Bytes !== undefined && !stored.fp32Freed && (
              <button type="button" data-testid={`hub-free-${model.id}`} onClick={() => void controller.free(model)}>
                Free the fp32 file ({formatBytes(stored.size)}), keep fast (int8)
              </button>
            )}
            <span className="hint" data-testid={`hub-stored-${model.id}`}>
              {stored.fp32Freed
                ? `fp32 file freed: runs fast (int8) only, from its int8 copy (${formatBytes(stored.int8Bytes ?? 0)}); exact (fp32) needs it again: Remove, then Download`
                : `stored on this device as ${storedName(model)}${stored.int8Bytes !== undefined ? `, with its int8 copy (${formatBytes(stored.int8Bytes)})` : ''}`}
            </span>
          </>
        ) : busy ? (
          <button type="button" data-testid={`hub-cancel-${model.id}`} onClick={() => controller.cancel(model)}>
            Cancel
          </button>
        ) : (
          <button type="button" data-testid={`hub-download-${model.id}`} onClick={() => void controller.start(model)}>
            Download
          </button>
        )}
        {int8Only && (
          <span className="hint" data-testid={`hub-int8-only-${model.id}`}>
            on WASM in fast (int8) only: about {formatBytes(estimatedRuntimeBytes(model.approxBytes / 4, 'int8'))} of memory to run; exact (fp32) needs about{' '}
            {formatBytes(estimatedRuntimeBytes(model.approxBytes / 4))}, more than WASM&apos;s 4 GB (WebGPU runs it)
          </span>
        )}
        {task && <Progress task={task} />}
        {task?.message && (task.status === 'error' || task.status === 'cancelled') && (
          <span className={task.status === 'error' ? 'row-error-msg' : 'hint'} role={task.status === 'error' ? 'alert' : undefined} data-testid={`hub-error-${model.id}`}>
            {task.message}
          </span>
        )}
      </div>
    </li>
  );
}

/**
 * The official MAE weights from the Hugging Face hub, downloaded only when the person asks, kept on
 * this device (private file storage) for later visits and offline use. Shown in the header's Models
 * panel; `active`: that panel is open.
 */
export function GetOfficialMae({ active }: { active: boolean }) {
  const modelActions = useModelActions();
  const controller = useMemo(() => new HubController((file, sha256, int8Only) =>
        modelActions.loadLocalModel([{ path: file.name, file, ...(sha256 ? { sha256 } : {}), ...(int8Only ? { int8Only: true } : {}) }]),
      ), [modelActions]);
  const used = useHubStore((s) => s.usedBytes);
  const storedCount = useHubStore((s) => s.stored.length);
  // What is stored is read when the panel opens (local, no request), not at every page start, and
  // again when a model finished loading (its int8 copy may have just been written).
  const activeUrl = useStore((s) => s.model.activeUrl);
  useEffect(() => {
    if (active) void controller.refresh();
  }, [controller, active, activeUrl]);
  return (
    <div className="hub-panel" data-testid="hub-panel">
      <p className="hint">
        {HUB_WHAT}, from the Hugging Face hub. Licence: {HUB_LICENCE}. Nothing is fetched until you press Download; then only the
        file, from the hub and its file servers. Your images never leave this page.
      </p>
      <ul>
        {HUB_MODELS.map((m) => (
          <ModelEntry key={m.id} model={m} controller={controller} />
        ))}
      </ul>
      <p className="hint" data-testid="hub-usage">
        {storedCount > 0 || used > 0 ? `Downloaded models use ${formatBytes(used)} on this device.` : 'No model downloaded yet.'}
      </p>
    </div>
  );
}

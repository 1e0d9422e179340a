import { useEffect, useMemo, type KeyboardEvent, type PointerEvent } from 'react';
import { errorText } from '../../mae/error-text.ts';
import type { MaskSpec } from '../../mae/index.ts';
import { useStore, type Row } from '../../state/store.ts';
import { PixelCanvas } from '../../ui/PixelCanvas.tsx';
import { isAbortError } from '../../worker/mae-client.ts';
import { useAttentionWorker } from './attention-actions.ts';
import { downloadAttentionPng } from './attention-export.ts';
import { heatImage, patchName, rampColour } from './attention-image.ts';
import { closeAttention, select, useAttention } from './attention-store.ts';
import { mapView, type AttentionMapView } from './attention-view.ts';
import './attention.css';

/** Waits this long after the row's last result before asking (a slider drag gives many results). */
const REQUEST_DELAY_MS = 120;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const GRADIENT = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => `rgb(${rampColour(t).join(' ')})`).join(', ')})`;

/** The attention view of one row (open under that row only). */
export function AttentionPanel({ row }: { row: Row }) {
  const open = useAttention((s) => s.rowId === row.id);
  return open ? <AttentionBody row={row} /> : null;
}

function maskOf(result: NonNullable<Row['result']>): MaskSpec | undefined {
  if (result.maskStrategy === 'paint' && result.hiddenMask) return { strategy: 'paint', hidden: result.hiddenMask.slice() };
  if (result.maskStrategy && result.maskStrategy !== 'paint') return { strategy: result.maskStrategy };
  return undefined;
}

/** Asks the worker for the row's attention whenever the row shows a new result (ratio, seed, mask, model). */
function useAttentionRequests(row: Row): void {
  const worker = useAttentionWorker();
  const result = row.result;
  useEffect(() => {
    const client = worker.current;
    if (!result || !client || row.decodedOn !== client.workerId) return;
    const abort = new AbortController();
    const timer = setTimeout(() => {
      useAttention.setState((s) => (s.data ? {} : { status: 'loading' }));
      const mask = maskOf(result);
      client.wire
        .call(
          {
            type: 'attention',
            imageId: row.id,
            maskRatio: result.maskRatio,
            seed: result.seed,
            ...(mask ? { mask } : {}),
            // a whole-photo row (its result has its own grid): the same whole photo
            ...(result.grid ? { whole: true } : {}),
          },
          { signal: abort.signal },
        )
        .then((r) => {
          if (abort.signal.aborted || useAttention.getState().rowId !== row.id) return;
          if (!r.available) useAttention.setState({ status: 'unavailable', reason: r.reason, data: null });
          else
            useAttention.setState({
              status: 'ready',
              reason: null,
              data: { ...r, encoder: r.encoder, decoder: r.decoder },
            });
        })
        .catch((e: unknown) => {
          if (abort.signal.aborted || isAbortError(e)) return;
          useAttention.setState({ status: 'error', reason: errorText(e), data: null });
        });
    }, REQUEST_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [result, row.id, row.decodedOn, worker]);
}

function describe(v: AttentionMapView, gridW: number): string {
  const s = v.selection;
  const who = s.query === 'cls' ? 'the cls token' : patchName(s.query, gridW);
  const where = s.rollout ? `rollout through encoder blocks 1–${s.layer + 1}` : `${s.graph} block ${s.layer + 1} of ${v.depth}`;
  const head = s.rollout ? 'mean of heads' : s.head === 'mean' ? `mean of ${v.heads} heads` : `head ${s.head + 1} of ${v.heads}`;
  return `${where}, ${head}: where ${who} attends`;
}

function AttentionBody({ row }: { row: Row }) {
  useAttentionRequests(row);
  const { status, reason, data, selection } = useAttention();
  const modelName = useStore((s) => s.model.manifest?.name ?? 'model');
  const original = row.result?.panels.original ?? null;
  const view = useMemo(() => (data ? mapView(data, selection) : null), [data, selection]);
  const heat = useMemo(
    () =>
      view && data && original
        ? heatImage(original, view.patches, {
            gridH: data.gridH,
            gridW: data.gridW,
            selected: view.selection.query === 'cls' ? null : view.selection.query,
            max: view.max,
          })
        : null,
    [view, data, original],
  );

  const choosePatch = (patch: number) => {
    if (!data) return;
    // a hidden patch has no encoder token: its attention is the decoder's ("where it copied from")
    select({ query: patch, rollout: false, ...(data.hidden[patch] ? { graph: 'decoder', layer: -1 } : {}) });
  };
  const onPointer = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!data) return;
    const box = e.currentTarget.getBoundingClientRect();
    const col = Math.min(data.gridW - 1, Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * data.gridW)));
    const r = Math.min(data.gridH - 1, Math.max(0, Math.floor(((e.clientY - box.top) / box.height) * data.gridH)));
    choosePatch(r * data.gridW + col);
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!data) return;
    const q = selection.query === 'cls' ? -1 : selection.query;
    const [r, c] = q < 0 ? [0, -1] : [Math.floor(q / data.gridW), q % data.gridW];
    const moves: Record<string, [number, number]> = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    const m = moves[e.key];
    if (m) {
      e.preventDefault();
      const nr = Math.min(data.gridH - 1, Math.max(0, r + m[0]));
      const nc = Math.min(data.gridW - 1, Math.max(0, (q < 0 ? 0 : c) + (q < 0 ? 0 : m[1])));
      choosePatch(nr * data.gridW + nc);
    } else if (e.key === 'Home' || e.key === 'c') {
      e.preventDefault();
      select({ query: 'cls' });
    }
  };

  const caption = view && data ? describe(view, data.gridW) : '';
  const s = view?.selection;
  return (
    <section className="attention" data-testid="attention-panel" data-status={status} aria-label={`Attention of ${row.name}`}>
      <header className="attention-head">
        <strong>Attention</strong>
        <span className="attention-meta">{modelName}</span>
        <button
          type="button"
          className="remove"
          data-testid="attention-close"
          aria-label="Close the attention view"
          onClick={closeAttention}
        >
          ×
        </button>
      </header>
      {status === 'loading' && !data && <p className="attention-status">Computing attention…</p>}
      {(status === 'unavailable' || status === 'error') && (
        <p className="attention-status" role="status" data-testid="attention-reason">
          {status === 'error' ? `Attention failed: ${reason ?? ''}` : `Attention ${reason ?? 'unavailable'}`}
        </p>
      )}
      {view && data && s && (
        <div className="attention-body">
          <div
            className="attention-map"
            tabIndex={0}
            role="group"
            aria-label="Attention map: click or tap a patch; arrow keys move the chosen patch, Home chooses the cls token"
            onKeyDown={onKey}
            data-testid="attention-map"
          >
            <PixelCanvas image={heat} role="img" aria-label={caption} onPointerDown={onPointer} data-testid="attention-canvas" />
          </div>
          <div className="attention-controls">
            <p className="attention-caption" aria-live="polite" data-testid="attention-caption">
              {caption}
            </p>
            {view.note && <p className="attention-note">{view.note}</p>}
            <fieldset className="attention-graph">
              <legend>Graph</legend>
              {(['encoder', 'decoder'] as const).map((g) => (
                <label key={g}>
                  <input
                    type="radio"
                    name={`attention-graph-${row.id}`}
                    checked={s.graph === g}
                    onChange={() => select({ graph: g, layer: -1, head: 'mean' })}
                  />
                  {g === 'encoder' ? 'Encoder (visible patches)' : 'Decoder (all patches)'}
                </label>
              ))}
            </fieldset>
            <label className="attention-field">
              Block {s.layer + 1} of {view.depth}
              <input
                type="range"
                min={1}
                max={view.depth}
                value={s.layer + 1}
                data-testid="attention-layer"
                onChange={(e) => select({ layer: Number(e.currentTarget.value) - 1 })}
              />
            </label>
            <label className="attention-field">
              Head
              <select
                value={s.head === 'mean' ? 'mean' : String(s.head)}
                disabled={s.rollout}
                data-testid="attention-head"
                onChange={(e) => select({ head: e.currentTarget.value === 'mean' ? 'mean' : Number(e.currentTarget.value) })}
              >
                <option value="mean">mean of {view.heads}</option>
                {Array.from({ length: view.heads }, (_, h) => (
                  <option key={h} value={h}>
                    head {h + 1}
                  </option>
                ))}
              </select>
            </label>
            <div className="attention-buttons">
              <button type="button" aria-pressed={s.query === 'cls'} data-testid="attention-cls" onClick={() => select({ query: 'cls' })}>
                cls token
              </button>
              <label>
                <input
                  type="checkbox"
                  checked={s.rollout}
                  disabled={!(s.graph === 'encoder' && s.query === 'cls')}
                  data-testid="attention-rollout"
                  onChange={(e) => select({ rollout: e.currentTarget.checked })}
                />
                Rollout (encoder cls, blocks 1–{s.layer + 1})
              </label>
            </div>
            <div className="attention-scale" aria-label={`Colour scale from 0 to ${view.max.toFixed(3)}`} role="img">
              <span className="attention-bar" style={{ background: GRADIENT }} />
              <span>0</span>
              <span>{view.max.toFixed(3)}</span>
            </div>
            <p className="attention-numbers" data-testid="attention-numbers">
              {Number.isFinite(view.cls) && <>to cls: {pct(view.cls)}. </>}
              {view.shares && (
                <>
                  to visible patches: {pct(view.shares.visible)}, to mask tokens (position only): {pct(view.shares.masked)}.
                </>
              )}
            </p>
            <button
              type="button"
              data-testid="attention-download"
              disabled={!heat}
              onClick={() => {
                if (!heat) return;
                const lines = [
                  `${row.name} · ${modelName} · mask ratio ${data.maskRatio} · seed ${data.seed}`,
                  caption,
                  ...(view.shares
                    ? [
                        `to visible patches ${pct(view.shares.visible)} · to mask tokens ${pct(view.shares.masked)} · to cls ${pct(view.shares.cls)}`,
                      ]
                    : []),
                ];
                const what = `${s.graph}-b${s.layer + 1}-${s.query === 'cls' ? 'cls' : `p${s.query}`}`;
                void downloadAttentionPng(heat, lines, view.max, row.name, what).catch((e: unknown) =>
                  useStore.getState().setNotice(`Could not export the PNG: ${errorText(e)}`),
                );
              }}
            >
              Download PNG
            </button>
          </div>
        </div>
      )}
    </section>
  );
}

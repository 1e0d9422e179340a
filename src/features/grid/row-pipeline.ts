/**
 * The row pipeline: every row's file (a sample or the person's own), decoded by the worker that
 * answers, then reconstructed whenever the mask settings change. The store owns the rows' state
 * (status, which worker decoded them, unreadable); this class keeps only what is not state: each
 * row's file, and the token of its latest request (latest-wins).
 */
import { errorText } from '../../mae/error-text.ts';
import { imageSeed } from '../../mae/index.ts';
import { maskRequest, maskSettingsOf, modelPatches, rowWhole, sameMaskSettings } from '../mask/mask-mode.ts';
import { useStore, type Row } from '../../state/store.ts';
import { admitFiles, UploadTracker } from './uploads.ts';
import { isAbortError, isCrash, MaeWorkerError } from '../../worker/mae-client.ts';
import type { ModelSession } from '../models/model-session.ts';

export interface RowSources {
  /** Sample names to show; null = all from samples.json. */
  samples: string[] | null;
  /** How many samples at most (from ?samples=N). */
  sampleLimit: number | null;
  /**
   * Rows off screen wait until they scroll into view: 'auto' for large models only (LARGE_MODEL_PARAMS),
   * 'on' / 'off' always / never (?lazy=on|off).
   */
  lazyRows?: 'auto' | 'on' | 'off';
}

/** From this many parameters (ViT-B has 112 M) a row costs seconds on a CPU: rows off screen wait. */
export const LARGE_MODEL_PARAMS = 50e6;

const BASE = import.meta.env.BASE_URL;

let rowCounter = 0;
function newRowId(prefix: string): string {
  rowCounter += 1;
  return `${prefix}-${rowCounter}`;
}

const findRow = (id: string): Row | undefined => useStore.getState().rows.find((r) => r.id === id);

export class RowPipeline {
  /** The encoded file behind each row (the compare view decodes it again at each zoo model's size). */
  private readonly files = new Map<string, { name: string; blob: Promise<Blob> }>();
  /** Latest request token per row: a result only clears "busy" if it answers the latest one. */
  private readonly latest = new Map<string, number>();
  private token = 0;
  private readonly uploads = new UploadTracker();
  private unsubscribe: (() => void) | null = null;
  private unsubscribeScroll: (() => void) | null = null;
  /** Rows held back while off screen (lazy rows): they run when they scroll into view. */
  private readonly deferred = new Set<string>();

  constructor(
    private readonly session: ModelSession,
    private readonly sources: RowSources,
  ) {}

  /** Follows the mask settings (only them, not every row update): a new mask runs every row again. */
  listen(): void {
    this.unsubscribe = useStore.subscribe(maskSettingsOf, () => this.requestAll(), { equalityFn: sameMaskSettings });
    // Only which rows are on screen (not every row update): a held-back row that scrolls in runs.
    this.unsubscribeScroll = useStore.subscribe(
      (s) =>
        s.rows
          .filter((r) => r.onScreen !== false)
          .map((r) => r.id)
          .join('\n'),
      () => {
        for (const id of [...this.deferred]) if (useStore.getState().rows.find((r) => r.id === id)?.onScreen !== false) this.requestRow(id);
      },
    );
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribeScroll?.();
  }

  /** Whether rows off screen wait for now (see RowSources.lazyRows). */
  private lazy(): boolean {
    const mode = this.sources.lazyRows ?? 'auto';
    if (mode !== 'auto') return mode === 'on';
    const m = useStore.getState().model.manifest;
    return m !== null && (m.encoder.params ?? 0) + (m.decoder.params ?? 0) >= LARGE_MODEL_PARAMS;
  }

  /** A new worker took over: every row that can be read is decoded (and run) again there. */
  decodeAll(): void {
    for (const row of useStore.getState().rows) if (!row.unreadable) void this.decodeRow(row.id);
  }

  rowBlob(rowId: string): Promise<Blob> | null {
    return this.files.get(rowId)?.blob ?? null;
  }

  /** The sample photos (samples.json, narrowed by ?samples=). */
  async addSamples(): Promise<void> {
    let names: string[];
    try {
      const res = await fetch(`${BASE}samples/samples.json`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      names = ((await res.json()) as unknown[]).filter((n): n is string => typeof n === 'string');
    } catch (e) {
      useStore.getState().setNotice(`Could not list the sample photos: ${errorText(e)}`);
      return;
    }
    if (this.sources.samples) {
      const wanted = this.sources.samples;
      names = wanted.filter((n) => names.includes(n));
    }
    if (this.sources.sampleLimit !== null) names = names.slice(0, this.sources.sampleLimit);
    for (const name of names) {
      const blob = fetch(`${BASE}samples/${encodeURIComponent(name)}.jpg`).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return r.blob();
      });
      this.addFile(name, 'sample', blob, false);
    }
  }

  /** Files from the picker, a drop or a paste. Every file gets a row, even one that won't decode. */
  addFiles(files: Iterable<File>): void {
    const offered = [...files];
    const { take, notice } = admitFiles(offered.length, useStore.getState().rows.length);
    if (notice) useStore.getState().setNotice(notice);
    // Reverse so that the first chosen file ends up on top.
    const ids = offered
      .slice(0, take)
      .reverse()
      .map((f) => this.addFile(f.name || 'pasted image', 'upload', Promise.resolve(f), true));
    this.uploads.add(ids);
  }

  removeRow(id: string): void {
    this.files.delete(id);
    this.latest.delete(id);
    this.session.current?.forget(id);
    useStore.getState().removeRow(id);
  }

  private addFile(name: string, origin: Row['origin'], blob: Promise<Blob>, atTop: boolean): string {
    const id = newRowId(origin);
    blob.catch(() => undefined); // handled in decodeRow
    this.files.set(id, { name, blob });
    useStore.getState().addRow({ id, name, origin }, atTop);
    void this.decodeRow(id);
    return id;
  }

  private async decodeRow(id: string): Promise<void> {
    const file = this.files.get(id);
    const startedOn = (): number | null => findRow(id)?.decodeStartedOn ?? null;
    if (!file || (this.session.current !== null && startedOn() === this.session.current.workerId)) return;
    const update = (patch: Partial<Row>): void => useStore.getState().updateRow(id, patch);
    let blob: Blob;
    try {
      blob = await file.blob;
    } catch (e) {
      update({ status: 'error', busy: false, unreadable: true, error: `Could not fetch “${file.name}”: ${errorText(e)}` });
      return;
    }
    // Before the first model is ready there is no worker to decode in: wait for it.
    const client = await this.session.ready();
    if (!client) {
      if (!this.session.awaitingModel)
        update({ status: 'error', busy: false, error: 'Not processed: the model did not load (see the message above).' });
      return;
    }
    if (startedOn() === client.workerId || !this.files.has(id)) return;
    update({ status: 'decoding', busy: true, decodeStartedOn: client.workerId });
    try {
      const r = await client.decode(id, file.name, blob);
      if (client !== this.session.current || !this.files.has(id)) return;
      update({
        status: 'waiting',
        sourceSize: { width: r.sourceWidth, height: r.sourceHeight },
        decodeInfo: r,
        decodedOn: client.workerId,
      });
      this.requestRow(id);
    } catch (e) {
      if (client !== this.session.current || isAbortError(e) || isCrash(e)) return;
      const unreadable = e instanceof MaeWorkerError && e.code === 'decode';
      update({ status: 'error', busy: false, error: errorText(e), ...(unreadable ? { unreadable } : {}) });
    }
  }

  requestAll(): void {
    for (const row of useStore.getState().rows) this.requestRow(row.id);
  }

  private requestRow(id: string): void {
    const client = this.session.current;
    const s = useStore.getState();
    const row = s.rows.find((r) => r.id === id);
    if (!client || !row || row.decodedOn !== client.workerId) return;
    if (row.onScreen === false && this.lazy()) {
      this.deferred.add(id);
      return;
    }
    this.deferred.delete(id);
    const token = ++this.token;
    this.latest.set(id, token);
    const seed = imageSeed(s.seed, row.seedIndex, s.sameMaskForAll);
    if (!row.busy) s.updateRow(id, { busy: true });
    // whole photos: the row's own grid (the worker kept the whole photo at decode), else the centre crop
    const whole = rowWhole(s, row);
    client.reconstruct({ imageId: id, seed, ...maskRequest(s, modelPatches(s), whole), ...(whole ? { whole: true } : {}) }).then(
      (result) => {
        if (client !== this.session.current || !this.files.has(id)) return;
        useStore.getState().updateRow(id, { result, status: 'done', error: null, busy: this.latest.get(id) !== token });
      },
      (e: unknown) => {
        if (isAbortError(e) || isCrash(e) || client !== this.session.current) return;
        useStore.getState().updateRow(id, { status: 'error', busy: false, error: `Reconstruction failed: ${errorText(e)}` });
      },
    );
  }
}

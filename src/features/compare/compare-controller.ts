/**
 * The compare view: one image and one mask through every model of the zoo (models/zoo.json), side by
 * side, with each model's encoder features as a colour map. Each zoo model gets its own worker (they
 * are small: ~13 MB each, one WASM thread), created when the view opens and ended when it closes;
 * the page's model session makes them (newClient), and a crashed one is restarted under the crash
 * policy every worker lives under (src/worker/crash-policy.ts). Stale answers (the ratio moved on)
 * are dropped by a generation counter.
 */
import { create } from 'zustand';
import { errorText, sharedMasks, type RgbaImage } from '../../mae/index.ts';
import { featureMapImage, pcaColours } from './pca.ts';
import { CrashPolicy } from '../../worker/crash-policy.ts';
import type { ClientOptions, MaeClient } from '../../worker/mae-client.ts';
import type { CompareResult, ProviderRequest } from '../../worker/messages.ts';
import type { CompareEntry, ImportedEntry } from './compare-entry.ts';
import { parseZooIndex, type ZooIndex } from './zoo-index.ts';

export type CompareStatus = 'closed' | 'loading' | 'running' | 'done' | 'error';

export interface CompareModel {
  entry: CompareEntry;
  status: 'loading' | 'running' | 'done' | 'error';
  error: string | null;
  result: CompareResult | null;
  /** the encoder's patch features as an RGB picture (first three principal components) */
  featureMap: RgbaImage | null;
}

export interface CompareState {
  status: CompareStatus;
  message: string | null;
  rowId: string | null;
  maskRatio: number;
  seed: number;
  zoo: ZooIndex | null;
  models: CompareModel[];
}

export const useCompareStore = create<CompareState>()(() => ({
  status: 'closed',
  message: null,
  rowId: null,
  maskRatio: 0.75,
  seed: 0,
  zoo: null,
  models: [],
}));

const BASE = import.meta.env.BASE_URL;

export class CompareController {
  private clients = new Map<string, MaeClient>();
  /** Per model: its patch-grid side, from the manifest its worker loaded (not from zoo.json). */
  private ready = new Map<string, Promise<number>>();
  private decodedRow = new Map<string, string>();
  /** Per model: its crashes (CrashPolicy); a model that crashed too often is not restarted until the view closes. */
  private crashes = new Map<string, CrashPolicy>();
  private givenUp = new Set<string>();
  /** Bumped by close(): anything started in an earlier session drops its answers. */
  private session = 0;
  /** Bumped by every run: only the newest run's answers are shown. */
  private generation = 0;

  constructor(
    /** A new worker's client (ModelSession.newClient: every worker of the page comes from there). */
    private readonly newClient: (options: ClientOptions) => MaeClient,
    private readonly rowBlob: (rowId: string) => Promise<Blob> | null,
    private readonly provider: () => ProviderRequest,
    /** The page's model when it was imported from a weights file (it joins the zoo's cards), else null. */
    private readonly importedModel: () => ImportedEntry | null = () => null,
  ) {}

  /** The zoo's models, and the imported model (e.g. the official ViT-L) after them. */
  private entries(zoo: ZooIndex): CompareEntry[] {
    const imported = this.importedModel();
    return imported ? [...zoo.models, imported] : zoo.models;
  }

  private set(patch: Partial<CompareState>): void {
    useCompareStore.setState(patch);
  }

  private setModel(id: string, patch: Partial<CompareModel>): void {
    useCompareStore.setState((s) => ({ models: s.models.map((m) => (m.entry.id === id ? { ...m, ...patch } : m)) }));
  }

  /** Opens (or re-targets) the view on a row. `seed` starts the view's own mask seed (the page's seed). */
  async open(rowId: string, seed?: number): Promise<void> {
    const session = this.session;
    const state = useCompareStore.getState();
    this.set({ rowId, status: 'loading', message: null, ...(seed !== undefined && state.status === 'closed' ? { seed } : {}) });
    let zoo = state.zoo;
    if (!zoo) {
      try {
        const res = await fetch(`${BASE}models/zoo.json`);
        if (!res.ok) throw new Error(`models/zoo.json: HTTP ${res.status}`);
        zoo = parseZooIndex(await res.json());
      } catch (e) {
        if (session === this.session) this.set({ status: 'error', message: `The model zoo could not be listed: ${errorText(e)}` });
        return;
      }
      if (session !== this.session) return; // closed while listing
      this.set({ zoo });
    }
    // The list of cards: the zoo's, plus the imported model if there is one now (kept if unchanged).
    const entries = this.entries(zoo);
    const shown = useCompareStore.getState().models;
    if (shown.length !== entries.length || shown.some((m, i) => m.entry.id !== entries[i].id)) {
      this.set({
        models: entries.map(
          (entry) =>
            shown.find((m) => m.entry.id === entry.id) ?? {
              entry,
              status: 'loading',
              error: null,
              result: null,
              featureMap: null,
            },
        ),
      });
    }
    await this.run(); // starts the models' workers
  }

  /** New ratio or seed: run every model again (older answers are dropped when they arrive). */
  setMask(maskRatio: number, seed: number): void {
    this.set({ maskRatio, seed });
    if (useCompareStore.getState().status !== 'closed') void this.run();
  }

  close(): void {
    this.session += 1;
    this.generation += 1;
    for (const c of this.clients.values()) c.terminate();
    this.clients.clear();
    this.ready.clear();
    this.decodedRow.clear();
    this.crashes.clear();
    this.givenUp.clear();
    this.set({
      status: 'closed',
      message: null,
      models: useCompareStore.getState().models.map((m) => ({ ...m, status: 'loading', result: null, featureMap: null, error: null })),
    });
  }

  private ensureClient(entry: CompareEntry): void {
    if (this.clients.has(entry.id) || this.givenUp.has(entry.id)) return;
    // A client's callbacks only count while it is still this model's client (not after close()).
    const current = (): boolean => this.clients.get(entry.id) === client;
    const client: MaeClient = this.newClient({
      onCrash: (msg) => {
        if (!current()) return;
        this.clients.delete(entry.id); // the next run starts a fresh worker for it
        this.ready.delete(entry.id);
        this.decodedRow.delete(entry.id);
        const policy = this.crashes.get(entry.id) ?? new CrashPolicy();
        this.crashes.set(entry.id, policy);
        const crashes = policy.record(Date.now());
        if (CrashPolicy.givesUp(crashes)) {
          this.givenUp.add(entry.id);
          this.setModel(entry.id, {
            status: 'error',
            error: `The worker for this model crashed ${crashes} times in a minute (last: ${msg}); stopped restarting it.`,
          });
        } else {
          this.setModel(entry.id, { status: 'error', error: `The worker for this model crashed (${msg}); the next run restarts it.` });
        }
      },
    });
    this.clients.set(entry.id, client);
    // The contract guarantees imgSize is a whole number of patches, so this is the grid side.
    // A zoo model is small (one WASM thread); an imported one is read from the user's file again here.
    const side = client
      .load(
        entry.kind === 'imported' ? entry.id : `${BASE}models/${entry.id}/`,
        this.provider(),
        {},
        entry.kind === 'imported' ? { local: entry.local } : { wasmThreads: 1 },
      )
      .then((r) => r.manifest.imgSize / r.manifest.patchSize);
    side.catch((e: unknown) => {
      if (current()) this.setModel(entry.id, { status: 'error', error: `Could not load ${entry.id}: ${errorText(e)}` });
    });
    this.ready.set(entry.id, side);
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    const { rowId, maskRatio, seed, zoo } = useCompareStore.getState();
    if (!zoo) return;
    if (!rowId) {
      this.set({ status: 'error', message: 'Pick an image to compare.' });
      return;
    }
    const blobPromise = this.rowBlob(rowId);
    if (!blobPromise) {
      this.set({ status: 'error', message: 'That image is no longer in the grid: pick another.' });
      return;
    }
    this.set({ status: 'running', message: null });
    try {
      const entries = this.entries(zoo);
      for (const entry of entries) this.ensureClient(entry); // restarts crashed ones
      const blob = await blobPromise;
      // The shared mask needs every model's grid; a model that failed to load drops out of it.
      const sides = await Promise.all(
        entries.map((e) => (this.ready.get(e.id) ?? Promise.reject(new Error('no worker'))).catch(() => null)),
      );
      if (gen !== this.generation) return;
      let live = entries
        .map((entry, i) => ({ entry, side: sides[i] }))
        .filter((m): m is { entry: CompareEntry; side: number } => m.side !== null);
      // An imported model joins only if its grid nests with the zoo's (ViT-B/L/16 at 224 px: 14x14 does;
      // ViT-H/14: 16x16 does not), so that every card hides the same pixels.
      const zooSides = live.filter((m) => m.entry.kind === 'zoo').map((m) => m.side);
      const coarsest = zooSides.length > 0 ? Math.min(...zooSides) : null;
      const misfits = live.filter((m) => m.entry.kind === 'imported' && coarsest !== null && m.side % coarsest !== 0);
      for (const m of misfits) {
        this.setModel(m.entry.id, {
          status: 'error',
          error: `Its ${m.side}×${m.side} patch grid does not line up with the zoo's ${coarsest}×${coarsest}, so it cannot hide the same pixels here.`,
        });
      }
      live = live.filter((m) => !misfits.includes(m));
      if (live.length === 0) throw new Error('no zoo model could be loaded');
      const masks = sharedMasks(
        live.map((m) => m.side),
        maskRatio,
        seed,
      );
      await Promise.all(live.map(({ entry, side }, i) => this.runModel(gen, entry, side, rowId, blob, masks[i])));
    } catch (e) {
      if (gen === this.generation) this.set({ status: 'error', message: `The comparison failed: ${errorText(e)}` });
      return;
    }
    if (gen === this.generation) {
      const models = useCompareStore.getState().models;
      this.set({ status: models.every((m) => m.status === 'error') ? 'error' : 'done' });
    }
  }

  private async runModel(gen: number, entry: CompareEntry, side: number, rowId: string, blob: Blob, hidden: Uint8Array): Promise<void> {
    const client = this.clients.get(entry.id);
    if (!client) return;
    try {
      if (this.decodedRow.get(entry.id) !== rowId) {
        const previous = this.decodedRow.get(entry.id);
        if (previous) client.forget(previous);
        await client.decode(rowId, rowId, blob);
        this.decodedRow.set(entry.id, rowId);
      }
      if (gen !== this.generation) return;
      this.setModel(entry.id, { status: 'running' });
      const result = await client.compare(rowId, hidden);
      if (gen !== this.generation) return;
      const featureMap = featureMapImage(pcaColours(result.features, result.numPatches, result.dim), side, entry.patchSize);
      this.setModel(entry.id, { status: 'done', result, featureMap, error: null });
    } catch (e) {
      if (gen === this.generation) this.setModel(entry.id, { status: 'error', error: errorText(e) });
    }
  }
}

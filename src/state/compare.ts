/**
 * The compare view: one image and one mask through every model of the zoo (models/zoo.json), side by
 * side, with each model's encoder features as a colour map. Each zoo model gets its own worker (they
 * are small: ~13 MB each, one WASM thread), created when the view opens and ended when it closes.
 * Stale answers (the ratio moved on) are dropped by a generation counter.
 */
import { create } from 'zustand';
import { gridSide, pcaColours, sharedMasks, type RgbaImage } from '../mae/index.ts';
import { MaeClient } from '../worker/mae-client.ts';
import type { CompareResult, ProviderRequest } from '../worker/messages.ts';
import { parseZooIndex, type ZooEntry, type ZooIndex } from './zoo-index.ts';

export type CompareStatus = 'closed' | 'loading' | 'running' | 'done' | 'error';

export interface CompareModel {
  entry: ZooEntry;
  status: 'loading' | 'running' | 'done' | 'error';
  error: string | null;
  result: CompareResult | null;
  /** the encoder's patch features as an RGB picture (first three principal components) */
  featureMap: RgbaImage | null;
  /** the hidden mask this model got (1 = hidden), for tests: the same pixels for every model */
  hidden: Uint8Array | null;
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

/** The patch-feature colours blown up to the model's image size: one flat square per patch. */
export function featureMapImage(rgb: Uint8ClampedArray, side: number, patchSize: number): RgbaImage {
  const size = side * patchSize;
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = Math.floor(y / patchSize) * side + Math.floor(x / patchSize);
      const o = (y * size + x) * 4;
      data[o] = rgb[p * 3];
      data[o + 1] = rgb[p * 3 + 1];
      data[o + 2] = rgb[p * 3 + 2];
      data[o + 3] = 255;
    }
  }
  return { width: size, height: size, data };
}

export class CompareController {
  private clients = new Map<string, MaeClient>();
  private ready = new Map<string, Promise<void>>();
  private decodedRow = new Map<string, string>();
  private generation = 0;

  constructor(
    private readonly rowBlob: (rowId: string) => Promise<Blob> | null,
    private readonly provider: () => ProviderRequest,
  ) {}

  private set(patch: Partial<CompareState>): void {
    useCompareStore.setState(patch);
  }

  private setModel(id: string, patch: Partial<CompareModel>): void {
    useCompareStore.setState((s) => ({ models: s.models.map((m) => (m.entry.id === id ? { ...m, ...patch } : m)) }));
  }

  async open(rowId: string): Promise<void> {
    const state = useCompareStore.getState();
    this.set({ rowId, status: 'loading', message: null });
    let zoo = state.zoo;
    if (!zoo) {
      try {
        const res = await fetch(`${BASE}models/zoo.json`);
        if (!res.ok) throw new Error(`models/zoo.json: HTTP ${res.status}`);
        zoo = parseZooIndex(await res.json());
      } catch (e) {
        this.set({ status: 'error', message: `The model zoo could not be listed: ${e instanceof Error ? e.message : String(e)}` });
        return;
      }
      this.set({ zoo, models: zoo.models.map((entry) => ({ entry, status: 'loading', error: null, result: null, featureMap: null, hidden: null })) });
    }
    for (const entry of zoo.models) this.ensureClient(entry);
    await this.run();
  }

  /** New ratio or seed: run every model again (older answers are dropped when they arrive). */
  setMask(maskRatio: number, seed: number): void {
    this.set({ maskRatio, seed });
    if (useCompareStore.getState().status !== 'closed') void this.run();
  }

  close(): void {
    this.generation += 1;
    for (const c of this.clients.values()) c.terminate();
    this.clients.clear();
    this.ready.clear();
    this.decodedRow.clear();
    this.set({
      status: 'closed',
      message: null,
      models: useCompareStore.getState().models.map((m) => ({ ...m, status: 'loading', result: null, featureMap: null, hidden: null, error: null })),
    });
  }

  private ensureClient(entry: ZooEntry): void {
    if (this.clients.has(entry.id)) return;
    const client = new MaeClient(undefined, { onCrash: (msg) => this.setModel(entry.id, { status: 'error', error: `worker crashed: ${msg}` }) });
    this.clients.set(entry.id, client);
    const ready = client
      .load(`${BASE}models/${entry.id}/`, this.provider(), {}, { wasmThreads: 1 })
      .then(() => undefined);
    ready.catch((e: unknown) => this.setModel(entry.id, { status: 'error', error: `could not load: ${e instanceof Error ? e.message : String(e)}` }));
    this.ready.set(entry.id, ready);
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    const { rowId, maskRatio, seed, zoo } = useCompareStore.getState();
    if (!rowId || !zoo) return;
    const blobPromise = this.rowBlob(rowId);
    if (!blobPromise) {
      this.set({ status: 'error', message: 'That image is no longer in the grid.' });
      return;
    }
    this.set({ status: 'running' });
    let blob: Blob;
    try {
      blob = await blobPromise;
    } catch (e) {
      this.set({ status: 'error', message: `Could not read the image: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    const sides = zoo.models.map((m) => gridSide(m.numPatches));
    const masks = sharedMasks(sides, maskRatio, seed);
    await Promise.all(
      zoo.models.map(async (entry, i) => {
        const client = this.clients.get(entry.id);
        if (!client) return;
        try {
          await this.ready.get(entry.id);
          if (this.decodedRow.get(entry.id) !== rowId) {
            await client.decode(rowId, rowId, blob);
            this.decodedRow.set(entry.id, rowId);
          }
          if (gen !== this.generation) return;
          this.setModel(entry.id, { status: 'running' });
          const result = await client.compare(rowId, masks[i]);
          if (gen !== this.generation) return;
          const side = sides[i];
          const featureMap = featureMapImage(pcaColours(result.features, result.numPatches, result.dim), side, entry.patchSize);
          this.setModel(entry.id, { status: 'done', result, featureMap, hidden: masks[i], error: null });
        } catch (e) {
          if (gen !== this.generation) return;
          this.setModel(entry.id, { status: 'error', error: e instanceof Error ? e.message : String(e) });
        }
      }),
    );
    if (gen === this.generation) {
      const models = useCompareStore.getState().models;
      this.set({ status: models.every((m) => m.status === 'error') ? 'error' : 'done' });
    }
  }
}

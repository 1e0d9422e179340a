/**
 * The masking-ratio sweep of one row: its own small store (so sweep progress never re-renders the
 * grid) and the controller that runs it on the row pipeline.
 *
 * One sweep at a time: opening another, closing, or cancelling aborts the running one (the worker
 * stops before its next ratio). When the row is decoded again by a new worker (model or provider
 * switch, crash restart) an open sweep starts over with the model now active.
 */
import { create } from 'zustand';
import { imageSeed, type RgbaImage } from '../../mae/index.ts';
import { summarisePoint, sweepGridSeeds, sweepRatios, sweepTotal, type SweepPointSummary } from './sweep-stats.ts';
import { errorText } from '../../mae/error-text.ts';
import { isAbortError, isCrash } from '../../worker/mae-client.ts';
import type { SweepPoint } from '../../worker/messages.ts';
import { SweepSource, SweepUnavailableError, type ActiveWorker } from './sweep-source.ts';
import { useStore } from '../../state/store.ts';
import { rowWhole } from '../mask/mask-mode.ts';

export type SweepStatus = 'waiting' | 'running' | 'done' | 'cancelled' | 'error';

export interface SweepEntry {
  maskRatio: number;
  visible: number;
  numPatches: number;
  /** masked-patch MSE per seed, in the order of imageSeeds */
  mse: (number | null)[];
  summary: SweepPointSummary;
  /** the first seed's panels (the filmstrip) */
  masked: RgbaImage;
  reconstructionWithVisible: RgbaImage;
}

export interface SweepState {
  /** the row swept; null = no sweep panel open */
  rowId: string | null;
  imageName: string;
  modelName: string;
  trainMaskRatio: number | null;
  status: SweepStatus;
  /** reconstructions done / to do (ratios × seeds) */
  done: number;
  total: number;
  ratios: number[];
  /** page seeds: setting the page's seed to gridSeeds[k] reproduces seed k in the row */
  gridSeeds: number[];
  /** the per-image seeds the worker used */
  imageSeeds: number[];
  /** the page's strategy when it is a seeded one; paint sweeps random masks */
  strategy: 'random' | 'block' | 'grid';
  entries: SweepEntry[];
  error: string | null;
}

const CLOSED: SweepState = {
  rowId: null,
  imageName: '',
  modelName: '',
  trainMaskRatio: null,
  status: 'waiting',
  done: 0,
  total: 0,
  ratios: [],
  gridSeeds: [],
  imageSeeds: [],
  strategy: 'random',
  entries: [],
  error: null,
};

export const useSweep = create<SweepState>()(() => ({ ...CLOSED }));

/** Opens, restarts, cancels and closes the sweep panel; one per page (Engine.sweep). */
export class SweepController {
  private running: AbortController | null = null;
  /** The row's decode the current sweep ran on: a new one means a new worker (model). */
  private decodeSeen: unknown = null;
  private unwatch: (() => void) | null = null;

  /** Where the sweeps run (the active worker). */
  readonly source: SweepSource;

  constructor(session: ActiveWorker) {
    this.source = new SweepSource(session);
  }

  /** Opens (or restarts) the sweep panel for a row. */
  open(rowId: string): void {
    this.watch(rowId);
    this.start(rowId);
  }

  /** Stops the sweep and keeps what it found so far. */
  cancel(): void {
    if (!this.running) return;
    this.abortRunning();
    useSweep.setState({ status: 'cancelled' });
  }

  close(): void {
    this.abortRunning();
    this.decodeSeen = null;
    this.stopWatching();
    useSweep.setState({ ...CLOSED });
  }

  /** The page goes away (Engine.stop): nothing keeps running or listening. */
  dispose(): void {
    this.abortRunning();
    this.stopWatching();
  }

  private abortRunning(): void {
    const ac = this.running;
    this.running = null;
    ac?.abort();
  }

  private start(rowId: string): void {
    this.abortRunning();
    const s = useStore.getState();
    const row = s.rows.find((r) => r.id === rowId);
    if (!row) return;
    const ratios = sweepRatios();
    const gridSeeds = sweepGridSeeds(s.seed);
    const imageSeeds = gridSeeds.map((g) => imageSeed(g, row.seedIndex, s.sameMaskForAll));
    const strategy = s.maskStrategy === 'paint' ? 'random' : s.maskStrategy;
    const ac = new AbortController();
    this.running = ac;
    this.decodeSeen = row.decodeInfo;
    useSweep.setState({
      rowId,
      imageName: row.name,
      modelName: s.model.manifest?.name ?? '',
      trainMaskRatio: s.model.manifest?.trainMaskRatio ?? null,
      status: 'running',
      done: 0,
      total: sweepTotal(ratios.length, imageSeeds.length),
      ratios,
      gridSeeds,
      imageSeeds,
      strategy,
      entries: [],
      error: null,
    });
    const onPoint = (p: SweepPoint, done: number, total: number): void => {
      if (this.running !== ac) return;
      const entry: SweepEntry = {
        maskRatio: p.maskRatio,
        visible: p.visible,
        numPatches: p.numPatches,
        mse: p.mse,
        summary: summarisePoint({ maskRatio: p.maskRatio, mse: p.mse, baselineMse: p.baselineMse }),
        masked: p.masked,
        reconstructionWithVisible: p.reconstructionWithVisible,
      };
      useSweep.setState((st) => ({ done, total, entries: [...st.entries, entry] }));
    };
    // the row as shown: its whole photo when whole photos are on
    const whole = rowWhole(s, row) !== null;
    this.source.run(rowId, { ratios, seeds: imageSeeds, strategy, ...(whole ? { whole } : {}) }, onPoint, ac.signal).then(
      (r) => {
        if (this.running !== ac) return;
        this.running = null;
        useSweep.setState({ status: r.cancelled ? 'cancelled' : 'done' });
      },
      (e: unknown) => {
        if (this.running !== ac) return; // we aborted it ourselves
        this.running = null;
        if (e instanceof SweepUnavailableError) {
          useSweep.setState({ status: 'error', error: e.message });
          return;
        }
        // The worker went away (model switch, crash) or the row is not decoded yet: the row's next
        // decode starts the sweep again (see watch), unless that decode will never come.
        if (isAbortError(e) || isCrash(e)) {
          const blocker = this.source.blocker(rowId);
          useSweep.setState(blocker ? { status: 'error', error: blocker } : { status: 'waiting' });
          return;
        }
        useSweep.setState({ status: 'error', error: `The sweep failed: ${errorText(e)}` });
      },
    );
  }

  /**
   * Follows the swept row and the model's phase (a selector: not every row update): closes the
   * sweep with its row, starts it again on the row's next decode, and turns a waiting sweep into an
   * error when that decode will not come (the row or the model failed); a later decode (Retry)
   * still starts it again.
   */
  private watch(rowId: string): void {
    this.stopWatching();
    this.unwatch = useStore.subscribe(
      (s) => ({ row: s.rows.find((r) => r.id === rowId), phase: s.model.phase }),
      ({ row }) => {
        if (useSweep.getState().rowId !== rowId) return;
        if (!row) {
          this.close(); // the row was removed
          return;
        }
        if (row.decodeInfo && row.decodeInfo !== this.decodeSeen) {
          this.start(rowId);
          return;
        }
        if (useSweep.getState().status === 'waiting') {
          const blocker = this.source.blocker(rowId);
          if (blocker) useSweep.setState({ status: 'error', error: blocker });
        }
      },
      { equalityFn: (a, b) => a.row === b.row && a.phase === b.phase },
    );
  }

  private stopWatching(): void {
    const off = this.unwatch;
    this.unwatch = null;
    off?.();
  }
}

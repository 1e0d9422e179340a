/**
 * The app's composition root: the model session (which worker answers, model lifecycle, crash
 * policy), the row pipeline (files → decode → reconstruct), and the feature controllers (sweep,
 * compare), created once per page and reached from components through EngineContext. The methods
 * below are the few the shell's components call.
 */
import { CompareController } from '../features/compare/compare-controller.ts';
import { importedEntry, type ImportedEntry } from '../features/compare/compare-entry.ts';
import { RowPipeline, type RowSources } from '../features/grid/row-pipeline.ts';
import type { PickedFile } from '../features/models/model-files.ts';
import { ModelSession, type SessionOptions } from '../features/models/model-session.ts';
import { SweepController } from '../features/sweep/sweep-controller.ts';
import type { WorkerFactory } from '../worker/mae-client.ts';
import type { ProviderRequest } from '../worker/messages.ts';
import { useStore } from './store.ts';

/** The page's imported model as a compare-view card (no training numbers: it was not trained here). */
function importedCard(session: ModelSession): ImportedEntry | null {
  const active = session.activeImport();
  const m = useStore.getState().model.manifest;
  return active && m ? importedEntry(active.url, active.local, m) : null;
}

export type EngineOptions = Omit<SessionOptions, 'workerFactory'> & RowSources;

export class Engine {
  readonly session: ModelSession;
  readonly rows: RowPipeline;
  readonly sweep: SweepController;
  readonly compare: CompareController;

  /** `workerFactory`: where the page's workers come from (src/app/worker-factory.ts; tests pass fakes). */
  constructor(options: EngineOptions, workerFactory: WorkerFactory) {
    this.session = new ModelSession({ ...options, workerFactory });
    this.rows = new RowPipeline(this.session, options);
    this.session.onTakeOver = () => this.rows.decodeAll();
    this.sweep = new SweepController(this.session);
    this.compare = new CompareController(
      (clientOptions) => this.session.newClient(clientOptions),
      (id) => this.rows.rowBlob(id),
      () => this.session.requestedProvider,
      () => importedCard(this.session),
    );
  }

  start(): void {
    this.rows.listen();
    this.session.start();
    void this.rows.addSamples();
  }

  stop(): void {
    this.rows.stop();
    this.sweep.dispose();
    this.compare.close();
    this.session.stop();
  }

  addFiles(files: Iterable<File>): void {
    this.rows.addFiles(files);
  }

  removeRow(id: string): void {
    this.rows.removeRow(id);
  }

  setProvider(provider: ProviderRequest): void {
    this.session.setProvider(provider);
  }

  switchModel(id: string): void {
    this.session.switchModel(id);
  }

  loadLocalModel(files: readonly PickedFile[]): void {
    this.session.loadLocalModel(files);
  }

  retryModel(): void {
    this.session.retryModel();
  }
}

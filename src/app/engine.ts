/**
 * The page's composition root: the model session (which worker answers, model lifecycle, crash
 * policy), the row pipeline (files → decode → reconstruct), and the feature controllers (sweep,
 * compare), created once per page and wired to each other here. Components reach them through the
 * contexts each feature declares (e.g. features/models/model-actions.ts), which PageProviders.tsx
 * fills from this engine.
 */
import { CameraController } from '../features/camera/camera-controller.ts';
import { CompareController } from '../features/compare/compare-controller.ts';
import { importedEntry, type ImportedEntry } from '../features/compare/compare-entry.ts';
import { RowPipeline, type RowSources } from '../features/grid/row-pipeline.ts';
import { ModelSession, type SessionOptions } from '../features/models/model-session.ts';
import { SweepController } from '../features/sweep/sweep-controller.ts';
import type { WorkerFactory } from '../worker/mae-client.ts';
import { useStore } from '../state/store.ts';

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
  readonly camera: CameraController;

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
    this.camera = new CameraController({ client: () => this.session.current, addFiles: (files) => this.rows.addFiles(files) });
  }

  start(): void {
    this.rows.listen();
    this.session.start();
    void this.rows.addSamples();
  }

  stop(): void {
    this.camera.stop();
    this.rows.stop();
    this.sweep.dispose();
    this.compare.close();
    this.session.stop();
  }
}

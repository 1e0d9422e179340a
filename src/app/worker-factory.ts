/**
 * The page's MAE worker (src/app/mae-worker.ts): every worker of the page is made from this
 * factory (the model session's newClient), so the bundler sees the worker's entry here, in the
 * app layer that assembles it.
 */
import type { WorkerFactory } from '../worker/mae-client.ts';

export const maeWorker: WorkerFactory = () =>
  new Worker(new URL('./mae-worker.ts', import.meta.url), { type: 'module', name: 'mae-worker' });

/**
 * Page side of the offline feature: registers /sw.js (production builds only: the dev server's hot
 * reloading and a cache-first worker do not mix), reports progress in useOfflineStore, and applies a
 * waiting update when the person asks (skip-waiting, then one reload once the new worker controls).
 */
import { errorText } from '../../mae/error-text.ts';
import { useOfflineStore } from './offline-store.ts';

let registration: ServiceWorkerRegistration | null = null;
let reloadOnControllerChange = false;

const set = useOfflineStore.setState;

/** Follows one worker through installing -> installed -> activated. */
function track(worker: ServiceWorker): void {
  const onState = (): void => {
    if (worker.state === 'installed' && navigator.serviceWorker.controller) {
      // An older version controls this page: the new one waits until the person reloads.
      set({ updateReady: true });
    } else if (worker.state === 'activated') {
      set({ status: 'ready' });
    } else if (worker.state === 'redundant' && useOfflineStore.getState().status === 'installing') {
      set({ status: 'failed', error: 'storing the app for offline use did not finish (storage full or a file failed to load)' });
    }
  };
  worker.addEventListener('statechange', onState);
  onState();
}

export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloadOnControllerChange) window.location.reload();
  });
  try {
    set({ status: navigator.serviceWorker.controller ? 'ready' : 'installing' });
    registration = await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
    if (registration.waiting && navigator.serviceWorker.controller) set({ updateReady: true });
    if (registration.installing) track(registration.installing);
    else if (registration.active && !navigator.serviceWorker.controller) set({ status: 'ready' });
    registration.addEventListener('updatefound', () => {
      if (registration?.installing) track(registration.installing);
    });
  } catch (err) {
    set({ status: 'failed', error: errorText(err) });
  }
}

/** Activates the waiting version; the page reloads once it has taken over. */
export function applyUpdate(): void {
  const waiting = registration?.waiting;
  if (!waiting) return;
  reloadOnControllerChange = true;
  waiting.postMessage({ type: 'skip-waiting' });
}

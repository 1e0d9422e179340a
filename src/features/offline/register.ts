/**
 * Page side of the offline feature: registers sw.js beside index.html, scoped to the app's folder
 * (production builds only: the dev server's hot reloading and a cache-first worker do not mix),
 * reports progress in useOfflineStore, and applies a waiting update when the person asks
 * (skip-waiting, then one reload once the new worker controls).
 *
 * It also gains cross-origin isolation where the host sends no headers: once the service worker
 * (which adds COOP/COEP) controls a page that is not isolated, the page reloads once (isolation.ts
 * decides: never in a loop, never over the person's own images); otherwise it records why not.
 */
import { pageAppBase } from '../../app-base.ts';
import { errorText } from '../../mae/error-text.ts';
import { useStore } from '../../state/store.ts';
import { modelIdOf } from '../../mae/model-index.ts';
import { isolationStep, readReloadMark, WHY, writeReloadMark } from './isolation.ts';
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

/** A reload now would lose what the person added: their photos, or a model from their disk or the hub. */
function wouldLoseWork(): boolean {
  const s = useStore.getState();
  const url = s.model.activeUrl ?? s.model.loadingUrl;
  return s.rows.some((r) => r.origin === 'upload') || s.uploads !== null || (url !== null && modelIdOf(url) === null);
}

/** Reloads once for isolation, or records why the page stays as it is (the thread badge shows it). */
function isolate(workerActive: boolean): void {
  const step = isolationStep({
    isolated: window.crossOriginIsolated,
    // An active worker that does not control this load (a hard reload bypasses it) will on a plain one.
    controlled: navigator.serviceWorker.controller !== null || workerActive,
    alreadyReloaded: readReloadMark(),
    wouldLoseWork: wouldLoseWork(),
  });
  if (step.reload) {
    if (writeReloadMark(true)) window.location.reload();
    else set({ isolationWhy: WHY.noMark });
    return;
  }
  set({ isolationWhy: step.why });
}

export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD) return;
  if (window.crossOriginIsolated) writeReloadMark(false);
  if (!('serviceWorker' in navigator)) {
    if (!window.crossOriginIsolated) set({ isolationWhy: WHY.noServiceWorker });
    return;
  }
  // This page is the fallback reload of an update: should the new version take over only now, reload into it.
  if (markUpdating(false)) reloadOnControllerChange = true;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloadOnControllerChange) reloadOnce();
    else isolate(true);
  });
  try {
    set({ status: navigator.serviceWorker.controller ? 'ready' : 'installing' });
    const base = pageAppBase();
    registration = await navigator.serviceWorker.register(new URL('sw.js', base), { scope: base });
    isolate(registration.active !== null);
    if (registration.waiting && navigator.serviceWorker.controller) set({ updateReady: true });
    if (registration.installing) track(registration.installing);
    else if (registration.active && !navigator.serviceWorker.controller) set({ status: 'ready' });
    registration.addEventListener('updatefound', () => {
      if (registration?.installing) track(registration.installing);
    });
  } catch (err) {
    set({ status: 'failed', error: errorText(err) });
    if (!window.crossOriginIsolated) set({ isolationWhy: `the service worker that would isolate the page failed: ${errorText(err)}` });
  }
}

let reloading = false;

/** The reload into the new version: once, whichever sign of the takeover comes first. */
function reloadOnce(): void {
  if (reloading) return;
  reloading = true;
  window.location.reload();
}

const UPDATING = 'mae-playground:update-reload';

/** Set before the fallback reload of applyUpdate; read (and cleared) by the next page. */
function markUpdating(on: boolean): boolean {
  try {
    const was = sessionStorage.getItem(UPDATING) === '1';
    if (on) sessionStorage.setItem(UPDATING, '1');
    else sessionStorage.removeItem(UPDATING);
    return was;
  } catch {
    return false;
  }
}

/**
 * Activates the waiting version; the page reloads once it has taken over. Asked again every 2 s,
 * then by a reload: Chromium sometimes leaves the waiting worker parked after skipWaiting with no
 * event of ours in flight (seen in e2e/pages.spec.ts, the first update of a browser session:
 * "Reload" did nothing for minutes), and a navigation lets it take over.
 */
export function applyUpdate(): void {
  const waiting = registration?.waiting;
  if (!waiting) return;
  reloadOnControllerChange = true;
  // The new version active is enough to reload into it, should the controllerchange event not come.
  waiting.addEventListener('statechange', () => {
    if (waiting.state === 'activated' || waiting.state === 'redundant') reloadOnce();
  });
  let asked = 0;
  const ask = (): void => {
    // Redundant: the new version failed after all (or a newer one replaced it); the person asked for a
    // reload, so they get one, into whatever version is active now.
    if (waiting.state === 'activated' || waiting.state === 'redundant') {
      reloadOnce();
      return;
    }
    // Still parked after 6 s (Chromium: skipWaiting alone did not move it, a navigation does): reload;
    // the next page reloads once more should the new version take over only after it loaded.
    if (asked >= 3) {
      markUpdating(true);
      reloadOnce();
      return;
    }
    asked += 1;
    waiting.postMessage({ type: 'skip-waiting' });
    setTimeout(ask, 2000);
  };
  ask();
}

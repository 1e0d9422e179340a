/**
 * Cross-origin isolation gained through our own service worker (service-worker.ts adds COOP/COEP/CORP
 * to what it serves): the decision to reload once, written apart from the browser so it can be tested.
 *
 * The page reloads at most once per tab session (a sessionStorage mark) and never while the person's
 * own images or model would be lost; when the reload did not bring isolation, it says why instead of
 * trying again. Hosts that send the headers themselves are isolated from the first load: no reload.
 */

/** What the page knows when its service worker takes over, or at start. */
export interface IsolationFacts {
  isolated: boolean;
  /** A service worker controls this page (its responses carry the headers). */
  controlled: boolean;
  /** This tab already reloaded once for isolation (null: the mark cannot be read or written). */
  alreadyReloaded: boolean | null;
  /** The person added something a reload would lose (their photos, a model from their disk). */
  wouldLoseWork: boolean;
}

export type IsolationStep = { reload: true } | { reload: false; why: string | null };

export const WHY = {
  noServiceWorker: 'this browser runs no service worker here (private window or blocked), so the page cannot isolate itself',
  refused: 'the browser did not isolate the page even with the service worker’s headers',
  noMark: 'the page cannot keep a note in sessionStorage, so it does not reload itself to gain isolation',
  keptWork: 'reload the page to use every core (it did not reload itself, so your images stay)',
  waiting: 'first visit: the page reloads once, when its offline copy is stored, to use every core',
} as const;

/** Reload now, or stay and say why the page is (still) not isolated. */
export function isolationStep(f: IsolationFacts): IsolationStep {
  if (f.isolated) return { reload: false, why: null };
  if (!f.controlled) return { reload: false, why: WHY.waiting };
  if (f.alreadyReloaded === null) return { reload: false, why: WHY.noMark };
  if (f.alreadyReloaded) return { reload: false, why: WHY.refused };
  if (f.wouldLoseWork) return { reload: false, why: WHY.keptWork };
  return { reload: true };
}

const MARK = 'mae-playground:isolation-reload';

/** Whether this tab already reloaded for isolation; null when sessionStorage is unusable. */
export function readReloadMark(): boolean | null {
  try {
    return sessionStorage.getItem(MARK) === '1';
  } catch {
    return null;
  }
}

/** Sets (before the reload) or clears (once isolated, so a later need may reload again) the mark. */
export function writeReloadMark(on: boolean): boolean {
  try {
    if (on) sessionStorage.setItem(MARK, '1');
    else sessionStorage.removeItem(MARK);
    return true;
  } catch {
    return false;
  }
}

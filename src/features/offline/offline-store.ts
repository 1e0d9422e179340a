import { create } from 'zustand';

/**
 * What the page knows about its service worker. `ready`: this page and the bundled default model
 * are stored on the device (a second visit works with no network). `updateReady`: a new deployment
 * is installed and waits for the person to reload.
 */
export type OfflineStatus = 'off' | 'installing' | 'ready' | 'failed';

export interface OfflineState {
  status: OfflineStatus;
  updateReady: boolean;
  error: string | null;
  /**
   * Why the page is not cross-origin isolated, as far as the page knows (service workers off, the
   * first visit before its one reload, a browser that refuses); null when it is, or not known.
   */
  isolationWhy: string | null;
}

export const useOfflineStore = create<OfflineState>(() => ({ status: 'off', updateReady: false, error: null, isolationWhy: null }));

/**
 * Where the app lives, as an absolute URL ending in "/". The build uses a relative base (vite.config.ts
 * `base: './'`), so one dist/ works at a host's root and under any sub-path; every URL of the app
 * (models/, ort/, samples/, sw.js) is relative to the folder of index.html, i.e. the page's own folder.
 *
 * Only the page can say so: a relative URL inside a worker resolves against the worker's script
 * (assets/…), not the page. The page therefore sends this base to the worker with each load
 * (LoadRequest.appBase) and the worker resolves model folders and onnxruntime's files against it.
 */
export function pageAppBase(): string {
  // Dev server: BASE_URL is "/"; build: "./", resolved against the page (its folder, its query ignored).
  return new URL(import.meta.env.BASE_URL, document.baseURI).href;
}

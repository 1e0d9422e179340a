/**
 * The service worker (served as /sw.js): makes a second visit work with the network gone.
 *
 * Not bundled with the app: vite.config.ts (offline/sw-build.ts) transpiles this file on `vite build`
 * and prepends the precache list it computed from the build output (PRECACHE: every app file, the
 * onnxruntime-web runtime files in /ort/ and the bundled default models, each with a content hash) and
 * VERSION (a hash of that list). A new deployment therefore changes sw.js byte for byte, the browser
 * installs it next to the running one, and the page offers a reload (register.ts); nothing has to be
 * cleared by hand.
 *
 * Written here rather than with Workbox: the whole job is one versioned cache, cache-first, plus the
 * skip-waiting handshake; the build already knows the file list, and the onnxruntime/model files are
 * copied in by our own plugin after the bundle, which a bundle-manifest generator would not see.
 *
 * Only same-origin GET requests are answered; anything else (a model download the person asked for)
 * goes straight to the network, untouched.
 */

declare const PRECACHE: readonly { url: string; revision: string }[];
declare const VERSION: string;

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE_PREFIX = 'mae-playground-';
const CACHE = `${CACHE_PREFIX}${VERSION}`;
const scopeUrl = new URL(sw.registration.scope);
/** The app shell served for every navigation inside the scope (the app is one page; ?model=... etc.). */
const SHELL = new URL('index.html', scopeUrl).href;

sw.addEventListener('install', (event) => {
  // cache: 'reload' bypasses the HTTP cache, so a new version never stores an old file.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((entry) => new Request(new URL(entry.url, scopeUrl), { cache: 'reload' })))),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      // The first install takes over the open page at once, so that page's later requests are served too.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'skip-waiting') {
    void sw.skipWaiting();
  }
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scopeUrl.origin) return; // never touch other origins (opt-in downloads)
  if (request.headers.has('range')) return; // partial content is not what the cache holds
  event.respondWith(respond(request));
});

async function respond(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  if (request.mode === 'navigate') {
    const shell = await cache.match(SHELL, { ignoreVary: true });
    if (shell) return shell;
    return fetch(request);
  }
  // ignoreVary: the server varies on Origin, and module scripts are requested with one (crossorigin)
  // while the precache requested them without.
  const hit = await cache.match(request, { ignoreVary: true });
  return hit ?? fetch(request);
}

export {};

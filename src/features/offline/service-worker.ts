/**
 * The service worker (served as sw.js beside index.html; its scope is that folder): makes a second visit work with the network gone.
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
 *
 * Cross-origin isolation without server headers: the page and the worker scripts this worker serves
 * carry COOP: same-origin, COEP: require-corp and CORP: same-origin (unless the host sent them), so
 * on a host that cannot send headers (GitHub Pages) the page, its worker and onnxruntime's thread
 * workers are crossOriginIsolated and WebAssembly runs on several threads (the pattern of
 * coi-serviceworker, written here). The first visit is not served by this worker yet: the page
 * reloads once when it takes over (register.ts). require-corp rather than credentialless: Safari
 * knows only require-corp, the dev and preview servers send it too, and the app loads nothing
 * cross-origin in no-cors mode; the hub download is a CORS fetch(), which require-corp allows.
 */

declare const PRECACHE: readonly { url: string; revision: string }[];
declare const VERSION: string;

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE_PREFIX = 'mae-playground-';
const CACHE = `${CACHE_PREFIX}${VERSION}`;
const scopeUrl = new URL(sw.registration.scope);
/** The app shell, served for a navigation to the app's page (the app is one page; ?model=... etc.). */
const SHELL = new URL('index.html', scopeUrl).href;

/** The headers that make the page and its workers cross-origin isolated (see the header comment). */
const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * `response` with the isolation headers added; an opaque or error response is passed on as is. Only
 * documents and worker scripts get them: those are what COOP/COEP govern (same-origin subresources
 * need no CORP under require-corp), and they are small. The body is handed over as a Blob, not piped
 * through a JavaScript stream: a stream the page never finishes reading keeps this worker busy, and
 * a busy worker holds back the activation of the next version ("Reload").
 */
async function withIsolation(response: Response): Promise<Response> {
  if (response.status === 0 || response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  const missing = Object.entries(ISOLATION_HEADERS).filter(([k]) => !response.headers.has(k));
  if (missing.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [k, v] of missing) headers.set(k, v);
  const init = { status: response.status, statusText: response.statusText, headers };
  return new Response(response.status === 204 || response.status === 304 ? null : await response.blob(), init);
}

/** Requests whose response decides whether a page or worker is cross-origin isolated. */
function isolates(request: Request): boolean {
  return request.mode === 'navigate' || request.destination === 'worker' || request.destination === 'sharedworker';
}

/** The app's page itself (the scope's folder or its index.html), whatever the query. */
function isAppPage(url: URL): boolean {
  return url.pathname === scopeUrl.pathname || url.href.split(/[?#]/)[0] === SHELL;
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // cache: 'reload' bypasses the HTTP cache, so a new version never stores an old file.
      await cache.addAll(PRECACHE.map((entry) => new Request(new URL(entry.url, scopeUrl), { cache: 'reload' })));
      // An older worker that pruned just as this one started (it could not see us yet) took our store
      // with it: fail the install rather than activate with nothing stored; the next update check retries.
      if (!(await caches.has(CACHE))) throw new Error(`the offline store ${CACHE} was removed while it was filled`);
    })(),
  );
});

/**
 * Deletes the stores of other versions of this app, unless a newer version is installing or waiting
 * beside this one (its store is among them). Run on activation and again on each navigation this
 * worker answers: the spec lets a worker become active although its activate handler was stopped
 * before it finished, and then the old store would stay for good (seen in e2e/pages.spec.ts: the new
 * version active and controlling, the old store still there minutes later).
 */
async function pruneOtherVersions(): Promise<void> {
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX) || name === CACHE) continue;
    if (sw.registration.installing || sw.registration.waiting) return;
    await caches.delete(name);
  }
}

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await pruneOtherVersions();
      // The first install takes over the open page at once, so that page's later requests are served too.
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'skip-waiting') {
    event.waitUntil(sw.skipWaiting());
  }
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scopeUrl.origin) return; // never touch other origins (opt-in downloads)
  if (request.headers.has('range')) return; // partial content is not what the cache holds
  event.respondWith(isolates(request) ? respond(request, url).then(withIsolation) : respond(request, url));
  if (request.mode === 'navigate') event.waitUntil(pruneOtherVersions());
});

/**
 * This version's stored copy of `request`, or the network's. caches.match with a cacheName, not
 * caches.open: open would create the store again should it have been pruned (a worker that is being
 * replaced may still answer a request after the new one deleted its store), and leave it for good.
 */
async function respond(request: Request, url: URL): Promise<Response> {
  // ignoreVary: the server varies on Origin, and module scripts are requested with one (crossorigin)
  // while the precache requested them without.
  const options = { cacheName: CACHE, ignoreVary: true };
  if (request.mode === 'navigate') {
    // Only the app's page gets the shell: another path inside the scope is what the host says (a
    // 404 on a static host), as without this worker, not the app at an address its URLs break under.
    const shell = isAppPage(url) ? await caches.match(SHELL, options) : undefined;
    if (shell) return shell;
    return fetch(request);
  }
  const hit = await caches.match(request, options);
  return hit ?? fetch(request);
}

export {};

// The smoke test every browser runs against the production build, through a small driver
// (firefox.mjs: WebDriver BiDi via puppeteer-core; webkit.mjs: WebDriver classic):
//   1. the first row reconstructs (four panels drawn, not blank),
//   2. the masking-ratio slider, moved with the keyboard, changes the reconstruction,
//   3. a real photo chosen in the file input adds a row that reconstructs,
//   4. the service worker controls the page and makes it cross-origin isolated (no server headers),
//   5. the badge is honest: the WASM thread count it shows equals what the runtime can really use,
//      computed here from independent signals (crossOriginIsolated, typeof SharedArrayBuffer, the
//      ?threads= asked for), and when it is 1 for lack of isolation or SharedArrayBuffer it says why.
// Waits are on conditions with generous limits (a slow browser on two shared cores takes seconds
// per image); the times are printed as observations, never asserted.

/** Threads asked for in the URL: the count the badge must show where WASM threads can run. */
export const THREADS_ASKED = 2;
const FIRST_ROW_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 180_000;

/**
 * Runs in the page (as a function body; WebDriver's execute and puppeteer both take it): what the
 * test reads, in one round trip. A panel's "sum" is a hash of its pixels (to see it change) and
 * "spread" their standard deviation (a blank or flat canvas has ~0).
 */
const READ_PAGE = `
  const panel = (row, key) => {
    const c = row.querySelector('canvas[data-panel="' + key + '"]');
    if (!c || c.width === 0 || c.height === 0) return null;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261, s = 0, s2 = 0;
    for (let i = 0; i < d.length; i++) {
      h = Math.imul(h ^ d[i], 16777619) >>> 0;
      if (i % 4 !== 3) { s += d[i]; s2 += d[i] * d[i]; }
    }
    const n = (d.length / 4) * 3;
    return { sum: h, spread: Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)) };
  };
  const rows = [...document.querySelectorAll('[data-testid="image-row"]')].map((r) => ({
    name: r.dataset.name,
    status: r.dataset.status,
    busy: r.dataset.busy === 'true',
    error: r.querySelector('[data-testid="row-error"]')?.textContent ?? null,
    masked: r.dataset.status === 'done' ? panel(r, 'masked') : null,
    reconstruction: r.dataset.status === 'done' ? panel(r, 'reconstruction') : null,
  }));
  const text = (id) => document.querySelector('[data-testid="' + id + '"]')?.textContent ?? null;
  return {
    rows,
    ratioLabel: text('ratio-label'),
    badge: text('provider-badge'),
    reason: text('provider-reason'),
    providerText: document.querySelector('[data-testid="provider-badge"]')?.parentElement?.textContent ?? null,
    crossOriginIsolated: self.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    serviceWorker: Boolean(navigator.serviceWorker && navigator.serviceWorker.controller),
    notice: text('notice'),
  };
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls the page until `test(state)` holds; errors while the page reloads (the service worker's
 * one reload for isolation) are retried. Throws with the last state seen when time runs out.
 */
async function waitFor(driver, what, test, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let last = null;
  let lastError = null;
  while (Date.now() < end) {
    try {
      last = await driver.run(READ_PAGE);
      lastError = null;
      const failed = last.rows.find((r) => r.status === 'error');
      if (failed) throw new Error(`row ${failed.name} failed: ${failed.error}`);
      if (test(last)) return last;
    } catch (e) {
      if (/ failed: /.test(String(e?.message))) throw e;
      lastError = e;
    }
    await sleep(250);
  }
  const seen = lastError ? `last error: ${lastError.message}` : `last seen: ${JSON.stringify(summarise(last))}`;
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; ${seen}`);
}

function summarise(state) {
  if (!state) return null;
  return { ...state, rows: state.rows.map((r) => `${r.name}:${r.status}${r.busy ? ':busy' : ''}`) };
}

/** A row whose four panels are drawn and not flat. */
const drawn = (row) =>
  row?.status === 'done' && !row.busy && row.reconstruction !== null && row.reconstruction.spread > 2 && row.masked !== null;

function check(ok, message) {
  if (!ok) throw new Error(message);
}

/**
 * The whole smoke test on one page load. Returns the observations (times, thread counts) for the
 * summary; throws an Error naming the step that failed.
 */
export async function smoke(driver, appUrl, photoPath) {
  const obs = {};
  try {
    return await steps(driver, appUrl, photoPath, obs);
  } catch (e) {
    // What was seen before the failure still goes into the log.
    e.observations = obs;
    throw e;
  }
}

async function steps(driver, appUrl, photoPath, obs) {
  const url = new URL(appUrl);
  url.searchParams.set('samples', '1');
  url.searchParams.set('threads', String(THREADS_ASKED));

  // 1. First row.
  const t0 = Date.now();
  await driver.goto(url.href);
  let state = await waitFor(driver, 'the first row to reconstruct', (s) => drawn(s.rows[0]), FIRST_ROW_TIMEOUT_MS);
  obs.firstRowSeconds = (Date.now() - t0) / 1000;
  const first = state.rows[0].name;
  const before = state.rows[0];

  // 2. Slider: End moves it to the top of its range (a key press, as a keyboard user would).
  const labelBefore = state.ratioLabel;
  await driver.key('[data-testid="ratio-slider"]', 'End');
  state = await waitFor(
    driver,
    'the slider to change the first row',
    (s) =>
      s.ratioLabel !== labelBefore &&
      drawn(s.rows[0]) &&
      s.rows[0].name === first &&
      s.rows[0].reconstruction.sum !== before.reconstruction.sum,
    STEP_TIMEOUT_MS,
  );
  check(
    state.rows[0].masked.sum !== before.masked.sum,
    `the slider (${labelBefore} -> ${state.ratioLabel}) changed the reconstruction but not the masked panel`,
  );
  obs.ratio = `${labelBefore.split(' ')[0]} -> ${state.ratioLabel.split(' ')[0]}`;

  // 3. Upload a real photo.
  const photoName = photoPath.split('/').pop();
  const rowsBefore = state.rows.length;
  await driver.upload('[data-testid="file-input"]', photoPath);
  await waitFor(driver, `a row for ${photoName}`, (s) => s.rows.some((r) => r.name === photoName), STEP_TIMEOUT_MS);
  // Rows below the fold wait until they are seen (lazy rows): look at it, as a person would.
  await driver.run(`document.querySelector('[data-testid="image-row"][data-name="${photoName}"]').scrollIntoView();`);
  state = await waitFor(
    driver,
    `the row for ${photoName} to reconstruct`,
    (s) => drawn(s.rows.find((r) => r.name === photoName)),
    STEP_TIMEOUT_MS,
  );
  check(state.rows.length === rowsBefore + 1, `expected ${rowsBefore + 1} rows after the upload, found ${state.rows.length}`);
  const uploaded = state.rows.find((r) => r.name === photoName);
  const sample = state.rows.find((r) => r.name === first);
  check(uploaded.reconstruction.sum !== sample?.reconstruction?.sum, `the uploaded photo shows the same reconstruction as ${first}`);

  // 4. The badge. WASM threads need SharedArrayBuffer, which needs cross-origin isolation.
  obs.crossOriginIsolated = state.crossOriginIsolated;
  obs.sharedArrayBuffer = state.sharedArrayBuffer;
  obs.serviceWorker = state.serviceWorker;
  // With no server headers, isolation comes from the app's service worker (one reload on the first
  // visit); both Firefox and WebKitGTK run it.
  check(state.serviceWorker, 'no service worker controls the page');
  check(state.crossOriginIsolated, 'the page is not cross-origin isolated (the service worker should add COOP/COEP)');
  obs.badge = `${state.badge} | ${state.reason}`;
  if (state.badge === 'WASM') {
    const canThread = state.crossOriginIsolated && state.sharedArrayBuffer;
    const expected = canThread ? THREADS_ASKED : 1;
    const shown = /(\d+)\s+threads?\b/.exec(state.providerText ?? '');
    check(shown !== null, `the badge shows no thread count: "${state.providerText}"`);
    obs.threads = Number(shown[1]);
    check(
      obs.threads === expected,
      `the badge says ${obs.threads} thread(s) but the runtime can use ${expected} (crossOriginIsolated=${state.crossOriginIsolated}, SharedArrayBuffer ${state.sharedArrayBuffer ? 'present' : 'missing'}, ?threads=${THREADS_ASKED}): "${state.providerText}"`,
    );
    if (!canThread) {
      const why = !state.crossOriginIsolated ? /isolat/i : /SharedArrayBuffer/;
      check(
        why.test(state.providerText ?? ''),
        `the badge says 1 thread but not why (expected it to match ${why}): "${state.providerText}"`,
      );
    }
  } else {
    // WebGPU (a browser with a GPU adapter): no WASM threads to judge.
    obs.threads = null;
  }
  return obs;
}

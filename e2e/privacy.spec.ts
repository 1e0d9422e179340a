/**
 * Reliability 5: privacy and safety, on the built site (`vite preview`).
 * - A whole session (load, uploads by picker / drop / paste, slider, seed, model switch and back,
 *   provider switch) makes requests to the page's own origin only: page, worker and its threads.
 * - The Content-Security-Policy is sent and lets the app run a reconstruction with no violation;
 *   a forbidden action (inline script, eval, a foreign fetch from the page or the worker) is blocked
 *   and reported, so "no violation" means something.
 * - File names and manifest text are shown as text, never as HTML.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { CSP_DIRECTIVES, CONTENT_SECURITY_POLICY, E2E_CONTENT_SECURITY_POLICY, E2E_HUB, HUB_HOSTS, cspDirectives } from '../vite.config.ts';
import { BASE_URL } from './config.ts';
import { FIXTURES, makePortraitPng, openMenu, RequestLog } from './helpers.ts';
import { fixtureModel, routeModelFolder, routeModelIndex, rows, settled } from './reliability-helpers.ts';

const ORIGIN = new URL(BASE_URL).origin;
const XSS_NAME = '<img src=x onerror=alert(1)>.png';

async function dropFile(page: Page, name: string, b64: string, paste = false): Promise<void> {
  await page.evaluate(
    ({ name, b64, paste }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'image/png' }));
      const ev = paste
        ? new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })
        : new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true });
      document.body.dispatchEvent(ev);
    },
    { name, b64, paste },
  );
}

test('privacy: a whole session (load, uploads, slider, seed, model switch and back) stays on the page origin', async ({ browser }) => {
  test.setTimeout(360_000);
  const context = await browser.newContext();
  const log = new RequestLog(context);
  const sockets: string[] = [];
  context.on('page', (p) => p.on('websocket', (ws) => sockets.push(ws.url())));
  await routeModelIndex(context, [
    { id: 'default', name: 'MAE ViT-Ti/16 (playground)' },
    { id: 'tiny-112', name: 'Tiny test MAE' },
  ]);
  await routeModelFolder(context, 'tiny-112', fixtureModel('tiny-112'));
  const page = await context.newPage();
  page.on('websocket', (ws) => sockets.push(ws.url()));

  await page.goto('/?samples=2');
  await settled(page);
  await page.getByTestId('file-input').setInputFiles([join(FIXTURES, 'my-tiger.jpg')]);
  const png = makePortraitPng().toString('base64');
  await dropFile(page, 'dropped.png', png);
  await dropFile(page, 'pasted.png', png, true);
  await expect(page.getByTestId('image-row')).toHaveCount(5);
  await settled(page);
  for (const v of ['0.5', '0.9', '0.3']) await page.getByTestId('ratio-slider').fill(v);
  await page.getByTestId('reroll').click();
  await settled(page);
  await openMenu(page, 'models');
  await page.getByTestId('model-select').selectOption('tiny-112');
  await expect(page.getByTestId('model-name')).toHaveText('Tiny test MAE (112 px, random weights)', { timeout: 120_000 });
  await settled(page);
  await page.getByTestId('model-select').selectOption('default');
  await expect(page.getByTestId('model-name')).toHaveText('MAE ViT-Ti/16 (playground)', { timeout: 120_000 });
  await settled(page);
  expect((await rows(page)).every((r) => r.status === 'done')).toBe(true);

  // The log saw the whole session: page, worker and onnxruntime's files, both models.
  for (const path of ['/models/default/encoder.onnx', '/models/tiny-112/encoder.onnx', '/models/index.json', '/samples/goldfinch.jpg']) {
    expect(
      log.urls.some((u) => new URL(u).pathname === path),
      path,
    ).toBe(true);
  }
  expect(log.urls.some((u) => /\/ort\/ort-wasm-simd-threaded(\.jsep)?\.wasm$/.test(u))).toBe(true);
  console.log(
    `[privacy] ${log.urls.length} requests in the session, ${log.foreign(ORIGIN).length} outside ${ORIGIN}, ${sockets.length} websockets`,
  );
  log.expectSameOrigin(ORIGIN);
  expect(sockets).toEqual([]);
  await context.close();
});

test('CSP: the built site sends a strict policy, runs under it with no violation, and a violation would be reported', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspSeen: string[] }).__cspSeen = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const headers = new Map<string, string | null>();
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/' || path.includes('mae-worker') || path.endsWith('.jsep.mjs') || path.endsWith('threaded.mjs')) {
      headers.set(path, r.headers()['content-security-policy'] ?? null);
    }
  });
  const res = await page.goto('/?samples=1&ep=wasm');
  // The test site runs the test build's policy: the stand-in hub's two origins instead of the real hub's hosts.
  expect(res?.headers()['content-security-policy']).toBe(E2E_CONTENT_SECURITY_POLICY);
  // The policy: nothing but this origin, except connect-src, which adds exactly the hub's hosts (the
  // opt-in download), and media-src, exactly blob: (a video file the person drops plays from an
  // object URL in the camera row); WebAssembly compilation, no eval, no inline code.
  expect(CSP_DIRECTIVES['media-src']).toBe('blob:');
  for (const policy of [CONTENT_SECURITY_POLICY, E2E_CONTENT_SECURITY_POLICY]) {
    const withoutConnect = policy.replace(/connect-src [^;]*;/, '').replace(/media-src blob:;/, '');
    expect(withoutConnect).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*|blob:/);
    expect(policy.replace(/media-src blob:;/, '')).not.toMatch(/'unsafe-inline'|'unsafe-eval'|blob:/);
  }
  // Exactly the hub and the subdomains of its two domains, where its redirects lead (hub-hosts.ts).
  expect(CSP_DIRECTIVES['connect-src']).toBe("'self' https://huggingface.co https://*.hf.co https://*.huggingface.co");
  expect([...HUB_HOSTS]).toEqual(['https://huggingface.co', 'https://*.hf.co', 'https://*.huggingface.co']);
  expect(cspDirectives('e2e')['connect-src']).toBe(`'self' ${E2E_HUB.base} ${E2E_HUB.cdn}`);
  expect(CSP_DIRECTIVES['script-src']).toBe("'self' 'wasm-unsafe-eval'");
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(meta).toContain("connect-src 'self'");

  await settled(page);
  const [row] = await rows(page);
  expect([row.status, row.provider]).toEqual(['done', 'wasm']);
  // The worker's script carries the policy too (a worker's CSP comes from its own response).
  const workerPaths = [...headers.keys()].filter((p) => p.includes('mae-worker'));
  expect(workerPaths.length).toBeGreaterThan(0);
  for (const p of workerPaths) expect(headers.get(p), p).toBe(E2E_CONTENT_SECURITY_POLICY);
  expect(await page.evaluate(() => (window as unknown as { __cspSeen: string[] }).__cspSeen)).toEqual([]);
  expect(await page.evaluate(() => window.__maeDebug!.cspViolations())).toEqual([]);

  // Now break the rules on purpose: each attempt is blocked and reported.
  // (From a timer: code run by page.evaluate itself is exempt from the eval check.)
  const evalResult = await page.evaluate(
    () =>
      new Promise<string>((resolve) =>
        setTimeout(() => {
          try {
            // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- the point: CSP must block this eval
            resolve(String(new Function('return 42')()));
          } catch (e) {
            resolve((e as Error).name);
          }
        }, 0),
      ),
  );
  expect(evalResult).toBe('EvalError');
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.head.appendChild(s);
  });
  expect(await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false)).toBe(false);
  await page.evaluate(() => fetch('https://example.com/collect').catch(() => 'blocked'));
  const worker = page.workers().find((w) => w.url().includes('mae-worker'));
  expect(worker).toBeDefined();
  await worker?.evaluate(() => fetch('https://example.com/from-worker').catch(() => 'blocked'));
  // (Each is reported once per policy in force: the header's and the <meta>'s.)
  await expect
    .poll(() => page.evaluate(() => [...new Set((window as unknown as { __cspSeen: string[] }).__cspSeen)].sort()))
    .toEqual(['connect-src https://example.com/collect', 'script-src eval', 'script-src-elem inline']);
  await expect
    .poll(() => page.evaluate(() => window.__maeDebug!.cspViolations().filter((v) => v.where === 'worker')))
    .toEqual([{ where: 'worker', directive: 'connect-src', blockedURI: 'https://example.com/from-worker' }]);
  console.log(`[csp] ${E2E_CONTENT_SECURITY_POLICY}`);
  await context.close();
});

test('names as text: a file named <img src=x onerror=alert(1)>.png and HTML in a manifest are shown, not run', async ({ browser }) => {
  test.setTimeout(240_000);
  const context = await browser.newContext();
  const evilName = '<img src=x onerror=alert(2)>';
  const evilDescription = '<script>alert(3)</script><b>bold</b>';
  await routeModelIndex(context, [
    { id: 'default', name: 'MAE ViT-Ti/16 (playground)' },
    { id: 'evil', name: '<img src=x onerror=alert(4)> evil' },
  ]);
  await routeModelFolder(context, 'evil', fixtureModel('tiny-112', { name: evilName, description: evilDescription }));
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('/?samples=0&ep=wasm');
  await expect(page.getByTestId('provider-badge')).toHaveText('WASM', { timeout: 120_000 });
  await page.getByTestId('file-input').setInputFiles([
    { name: XSS_NAME, mimeType: 'image/png', buffer: makePortraitPng() },
    { name: '<b>not bold</b>.jpg', mimeType: 'image/jpeg', buffer: readFileSync(join(FIXTURES, 'images', 'notes-text.jpg')) },
  ]);
  await settled(page);
  const xssRow = page.locator('[data-testid="image-row"]').filter({ hasText: XSS_NAME });
  await expect(xssRow).toHaveAttribute('data-status', 'done');
  await expect(xssRow.locator('.row-name')).toHaveText(XSS_NAME);
  await expect(page.getByTestId('row-error')).toHaveText('“<b>not bold</b>.jpg” is a text file, not an image.');
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('b', { hasText: 'not bold' })).toHaveCount(0);

  await openMenu(page, 'models');
  await expect(page.getByTestId('model-select').locator('option')).toHaveText([
    'MAE ViT-Ti/16 (playground)',
    '<img src=x onerror=alert(4)> evil',
  ]);
  await page.getByTestId('model-select').selectOption('evil');
  await expect(page.getByTestId('model-name')).toHaveText(evilName, { timeout: 120_000 });
  await settled(page);
  await page.getByText('What am I looking at?').click();
  await expect(page.getByTestId('model-description')).toContainText(`This model: ${evilName} — ${evilDescription}`);
  await expect(page.locator('img')).toHaveCount(0);
  await expect(page.locator('script:not([src])')).toHaveCount(0);
  await expect(page.locator('b', { hasText: 'bold' })).toHaveCount(0);
  expect(dialogs).toEqual([]);
  await context.close();
});

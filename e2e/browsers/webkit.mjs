// WebKitGTK: Debian's MiniBrowser (libwebkit2gtk-4.1-0) driven by WebKitWebDriver
// (webkit2gtk-driver) over WebDriver classic, in a window on an Xvfb display of its own.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/site-build.mjs';
import { waitReady, WebDriverSession } from './webdriver-client.mjs';

export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const XVFB = process.env.XVFB_PATH ?? '/usr/bin/Xvfb';

/** MiniBrowser lives in the library's folder, not on PATH: /usr/lib/<triplet>/webkit2gtk-4.1/. */
export function findMiniBrowser() {
  if (process.env.WEBKIT_BROWSER_PATH) return process.env.WEBKIT_BROWSER_PATH;
  const lib = '/usr/lib';
  const dirs = [
    lib,
    ...readdirSync(lib)
      .filter((d) => d.endsWith('-linux-gnu'))
      .map((d) => join(lib, d)),
  ];
  for (const d of dirs) {
    const p = join(d, 'webkit2gtk-4.1', 'MiniBrowser');
    if (existsSync(p)) return p;
  }
  return null;
}

/** Starts Xvfb on the first free display (-displayfd tells which) and resolves to ":N". */
function startXvfb(children) {
  return new Promise((resolve, reject) => {
    const x = spawn(XVFB, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    children.push(x);
    let out = '';
    let err = '';
    x.stderr.on('data', (d) => (err += d));
    x.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    x.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it started: ${err.trim().slice(-300)}`)));
    x.once('error', reject);
  });
}

/** Starts Xvfb, WebKitWebDriver and a MiniBrowser session; returns the smoke test's driver. */
export async function startWebKit() {
  const children = [];
  const stopAll = () => {
    for (const c of children.reverse()) if (c.exitCode === null) c.kill();
  };
  try {
    const display = await startXvfb(children);
    const port = await freePort();
    const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`], {
      env: { ...process.env, DISPLAY: display },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(driver);
    let driverLog = '';
    driver.stderr.on('data', (d) => (driverLog = (driverLog + d).slice(-2000)));
    driver.once('exit', (code) => {
      if (code) console.error(`browsers: WebKitWebDriver exited (${code}): ${driverLog.trim()}`);
    });
    const endpoint = `http://127.0.0.1:${port}`;
    await waitReady(endpoint);
    const session = await WebDriverSession.create(endpoint, {
      'webkitgtk:browserOptions': { binary: findMiniBrowser(), args: ['--automation'] },
      pageLoadStrategy: 'normal',
    });
    await session.cmd('POST', '/window/rect', { width: 1280, height: 900 }).catch(() => undefined);
    return {
      name: `WebKitGTK ${session.capabilities?.browserVersion ?? '?'}`,
      errors: [],
      goto: (url) => session.goto(url),
      run: (body) => session.run(body),
      key: (selector, key) => session.sendKeys(selector, key),
      upload: (selector, file) => session.sendKeys(selector, file),
      async close() {
        await session.close().catch(() => undefined);
        stopAll();
      },
    };
  } catch (e) {
    stopAll();
    throw e;
  }
}

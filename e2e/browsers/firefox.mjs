// Firefox ESR (Debian's firefox-esr) driven over WebDriver BiDi by puppeteer-core, which never
// downloads a browser: it starts the binary given here with a fresh temporary profile.
import puppeteer from 'puppeteer-core';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Starts headless Firefox and returns the smoke test's driver (see smoke.mjs). */
export async function startFirefox() {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    // A viewport like the Chromium suite's: the first row and the controls on the first screen.
    defaultViewport: { width: 1280, height: 900 },
    // Nothing but the page talks to the network (no update, telemetry or safe-browsing requests).
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'datareporting.healthreport.uploadEnabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
  const version = await browser.version();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
  return {
    name: `Firefox ${version.replace(/^firefox\//i, '')}`,
    errors,
    async goto(url) {
      await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
    },
    /** Runs a function body in the page and returns its (JSON) result. */
    async run(body) {
      return page.evaluate(`(() => { ${body} })()`);
    },
    async key(selector, key) {
      const el = await page.waitForSelector(selector, { timeout: 60_000 });
      await el.press(key);
    },
    async upload(selector, file) {
      const el = await page.waitForSelector(selector, { timeout: 60_000 });
      await el.uploadFile(file);
    },
    async close() {
      await browser.close();
    },
  };
}

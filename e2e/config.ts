/**
 * Playwright configuration for the end-to-end tests (the root playwright.config.ts re-exports it,
 * so this file is type-checked with the rest). The tests run against the BUILT test site (dist-e2e/, with its test hooks) served
 * by `vite preview` on 127.0.0.1:E2E_PORT; e2e/run.mjs builds when needed and picks a free port.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

const E2E_DIR = fileURLToPath(new URL('.', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Debian Chromium. `--enable-unsafe-webgpu` is what exposes WebGPU on Linux; with no GPU
 * driver the adapter is SwiftShader (Vulkan on the CPU, fp32, no shader-f16). The other flags keep
 * the browser from talking to anything but the page (no component updates, sync, QUIC probes).
 */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export const PORT = Number(process.env.E2E_PORT ?? 4179);
export const BASE_URL = `http://127.0.0.1:${PORT}`;

export default defineConfig({
  testDir: E2E_DIR,
  testMatch: /.*\.spec\.ts$/,
  outputDir: `${REPO_ROOT}test-results/e2e`,
  fullyParallel: false,
  workers: 1, // two shared cores: parallel browsers only slow each other down
  retries: 0,
  timeout: 240_000,
  expect: { timeout: 30_000 },
  // list for people; json for e2e/run.mjs's one-line summary ("e2e: N passed, N failed, N skipped").
  reporter: [['list'], ['json', { outputFile: `${REPO_ROOT}test-results/e2e-results.json` }]],
  use: {
    baseURL: BASE_URL,
    headless: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
    trace: 'off',
    // Service workers serve the app from their cache, past page.route(): every spec but the offline
    // and GitHub Pages ones (e2e/offline.spec.ts, e2e/pages.spec.ts, which allow them) runs without.
    serviceWorkers: 'block',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // --mode e2e: the test build's Content-Security-Policy header (the stand-in hub, vite.config.ts).
    command: `npx vite preview --mode e2e --host 127.0.0.1 --port ${PORT} --strictPort --outDir ${process.env.E2E_DIST ?? 'dist-e2e'}`,
    cwd: REPO_ROOT,
    url: `${BASE_URL}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

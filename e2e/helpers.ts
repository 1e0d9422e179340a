/** Shared helpers for the end-to-end tests. */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { parseReference, type ReferenceSet } from '../src/testing/reference.ts';
import { REPO_ROOT } from './config.ts';

export const ARTIFACTS = join(REPO_ROOT, 'artifacts', 'e2e');
export const FIXTURES = join(REPO_ROOT, 'e2e', 'fixtures');

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/**
 * Records every request of a browser context (page, its worker, and the worker's ORT threads).
 * data: and blob: URLs are kept too: they never leave the machine, so only http(s)/ws(s) URLs
 * are judged against the origin.
 */
export class RequestLog {
  readonly urls: string[] = [];
  constructor(context: BrowserContext) {
    context.on('request', (r) => this.urls.push(r.url()));
  }

  foreign(origin: string): string[] {
    return this.urls.filter((u) => {
      const url = new URL(u);
      if (url.protocol === 'data:' || url.protocol === 'blob:') return false;
      return url.origin !== origin;
    });
  }

  expectSameOrigin(origin: string): void {
    expect(this.foreign(origin), `requests outside ${origin}`).toEqual([]);
  }
}

/**
 * The set-up most specs share: a new context (with `options`), a request log on it, one page that
 * prints its uncaught errors, opened at `path`.
 */
export async function openApp(
  browser: Browser,
  path: string,
  options: BrowserContextOptions = {},
): Promise<{ context: BrowserContext; page: Page; requests: RequestLog }> {
  const context = await browser.newContext(options);
  const requests = new RequestLog(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await page.goto(path);
  return { context, page, requests };
}

export interface DebugRowLite {
  name: string;
  status: string;
  busy: boolean;
  error: string | null;
  maskRatio: number | null;
  provider: string | null;
  encoderMs: number | null;
  decoderMs: number | null;
  totalMs: number | null;
  mse: number | null;
}

/** Waits until every row has an answer for the current settings. */
export async function waitSettled(page: Page, timeoutMs = 120_000): Promise<void> {
  await page.waitForFunction(() => window.__maeDebug?.settled() === true, undefined, { timeout: timeoutMs, polling: 200 });
}

export async function debugRows(page: Page): Promise<DebugRowLite[]> {
  return page.evaluate(() => window.__maeDebug?.rows() ?? []);
}

export function f32FromBase64(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return new Float32Array(copy.buffer);
}

export function f32ToBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

export function loadReference(model = 'default'): ReferenceSet {
  const dir = join(REPO_ROOT, 'tests', 'reference', model);
  const json: unknown = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8'));
  const bin = readFileSync(join(dir, 'reference.bin'));
  const copy = new Uint8Array(bin.byteLength);
  copy.set(bin);
  return parseReference(json, copy.buffer);
}

/** Runs encoder+decoder in the page's worker on an explicit tensor and ids; returns pred. */
export async function runRawInPage(
  page: Page,
  imageChw: Float32Array,
  idsKeep: number[],
  idsRestore: number[],
): Promise<{ pred: Float32Array; encoderMs: number; decoderMs: number }> {
  const r = await page.evaluate(
    async ({ chw, keep, restore }) => {
      const dbg = window.__maeDebug;
      if (!dbg) throw new Error('no __maeDebug');
      return dbg.runRaw(chw, keep, restore);
    },
    { chw: f32ToBase64(imageChw), keep: idsKeep, restore: idsRestore },
  );
  return { pred: f32FromBase64(r.predBase64), encoderMs: r.encoderMs, decoderMs: r.decoderMs };
}

/** Luminance statistics of a PNG (e.g. a screenshot): a blank page has ~zero variance. */
export function pngStats(png: Buffer): { width: number; height: number; variance: number; distinctColours: number } {
  const img = PNG.sync.read(png);
  let sum = 0;
  let sum2 = 0;
  const n = img.width * img.height;
  const colours = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = img.data[i * 4];
    const g = img.data[i * 4 + 1];
    const b = img.data[i * 4 + 2];
    const y = 0.299 * r + 0.587 * g + 0.114 * b;
    sum += y;
    sum2 += y * y;
    if (colours.size < 5000) colours.add((r << 16) | (g << 8) | b);
  }
  const mean = sum / n;
  return { width: img.width, height: img.height, variance: sum2 / n - mean * mean, distinctColours: colours.size };
}

/** A portrait RGBA PNG with a transparent corner (exercises non-square crop and alpha compositing). */
export function makePortraitPng(width = 150, height = 260): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = Math.round((255 * x) / width);
      png.data[i + 1] = Math.round((255 * y) / height);
      png.data[i + 2] = (x >> 4) % 2 === (y >> 4) % 2 ? 200 : 40;
      png.data[i + 3] = x < 30 && y < 30 ? 0 : 255;
    }
  }
  return PNG.sync.write(png);
}

/**
 * Opens one of the header's menus unless it is open already: "Models" (the bundled models' selector,
 * the official MAE from the hub, a weights file or model folder from disk) or "Settings" (runtime,
 * theme). One menu is open at a time: opening one closes the other.
 */
export async function openMenu(page: Page, menu: 'models' | 'settings'): Promise<void> {
  const button = page.getByTestId(`${menu}-toggle`);
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId(`${menu}-panel`)).toBeVisible();
}

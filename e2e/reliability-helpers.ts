/** Helpers of the reliability tests (bad inputs, faults, load, privacy): see docs/RELIABILITY.md. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { DebugRow } from '../src/testing/page-hooks.ts';
import { FIXTURES } from './helpers.ts';

/** The app's view of every row (window.__maeDebug.rows()). */
export async function rows(page: Page): Promise<DebugRow[]> {
  return page.evaluate(() => window.__maeDebug?.rows() ?? []);
}

export async function rowIndex(page: Page, name: string): Promise<number> {
  const i = (await rows(page)).findIndex((r) => r.name === name);
  expect(i, `row ${name}`).toBeGreaterThanOrEqual(0);
  return i;
}

export interface Panel {
  width: number;
  height: number;
  data: Buffer;
  /** [r, g, b] at (x, y) */
  at(x: number, y: number): [number, number, number];
}

/** A row's panel pixels (RGBA, imgSize × imgSize). */
export async function panel(page: Page, name: string, which: 'original' | 'masked' | 'reconstruction' = 'original'): Promise<Panel> {
  const i = await rowIndex(page, name);
  const b64 = await page.evaluate(({ i, which }) => window.__maeDebug?.panelBase64(i, which) ?? null, { i, which });
  expect(b64, `${name} has a ${which} panel`).not.toBeNull();
  const data = Buffer.from(b64 ?? '', 'base64');
  const size = Math.round(Math.sqrt(data.length / 4));
  return {
    width: size,
    height: size,
    data,
    at(x, y) {
      const o = (y * size + x) * 4;
      return [data[o], data[o + 1], data[o + 2]];
    },
  };
}

export function expectColour(got: [number, number, number], want: [number, number, number], tolerance: number, what: string): void {
  const d = Math.max(...got.map((v, k) => Math.abs(v - want[k])));
  expect(d, `${what}: got rgb(${got.join(',')}), want rgb(${want.join(',')}) ± ${tolerance}`).toBeLessThanOrEqual(tolerance);
}

/** Waits until the app has an answer (result or error) for every row under the current settings. */
export async function settled(page: Page, timeout = 180_000): Promise<void> {
  await page.waitForFunction(() => window.__maeDebug?.settled() === true, undefined, { timeout, polling: 250 });
}

/**
 * Waits until the paint log's last mark (since `since`, performance.now() time) for each of `rowIds`
 * is at `maskRatio`: the pictures on screen are the results at that ratio. A mark is written in the
 * animation frame after the row's canvases were drawn, which can come a little after settled(), so
 * this polls; a stale picture painted after the right one still fails it, as its mark comes last.
 */
export async function expectLastPaintsAt(page: Page, rowIds: string[], maskRatio: number, since = 0): Promise<void> {
  const lastMarks = async (): Promise<Record<string, number>> => {
    const paints = await page.evaluate((t) => window.__maeDebug?.paints(t) ?? [], since);
    const last: Record<string, number> = {};
    for (const p of paints) last[p.rowId] = p.maskRatio;
    return last;
  };
  const want = Object.fromEntries(rowIds.map((id) => [id, maskRatio]));
  await expect.poll(lastMarks, { timeout: 10_000, message: "each row's last painted ratio" }).toEqual(want);
}

// ---- process memory (Linux /proc): the Chromium renderers this test process launched ----------

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(p));
      kids.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  return kids;
}

function descendants(root: number): number[] {
  const kids = children();
  const out: number[] = [];
  const stack = [...(kids.get(root) ?? [])];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return out;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function isRenderer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
  } catch {
    return false;
  }
}

/** The Chromium renderer processes started by this process (none off Linux). */
function rendererPids(root = process.pid): number[] {
  try {
    readdirSync('/proc');
  } catch {
    return [];
  }
  return descendants(root).filter(isRenderer);
}

/** Resident memory (MB) of the Chromium renderer processes started by this process; null off Linux. */
export function rendererRssMb(root = process.pid): number | null {
  const renderers = rendererPids(root);
  return renderers.length === 0 ? null : renderers.reduce((a, p) => a + rssMb(p), 0);
}

/**
 * Samples rendererRssMb every `ms` until stopped; returns the first and the highest sample. Finding
 * the renderers walks all of /proc; `rescanMs` > 0 does that only that often and reads just the known
 * renderers' memory in between (a benchmark's sampler then costs next to nothing of the CPU it measures).
 */
export function sampleRendererRss(ms = 25, rescanMs = 0): { stop(): { start: number; peak: number } | null } {
  const start = rendererRssMb();
  let peak = start ?? 0;
  let pids = rendererPids();
  let scannedAt = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - scannedAt >= rescanMs) {
      pids = rendererPids();
      scannedAt = Date.now();
    }
    if (pids.length > 0)
      peak = Math.max(
        peak,
        pids.reduce((a, p) => a + rssMb(p), 0),
      );
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return start === null ? null : { start, peak };
    },
  };
}

// ---- generated inputs ----------------------------------------------------------------------------

/**
 * A 12000x9000 JPEG photo made by Chromium's own encoder in a page of its own (so its pixels never
 * touch the page under test): quadrants red, green / blue, white, with a little texture.
 */
export async function makeHugeJpeg(browser: Browser, width = 12000, height = 9000): Promise<Buffer> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const b64 = await page.evaluate(
    async ({ width, height }) => {
      const canvas = new OffscreenCanvas(width, height);
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('no 2d context');
      const quad: [number, number, string][] = [
        [0, 0, 'rgb(220,30,30)'],
        [1, 0, 'rgb(40,180,60)'],
        [0, 1, 'rgb(30,60,200)'],
        [1, 1, 'rgb(250,250,250)'],
      ];
      for (const [qx, qy, colour] of quad) {
        ctx.fillStyle = colour;
        ctx.fillRect((qx * width) / 2, (qy * height) / 2, width / 2, height / 2);
      }
      // Thin dark lines every 500 px: edges a JPEG has to encode, like a real photo's.
      ctx.fillStyle = 'rgba(0,0,0,0.5)';
      for (let x = 250; x < width; x += 500) if (Math.abs(x - width / 2) > 400) ctx.fillRect(x, 0, 4, height);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    },
    { width, height },
  );
  await context.close();
  return Buffer.from(b64, 'base64');
}

export function mimeOf(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return (
    { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', svg: 'image/svg+xml', webp: 'image/webp' }[ext] ??
    'application/octet-stream'
  );
}

// ---- model folders served on the page's own origin ----------------------------------------------

/** Serves `files` (name → body) at /models/<id>/ of the page's origin; other names are 404. */
export async function routeModelFolder(context: BrowserContext, id: string, files: Record<string, string | Buffer>): Promise<void> {
  await context.route(`**/models/${id}/*`, (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    const body = files[file];
    if (body === undefined) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({ status: 200, contentType: file.endsWith('.json') ? 'application/json' : 'application/octet-stream', body });
  });
}

/** The model selector's list (models/index.json) replaced by `models`. */
export async function routeModelIndex(context: BrowserContext, models: { id: string; name: string }[]): Promise<void> {
  await context.route('**/models/index.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify({ models }) }),
  );
}

/** The files of a fixture model folder (e2e/fixtures/models/<name>), manifest fields overridden. */
export function fixtureModel(name: string, manifest: Record<string, unknown> = {}): Record<string, string | Buffer> {
  const dir = join(FIXTURES, 'models', name);
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  return {
    'manifest.json': JSON.stringify({ ...m, ...manifest }),
    'encoder.onnx': readFileSync(join(dir, 'encoder.onnx')),
    'decoder.onnx': readFileSync(join(dir, 'decoder.onnx')),
  };
}

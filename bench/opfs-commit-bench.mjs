// npm run bench:opfs-commit [-- --mb 256] [--every 32]
//
// Why the hub download writes its partial file from a worker with a sync access handle
// (src/features/models/hub/part-writer.worker.ts): the two ways a page can make a download in the
// Origin Private File System survive a closed tab, timed in headless Debian Chromium on one origin:
//   - createWritable({ keepExistingData: true }), closed and reopened every --every MB (a writable
//     keeps nothing until close(), and Chromium copies the existing file into a swap file at every
//     reopen);
//   - a dedicated worker's createSyncAccessHandle(), writing in place, flush() every --every MB.
// Each writes --mb MB of 1 MB chunks. Prints total time and the per-commit times.
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { opt } from '../scripts/cli-args.mjs';

const mb = Number(opt('mb', 256));
const every = Number(opt('every', 32));
const WORKER = `onmessage = async (e) => {
  const { mb, every } = e.data;
  const root = await navigator.storage.getDirectory();
  const file = await root.getFileHandle('sah.bin', { create: true });
  const h = await file.createSyncAccessHandle();
  h.truncate(0);
  const chunk = new Uint8Array(1 << 20);
  const commits = [];
  const t0 = performance.now();
  for (let i = 0, at = 0; i < mb; i++, at += chunk.length) {
    h.write(chunk, { at });
    if ((i + 1) % every === 0) { const t = performance.now(); h.flush(); commits.push(Math.round(performance.now() - t)); }
  }
  h.close();
  await root.removeEntry('sah.bin');
  postMessage({ total: Math.round(performance.now() - t0), commits });
};`;
const server = createServer((req, res) => {
  if (req.url === '/w.js') return void res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(WORKER);
  res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>opfs</title>');
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const writable = await page.evaluate(
    async ({ mb, every }) => {
      const root = await navigator.storage.getDirectory();
      const file = await root.getFileHandle('w.bin', { create: true });
      const chunk = new Uint8Array(1 << 20);
      const commits = [];
      const t0 = performance.now();
      let w = await file.createWritable({ keepExistingData: false });
      for (let i = 0; i < mb; i++) {
        await w.write(chunk);
        if ((i + 1) % every === 0) {
          const t = performance.now();
          await w.close();
          w = await file.createWritable({ keepExistingData: true });
          await w.seek((i + 1) << 20);
          commits.push(Math.round(performance.now() - t));
        }
      }
      await w.close();
      const total = Math.round(performance.now() - t0);
      await root.removeEntry('w.bin');
      return { total, commits };
    },
    { mb, every },
  );
  const sah = await page.evaluate(
    (args) =>
      new Promise((resolve) => {
        const w = new Worker('/w.js');
        w.onmessage = (e) => resolve(e.data);
        w.postMessage(args);
      }),
    { mb, every },
  );
  console.log(`${mb} MB in 1 MB chunks, committed every ${every} MB (headless Chromium ${browser.version()})`);
  console.log(`createWritable + close/reopen(keepExistingData): ${writable.total} ms; per commit ms: ${writable.commits.join(' ')}`);
  console.log(`sync access handle (worker) + flush:           ${sah.total} ms; per commit ms: ${sah.commits.join(' ')}`);
} finally {
  await browser.close();
  server.close();
}

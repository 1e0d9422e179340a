/**
 * scripts/check-prod-build.mjs (run by `npm run build`) on folders made here: it must fail on a
 * bundle with any test-hook marker, pass a clean one, and with --expect-hooks fail when a marker is
 * missing. The markers themselves are checked against the real test build by e2e/run.mjs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dirs: string[] = [];
function site(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mae-check-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index.js"></script>');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
function check(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['scripts/check-prod-build.mjs', ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ALL_MARKERS =
  'window.__maeDebug={};"simulated adapter failure";"adapterFaults";"simulated worker crash";"GPUDevice.destroy() called";"runRaw";"idsRestore must have";"allTracks"';

describe('check-prod-build', () => {
  it('passes a bundle without test hooks (the models/ and ort/ copies are not read)', () => {
    const dir = site({ 'assets/index.js': 'console.log("app")', 'models/x/notes.js': 'runRaw', 'ort/ort.mjs': '__maeDebug' });
    const r = check(dir);
    expect(r.status).toBe(0);
    expect(r.out).toContain('no test hooks');
  });

  it('fails on any marker and names the file', () => {
    const dir = site({ 'assets/index.js': 'console.log("app")', 'assets/mae-worker.js': 'if(t.type==="runRaw"){}' });
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.out).toContain('"runRaw" in assets/mae-worker.js');
  });

  it('--expect-hooks: a test build must have every marker', () => {
    expect(check('--expect-hooks', site({ 'assets/hooks.js': ALL_MARKERS })).status).toBe(0);
    const partial = check('--expect-hooks', site({ 'assets/hooks.js': 'window.__maeDebug={}' }));
    expect(partial.status).toBe(1);
    expect(partial.out).toContain('lacks');
  });
});

#!/usr/bin/env node
// `npm run build` runs this after vite: the production site must carry none of the test machinery
// (src/testing/: window.__maeDebug, the ?inject= adapter faults, the worker's fault and runRaw
// requests, the paint log, the camera's debug view). It reads every .js/.mjs/.html file the build
// wrote (not the copied models/ and ort/ runtime) and fails, naming file and marker, if one is there.
//
//   node scripts/check-prod-build.mjs [dir]                  production build (default dist/): no markers
//   node scripts/check-prod-build.mjs --expect-hooks [dir]   a test build: every marker present (so the
//                                                             markers are known to match the hooks)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Strings only the test hooks contain, in the form they take in a minified bundle. */
export const TEST_HOOK_MARKERS = [
  '__maeDebug', // the page hooks' window object
  'simulated adapter failure', // ?inject=adapter-error
  'adapterFaults', // the worker request that sets the adapter faults
  'simulated worker crash', // fault('crash')
  'GPUDevice.destroy() called', // fault('gpu-device-lost')
  'runRaw', // raw runs on explicit ids
  'idsRestore must have', // the runRaw request's check
  'allTracks', // the live row's debug view (src/testing/camera-debug.ts)
];

const SKIP = new Set(['models', 'ort', 'samples']);

function bundleFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) bundleFiles(path, out);
    else if (/\.(m?js|html)$/.test(name)) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const expectHooks = args.includes('--expect-hooks');
const dir = args.find((a) => !a.startsWith('--')) ?? 'dist';
if (!existsSync(join(dir, 'index.html'))) {
  console.error(`check-prod-build: ${dir}/index.html is missing: build first`);
  process.exit(1);
}
const files = bundleFiles(dir);
const found = new Map(TEST_HOOK_MARKERS.map((m) => [m, []]));
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const marker of TEST_HOOK_MARKERS) if (text.includes(marker)) found.get(marker).push(relative(dir, file));
}
if (expectHooks) {
  const missing = TEST_HOOK_MARKERS.filter((m) => found.get(m).length === 0);
  if (missing.length > 0) {
    console.error(
      `check-prod-build: the test build in ${dir}/ lacks ${missing.map((m) => `"${m}"`).join(', ')}: the markers no longer match the hooks`,
    );
    process.exit(1);
  }
  console.log(`check-prod-build: test build ${dir}/ has all ${TEST_HOOK_MARKERS.length} test-hook markers`);
} else {
  const leaks = [...found].filter(([, where]) => where.length > 0);
  if (leaks.length > 0) {
    for (const [marker, where] of leaks) console.error(`check-prod-build: "${marker}" in ${where.join(', ')}`);
    console.error(`check-prod-build: the production build in ${dir}/ contains test hooks (they belong to the test build only)`);
    process.exit(1);
  }
  console.log(`check-prod-build: ${files.length} bundle files in ${dir}/, no test hooks`);
}

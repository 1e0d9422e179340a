#!/usr/bin/env node
// `npm test` runs this first (the `pretest` script), so a fresh clone needs no other command:
// 1. Debian packages the suite uses (scripts/debian-packages.txt: Chromium, PyTorch for the Python tests):
//    installed with apt-get when missing and we are root; otherwise named, with the command to run.
// 2. npm packages: `npm install` when node_modules is missing or older than package-lock.json.
// MAE_SKIP_DEPS=1 skips both (e.g. a run that knows it is set up).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.MAE_SKIP_DEPS === '1') process.exit(0);

function run(cmd, args, env = process.env) {
  return spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;
}

const packages = readFileSync(join(root, 'scripts', 'debian-packages.txt'), 'utf8')
  .split(/\s+/)
  .filter(Boolean);
if (existsSync('/usr/bin/dpkg-query')) {
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status} ${Package}\n', ...packages], { encoding: 'utf8' });
  const installed = new Set(
    q.stdout
      .split('\n')
      .filter((line) => line.startsWith('install ok installed'))
      .map((line) => line.split(' ').pop()),
  );
  const missing = packages.filter((p) => !installed.has(p));
  if (missing.length > 0) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot) {
      console.log(`ensure-deps: installing Debian packages: ${missing.join(' ')}`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      if (
        run('apt-get', ['update', '-qq'], env) !== 0 ||
        run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], env) !== 0
      ) {
        console.error('ensure-deps: apt-get install failed');
        process.exit(1);
      }
    } else {
      console.warn(`ensure-deps: missing Debian packages (run: sudo apt-get install ${missing.join(' ')})`);
    }
  }
}

const lock = join(root, 'package-lock.json');
const installedLock = join(root, 'node_modules', '.package-lock.json');
const stale =
  !existsSync(installedLock) ||
  !existsSync(join(root, 'node_modules', '.bin', 'tsc')) ||
  statSync(lock).mtimeMs > statSync(installedLock).mtimeMs;
if (stale) {
  console.log('ensure-deps: installing npm packages (npm install)');
  if (run('npm', ['install', '--no-audit', '--no-fund'], { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }) !== 0) process.exit(1);
}

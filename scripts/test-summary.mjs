#!/usr/bin/env node
// The last words of `npm test` (its posttest script): which parts of the suite did not run here and
// why, from the notes the skipping scripts leave in .cache/skipped-tests/ (scripts/test-python.sh).
// A run where everything ran says so; the exit code stays 0 (a skip outside CI is allowed, not hidden).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '.cache', 'skipped-tests');
const notes = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => readFileSync(join(dir, f), 'utf8').trim())
      .filter(Boolean)
  : [];
if (notes.length === 0) {
  console.log('\nnpm test: every part of the suite ran.');
} else {
  console.log(`\nnpm test: passed, but ${notes.length === 1 ? 'one part' : `${notes.length} parts`} did NOT run:`);
  for (const n of notes) console.log(`  - ${n}`);
}

#!/usr/bin/env node
// Prints the model zoo's results (models/zoo.json, written by python/mae_playground/zoo_export.py) as the README's
// Markdown table, so the numbers there are copied by a program, not by hand.
import { readFileSync } from 'node:fs';

const zoo = JSON.parse(readFileSync(new URL('../models/zoo.json', import.meta.url), 'utf8'));
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const f3 = (x) => x.toFixed(3);
console.log(
  '| model | patch (grid) | trained at | held-out MSE at 75% (interpolation) | MSE at its own ratio | cat-vs-dog probe (± s.e.) | training |',
);
console.log('|---|---|---|---|---|---|---|');
for (const m of zoo.models) {
  const grid = (m.imgSize ?? 112) / m.patchSize;
  console.log(
    `| \`${m.id}\` | ${m.patchSize} (${grid}×${grid}) | ${Math.round(m.trainMaskRatio * 100)}% | ${f3(m.mse075)} (${f3(m.gaussian075)}) | ${f3(m.mseAtTrainRatio)} | ${pct(m.probeAccuracy)} ± ${pct(m.probeStderr)} | ${m.steps} steps, ${m.trainMinutes} min |`,
  );
}
for (const [id, c] of Object.entries(zoo.controls ?? {})) {
  console.log(`| ${id} (untrained control) | ${id.replace(/.*-p/, '')} | – | – | – | ${pct(c.accuracy)} ± ${pct(c.stderr)} | none |`);
}

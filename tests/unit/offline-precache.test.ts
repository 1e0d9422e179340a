import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPrecached } from '../../src/features/offline/sw-build.ts';
import { attentionFiles, modelFiles, parseManifest } from '../../src/mae/index.ts';
import { ROOT } from './support.ts';

// What a second, offline visit needs: written out by hand from the build's folder layout (dist/).
describe('the offline precache list', () => {
  it('keeps the app, the runtime, the default models and the theory section', () => {
    for (const rel of [
      'index.html',
      'assets/index-B_SJovCE.js',
      'ort/ort-wasm-simd-threaded.wasm',
      'models/index.json',
      'models/default/encoder.onnx',
      'models/default/manifest.json',
      'models/default-int8/decoder.onnx',
      'models/theory/results.json',
      'models/theory/p8-r95/decoder.onnx',
    ]) {
      expect(isPrecached(rel), rel).toBe(true);
    }
  });

  it('holds every file the bundled default folders name (format 2: the .data weights and the attention graphs too)', () => {
    for (const id of ['default', 'default-int8']) {
      const m = parseManifest(readFileSync(`${ROOT}models/${id}/manifest.json`, 'utf8'));
      const files = [...modelFiles(m), ...attentionFiles(m)];
      expect(files.length, id).toBeGreaterThanOrEqual(2);
      for (const f of files) expect(isPrecached(`models/${id}/${f}`), `${id}/${f}`).toBe(true);
    }
  });

  it('leaves out the zoo, training logs, source maps and the service worker itself', () => {
    for (const rel of [
      'sw.js',
      'assets/index-B_SJovCE.js.map',
      'models/zoo.json',
      'models/zoo-p16-r75/encoder.onnx',
      'models/default/training-log.jsonl',
      'models/defaults/encoder.onnx',
    ]) {
      expect(isPrecached(rel), rel).toBe(false);
    }
  });
});

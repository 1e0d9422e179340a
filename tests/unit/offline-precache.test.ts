import { describe, expect, it } from 'vitest';
import { isPrecached } from '../../src/features/offline/sw-build.ts';

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

// The one onnxruntime-web configuration (src/worker/ort-config.ts), against the real onnxruntime-web
// module's env: the values onnxruntime reads when its backend starts, written out by hand.
import * as ortWeb from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { configureOrt, wasmThreadsFor } from '../../src/worker/ort-config.ts';

describe('wasmThreadsFor', () => {
  it('is 1 wherever the page is not cross-origin isolated, whatever was asked', () => {
    expect(wasmThreadsFor(false, 8, null)).toBe(1);
    expect(wasmThreadsFor(false, 8, 4)).toBe(1);
  });
  it('isolated: what ?threads= asked for (whole threads), else every core the browser reports', () => {
    expect(wasmThreadsFor(true, 8, 3)).toBe(3);
    expect(wasmThreadsFor(true, 2, 6)).toBe(6);
    expect(wasmThreadsFor(true, 8, 2.7)).toBe(2);
    expect(wasmThreadsFor(true, 8, null)).toBe(8);
    expect(wasmThreadsFor(true, 8, 0)).toBe(8);
  });
  it('isolated with no core count (or 0) reported: 1', () => {
    expect(wasmThreadsFor(true, undefined, null)).toBe(1);
    expect(wasmThreadsFor(true, 0, null)).toBe(1);
  });
});

describe('configureOrt', () => {
  it('points the runtime files at ort/ under the app folder, sets threads, no proxy, errors only', () => {
    const rt = configureOrt(ortWeb, { appBase: 'https://example.org/some/sub/path/', threads: 3 });
    expect(rt).toBe(ortWeb);
    expect(ortWeb.env.wasm.wasmPaths).toBe('https://example.org/some/sub/path/ort/');
    expect(ortWeb.env.wasm.numThreads).toBe(3);
    expect(ortWeb.env.wasm.proxy).toBe(false);
    expect(ortWeb.env.logLevel).toBe('error');
  });
});

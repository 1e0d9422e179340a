// The memory check before loading: the official sizes (parameter counts from ../shared/docs/mae-notes.md:
// ViT-B/16 112 M, ViT-L/16 330 M, ViT-H/14 657 M) against WASM's 4 GB and a device's memory.
import { describe, expect, it } from 'vitest';
import { estimatedRuntimeBytes, memoryProblem } from '../../src/features/models/weights/index.ts';

describe('memoryProblem', () => {
  it('ViT-B and ViT-L fit in WASM; ViT-H does not, and the message says what would work', () => {
    expect(memoryProblem('ViT-B/16', 112e6, 'wasm')).toBeNull();
    expect(memoryProblem('ViT-L/16', 330e6, 'wasm')).toBeNull();
    const huge = memoryProblem('ViT-H/14', 657e6, 'wasm') as string;
    expect(huge).toMatch(/ViT-H\/14 needs about 5\.\d\d GB/);
    expect(huge).toMatch(/4 GB/);
    expect(huge).toMatch(/WebGPU/);
    expect(huge).toMatch(/--weights/);
    expect(memoryProblem('ViT-H/14', 657e6, 'webgpu')).toBeNull();
  });

  it('a device that reports less memory than the model needs gets a message', () => {
    // 2 GiB reported (navigator.deviceMemory = 2): ViT-L needs about 3 GB
    expect(memoryProblem('ViT-L/16', 330e6, 'webgpu', 2 * 1024 ** 3)).toMatch(/this device reports 2\.15 GB/);
    expect(memoryProblem('ViT-B/16', 112e6, 'webgpu', 8 * 1024 ** 3)).toBeNull();
  });

  it('the estimate is within 15% of the resident memory measured after loading (WASM in Node, 2026-11-29)', () => {
    // ViT-B/16: 1.25 GB, ViT-L/16: 2.9 GB (npm run bench:weights machine, onnxruntime-web 1.30)
    for (const [params, measured] of [
      [112e6, 1.25e9],
      [330e6, 2.9e9],
    ]) {
      expect(Math.abs(estimatedRuntimeBytes(params) - measured) / measured).toBeLessThan(0.15);
    }
  });
});

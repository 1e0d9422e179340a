// The memory check before loading: the official sizes (parameter counts from ../shared/docs/mae-notes.md:
// ViT-B/16 112 M, ViT-L/16 330 M, ViT-H/14 657 M) against WASM's 4 GB and a device's memory. The
// estimate itself is checked against a measured load in tests/node/weights-memory.test.ts.
import { describe, expect, it } from 'vitest';
import { choosePrecision, estimatedRuntimeBytes, memoryProblem } from '../../src/features/models/weights/index.ts';

describe('memoryProblem', () => {
  it('ViT-B and ViT-L fit in WASM; ViT-H does not, and the message says what would work', () => {
    expect(memoryProblem('ViT-B/16', 112e6, 'wasm')).toBeNull();
    expect(memoryProblem('ViT-L/16', 330e6, 'wasm')).toBeNull();
    const huge = memoryProblem('ViT-H/14', 657e6, 'wasm') as string;
    expect(huge).toMatch(/ViT-H\/14 needs about 6\.12 GB of memory to run exact \(fp32\)/); // 657e6 × 4 × 2.2 + 0.34e9 = 6,121,600,000
    expect(huge).toMatch(/4 GB/);
    // int8: 657e6 × 1 × 2.2 + 0.34e9 = 1,785,400,000
    expect(huge).toMatch(/Choose "fast \(int8\)" on its model card \(about 1\.79 GB\), or use WebGPU/);
    expect(memoryProblem('ViT-H/14', 657e6, 'wasm', undefined, 'int8')).toBeNull();
    expect(memoryProblem('ViT-H/14', 657e6, 'webgpu')).toBeNull();
  });

  it('a model too large for WASM even in int8 says so, and what would work', () => {
    // int8 limit: (4,294,967,296 − 340,000,000) / 2.2 = 1,797,712,407 parameters
    expect(memoryProblem('X', 1_797_712_407, 'wasm', undefined, 'int8')).toBeNull();
    const big = memoryProblem('X', 1_797_712_408, 'wasm', undefined, 'int8') as string;
    expect(big).toMatch(/^X needs about 4\.29 GB of memory to run even in int8/);
    expect(big).toMatch(/WebGPU/);
    expect(big).toMatch(/--weights/);
  });

  it('a device that reports less memory than the model needs gets a message', () => {
    // 2 GiB reported (navigator.deviceMemory = 2): ViT-L needs about 3 GB
    expect(memoryProblem('ViT-L/16', 330e6, 'webgpu', 2 * 1024 ** 3)).toMatch(/this device reports 2\.15 GB/);
    expect(memoryProblem('ViT-B/16', 112e6, 'webgpu', 8 * 1024 ** 3)).toBeNull();
  });

  it('the decision is "estimate > 4 GiB" exactly: the largest model WASM takes, worked out by hand', () => {
    // estimate = params × 4 bytes × 2.2 + 0.34 GB: 449,428,101 × 8.8 + 340,000,000 = 4,294,967,288.8 ≤ 4 GiB
    // (4,294,967,296); one parameter more is 4,294,967,297.6
    expect(estimatedRuntimeBytes(449_428_101)).toBe(4_294_967_289);
    expect(memoryProblem('X', 449_428_101, 'wasm')).toBeNull();
    expect(memoryProblem('X', 449_428_102, 'wasm')).toMatch(/^X needs about 4\.29 GB of memory to run/);
  });
});

describe('choosePrecision', () => {
  it('int8 only on WASM; there, what was asked for, and by default int8 above 50 M parameters', () => {
    expect(choosePrecision('auto', 'wasm', 112e6).precision).toBe('int8'); // ViT-B
    expect(choosePrecision('auto', 'wasm', 50e6).precision).toBe('fp32'); // the limit itself: not above
    expect(choosePrecision('auto', 'wasm', 50e6 + 1).precision).toBe('int8');
    expect(choosePrecision('auto', 'wasm', 6.5e6).precision).toBe('fp32'); // the bundled ViT-Ti
    expect(choosePrecision('fp32', 'wasm', 330e6)).toEqual({ precision: 'fp32', reason: 'exact (fp32), as chosen' });
    expect(choosePrecision('int8', 'wasm', 1e6)).toEqual({ precision: 'int8', reason: 'fast (int8), as chosen' });
    expect(choosePrecision('int8', 'webgpu', 330e6).precision).toBe('fp32');
    // exact kept from an earlier model, then ViT-H on WASM: int8, which fits, and why
    expect(choosePrecision('fp32', 'wasm', 657e6)).toEqual({
      precision: 'int8',
      reason: 'fast (int8): exact (fp32) needs about 6.12 GB, more than the 4 GB WASM can address',
    });
    expect(choosePrecision('auto', 'webgpu', 330e6).reason).toMatch(/int8 runs on WASM only/);
  });
});

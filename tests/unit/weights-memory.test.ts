// The memory check before loading: the official sizes (parameter counts from ../shared/docs/mae-notes.md:
// ViT-B/16 112 M, ViT-L/16 330 M, ViT-H/14 657 M) against WASM's 4 GB and a device's memory. The
// estimate itself is checked against a measured load in tests/node/weights-memory.test.ts.
import { describe, expect, it } from 'vitest';
import { estimatedRuntimeBytes, memoryProblem } from '../../src/features/models/weights/index.ts';

describe('memoryProblem', () => {
  it('ViT-B and ViT-L fit in WASM; ViT-H does not, and the message says what would work', () => {
    expect(memoryProblem('ViT-B/16', 112e6, 'wasm')).toBeNull();
    expect(memoryProblem('ViT-L/16', 330e6, 'wasm')).toBeNull();
    const huge = memoryProblem('ViT-H/14', 657e6, 'wasm') as string;
    expect(huge).toMatch(/ViT-H\/14 needs about 6\.12 GB/); // 657e6 × 4 × 2.2 + 0.34e9 = 6,121,600,000
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

  it('the decision is "estimate > 4 GiB" exactly: the largest model WASM takes, worked out by hand', () => {
    // estimate = params × 4 bytes × 2.2 + 0.34 GB: 449,428,101 × 8.8 + 340,000,000 = 4,294,967,288.8 ≤ 4 GiB
    // (4,294,967,296); one parameter more is 4,294,967,297.6
    expect(estimatedRuntimeBytes(449_428_101)).toBe(4_294_967_289);
    expect(memoryProblem('X', 449_428_101, 'wasm')).toBeNull();
    expect(memoryProblem('X', 449_428_102, 'wasm')).toMatch(/^X needs about 4\.29 GB of memory to run/);
  });
});

import { defineConfig } from 'vitest/config';

// Unit tests (pure TS core) and Node tests (onnxruntime-node inference, the CLI). The machine has
// 2 cores shared with model training, so at most 2 forked workers; inference tests get long timeouts.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/node/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

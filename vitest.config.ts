import { defineConfig } from 'vitest/config';

// The kit's tests start real runtimes and spawn the CLI: on a loaded 2-core machine a
// single spawn can take seconds, so the defaults (5 s) would measure the machine, not the kit.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    maxWorkers: 2,
  },
});

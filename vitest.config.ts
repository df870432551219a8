import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { cacheDir } from './runners/process.ts';

// The kit's tests start real runtimes and spawn the CLI: on a loaded 2-core machine a
// single spawn can take seconds, so the defaults (5 s) would measure the machine, not the kit.
export default defineConfig({
  // vitest starts the files that took longest last time first (results.json in this directory): kept
  // in the machine's kvparity cache, not in node_modules, so a fresh clone in CI is ordered too.
  cacheDir: cacheDir('vitest'),
  // A provider imports the public API as 'kvparity'; in this repository that is api/ itself (as in tsconfig "paths").
  resolve: { alias: [{ find: /^kvparity$/, replacement: fileURLToPath(new URL('./api/index.ts', import.meta.url)) }] },
  test: {
    include: ['test/**/*.test.ts'],
    // Runtimes shared by the test files (test/fixtures/pool-setup.ts): one Viceroy compile per run.
    globalSetup: ['test/fixtures/pool-setup.ts'],
    // Signals are a command line's (runners/process.ts exitOnSignals): each test worker is one.
    setupFiles: ['test/fixtures/exit-on-signals.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Three on two cores: the process-hygiene and reliability files spend much of their time waiting
    // (runtime starts, timeouts they provoke), and a third file fills those waits.
    maxWorkers: 3,
  },
});

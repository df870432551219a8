// Process-wide side effects belong to the command line that owns the process (cli/main.ts
// commandLine): importing the public API, or running the kit's commands in-process, leaves the
// environment as it was, takes no signal and never exits the process or sets its exit code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runtimeProviders } from './fixtures/runtime-providers.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const out = mkdtempSync(join(tmpdir(), 'kvparity-side-effects-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** What a library must not change: the environment, the signal handlers, the exit code. */
const processState = () => ({
  env: { ...process.env },
  signals: Object.fromEntries(SIGNALS.map((signal) => [signal, process.listeners(signal).length])),
  exitCode: process.exitCode,
});

// Miniflare's workerd is started with a variable set for its spawn (MINIFLARE_WORKERD_PATH), and a
// test run sets one for its children (KVPARITY_STARTS): both must be gone again.
const cloudflare = (await runtimeProviders()).find((provider) => provider.id === 'cloudflare' && !provider.skip);

describe('an import of the kit, and its commands run in-process', () => {
  it('the public API, from the sources and as the package ships it', async () => {
    const before = processState();
    await import('../api/index.ts');
    // Built by vitest's global setup; a path TypeScript does not follow, so typecheck needs no build first.
    const compiled = '../dist/api/index.js';
    await import(compiled);
    expect(processState()).toEqual(before);
  });

  it(`kvparity test, in-process (main), on providers that start runtimes and place stores${cloudflare ? '' : ' (cloudflare unavailable or not selected here: sqlite and memory only)'}`, async () => {
    const { main } = await import('../cli/main.ts');
    const exit = vi.spyOn(process, 'exit');
    const before = processState();
    const providers = ['memory', 'sqlite', ...(cloudflare ? ['cloudflare'] : [])];
    const code = await main(['test', `--provider=${providers.join(',')}`, '--case=crud.round-trip,ttl.min-bound', '--no-unit', `--out=${out}`]);
    expect(code).toBe(0);
    expect(exit).not.toHaveBeenCalled();
    expect(processState()).toEqual(before);
    exit.mockRestore();
  }, 180_000);
});

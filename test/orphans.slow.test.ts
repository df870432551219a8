// Process hygiene as a user meets it: `kvparity run` leaves no workerd, viceroy, redis-server (or any
// other child) behind, whether it is interrupted (SIGINT, SIGTERM), fails to start a provider after
// spawning, or crashes. A run that ends normally, and two runs at once: orphans-parallel.slow.test.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { validateResults } from '../results/validate.ts';
import type { ProcessInfo } from '../bench/process-tree.ts';
import { describeName, runtimeProviders } from './fixtures/runtime-providers.ts';
import { TEST_MS, afterStart, names, watchedRun } from './fixtures/watched-run.ts';

const root = resolve(import.meta.dirname, '..');
const providers = await runtimeProviders();
const fixture = join(root, 'test/fixtures/spawning-provider.ts');

describe.each(providers)('$id', (provider) => {
  const { processName } = provider;
  const name = describeName(provider);

  // A run that ends normally: see orphans-parallel.slow.test.ts, whose two runs each end normally and leave nothing.

  // The whole suite with many property runs: still running when the signal comes.
  const longRun = ['run', `--provider=${provider.id}`, '--runs=500'];

  it.skipIf(!!provider.skip)(`${name}: SIGINT after the runtime started → the CLI exits 130 and nothing is left`, async () => {
    const run = await watchedRun(longRun, { interrupt: afterStart('SIGINT') });
    expect(run.interrupted, `the run ended before the signal:\n${run.stderr}`).toBe(true);
    expect(names(run)).toContain(processName);
    expect([run.code, run.signal]).toEqual([130, null]);
    expect(run.leftovers).toEqual([]);
  }, TEST_MS);

  it.skipIf(!!provider.skip)(`${name}: SIGTERM after the runtime started → the CLI exits 143 and nothing is left`, async () => {
    const run = await watchedRun(longRun, { interrupt: afterStart('SIGTERM') });
    expect(run.interrupted, `the run ended before the signal:\n${run.stderr}`).toBe(true);
    expect([run.code, run.signal]).toEqual([143, null]);
    expect(run.leftovers).toEqual([]);
  }, TEST_MS);

  it.skipIf(!!provider.skip)(`${name}: SIGTERM while the runtime is starting → nothing is left`, async () => {
    // The serving process, not a `--version` probe that comes and goes before it: a probe that has
    // exited but is not yet reaped is a zombie with the runtime's name and an empty command line.
    const serving = (p: ProcessInfo) => p.name === processName && p.state !== 'Z' && p.cmdline !== '' && !p.cmdline.includes('--version');
    const run = await watchedRun(longRun, { interrupt: { signal: 'SIGTERM', when: ({ tree }) => tree.some(serving) } });
    expect(run.interrupted).toBe(true);
    expect([run.code, run.signal]).toEqual([143, null]);
    expect(run.leftovers).toEqual([]);
  }, TEST_MS);
});

describe('the watcher', () => {
  it('finds a process left behind on purpose (so "nothing is left" means something)', async () => {
    const script = `require('node:child_process').spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' }).unref()`;
    const run = await watchedRun([], { script });
    expect(run.code).toBe(0);
    expect(run.leftovers).toEqual([expect.stringMatching(/^\d+ sleep: sleep 1000$/)]);
  });
});

describe('a provider that fails after spawning a child', () => {
  it('start() throws after spawning: the run records the start error and the child is gone', async () => {
    const run = await watchedRun(['run', `--provider=${fixture}`, '--category=crud'], { env: { KVPARITY_FIXTURE_MODE: 'start-throws' } });
    expect(run.hung, `the CLI did not exit by itself:\n${run.stderr}`).toBe(false);
    // The run completes and says the provider gave no verdict (exit 1), its start error recorded.
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/kvparity: spawning-fixture did not start: fixture: start failed after spawning a child/);
    expect(run.stderr).toMatch(/spawned sleep \d+/);
    const file = JSON.parse(readFileSync(join(run.out, 'spawning-fixture.json'), 'utf8'));
    expect(validateResults(file)).toEqual([]);
    expect(file.run_info.start_error).toMatch(/fixture: start failed after spawning a child/);
    expect(run.leftovers).toEqual([]);
  }, TEST_MS);

  it('an uncaught exception mid-run crashes the CLI, and the child is gone', async () => {
    const run = await watchedRun(['run', `--provider=${fixture}`, '--category=crud'], { env: { KVPARITY_FIXTURE_MODE: 'crash' } });
    expect(run.code).not.toBe(0);
    expect(run.hung).toBe(false);
    expect(run.stderr).toMatch(/fixture: uncaught exception in the middle of a run/);
    // The sleep carries the run's marker, so if it had survived it would be among the leftovers.
    expect(run.stderr).toMatch(/spawned sleep \d+/);
    expect(run.leftovers).toEqual([]);
  }, TEST_MS);
});

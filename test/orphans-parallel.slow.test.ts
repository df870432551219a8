// Two runs of one provider at once, sharing a TMPDIR: both end normally, complete alike, on their own
// temp dirs and ports, and leave nothing behind (orphans.slow.test.ts covers interrupted and failed runs).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateResults } from '../results/validate.ts';
import { describeName, runtimeProviders } from './fixtures/runtime-providers.ts';
import { names, watchedRun, type Watched } from './fixtures/watched-run.ts';

const providers = await runtimeProviders();

describe('parallel runs', () => {
  const parallel = [{ id: 'sqlite', name: 'sqlite', processName: undefined as string | undefined, skip: undefined as string | undefined }, ...providers.map((p) => ({ ...p, name: describeName(p) }))];
  /**
   * The loopback ports a runtime listened on: from its command line (all three name it there) when
   * the watcher caught it, and from the run's own log ("… on http://127.0.0.1:N"), which a sample
   * taken while the process was still exec'ing or already exiting can miss.
   */
  const portsOf = (run: Watched, processName: string) => [
    ...new Set([
      ...run.seen.flatMap((p) => (p.name === processName ? (/127\.0\.0\.1:(\d+)/.exec(p.cmdline)?.slice(1) ?? []) : [])),
      ...[...run.stderr.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => m[1]),
    ]),
  ];

  it.each(parallel)('two runs of $name at once, sharing one TMPDIR, with different --out: both complete alike, on their own temp dirs and ports', async ({ id, skip, processName }) => {
    if (skip) return void console.log(`skipped: ${id}: ${skip}`);
    const tmp = mkdtempSync(join(tmpdir(), 'kvparity-parallel-'));
    const args = ['run', `--provider=${id}`, '--category=crud', '--seed=7'];
    const [a, b] = await Promise.all([watchedRun(args, { tmp }), watchedRun(args, { tmp })]);
    // Each run ends normally and leaves nothing behind (a runtime's, while the watcher saw it run).
    const files = [a, b].map((run) => {
      expect(run.code, run.stderr).toBe(0);
      if (processName) expect(names(run), 'the watcher saw the runtime while the run went on').toContain(processName);
      expect(run.leftovers).toEqual([]);
      const file = JSON.parse(readFileSync(join(run.out, `${id}.json`), 'utf8'));
      expect(validateResults(file)).toEqual([]);
      expect(file.results.filter((r: { status: string }) => r.status === 'ERROR' || r.status === 'TIMEOUT')).toEqual([]);
      return file;
    });
    // Same seed, same cases: a collision would show as a difference between the two runs
    // (whatever the provider's own conformance, which its FAILs, if any, are about).
    const statuses = files.map((file) => file.results.map((r: { test: string; status: string }) => `${r.test} ${r.status}`));
    expect(statuses[0]).toEqual(statuses[1]);
    // SQLite holds the contract everywhere: both runs pass outright.
    if (id === 'sqlite') expect(statuses[0].filter((line: string) => !/ (PASS|SKIP)$/.test(line))).toEqual([]);
    const infos = files.map((file) => file.run_info);
    expect(infos[0].run_id).not.toBe(infos[1].run_id);
    expect(infos[0].namespace).not.toBe(infos[1].namespace);
    if (processName) {
      const ports = [portsOf(a, processName), portsOf(b, processName)];
      const seen = [a, b].map((run, i) => `run ${i}: ${run.seen.map((p) => `${p.name}: ${p.cmdline}`).join('; ')}\n${run.stderr.slice(-1500)}`);
      expect(ports[0].length && ports[1].length, `each run's ${processName} names its port:\n${seen.join('\n')}`).toBeTruthy();
      expect(ports[0].filter((port) => ports[1].includes(port))).toEqual([]);
    } else {
      // SQLite: the file each run used, in a directory of its own under the shared TMPDIR.
      expect(infos.map((i) => i.runtime.detail.startsWith(tmp))).toEqual([true, true]);
      expect(infos[0].runtime.detail).not.toBe(infos[1].runtime.detail);
    }
  }, 300_000);
});

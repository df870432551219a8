// Process hygiene as a user meets it: `kvparity run` leaves no workerd, viceroy, redis-server (or any
// other child) behind, whether it ends normally, is interrupted (SIGINT, SIGTERM), fails to start a
// provider after spawning, or crashes; and two runs at once do not collide.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateResults } from '../results/validate.ts';
import { allProcesses, descendants, hasEnv, stillRunning, type ProcessInfo } from '../bench/process-tree.ts';
import { describeName, runtimeProviders } from './fixtures/runtime-providers.ts';

const root = resolve(import.meta.dirname, '..');
const providers = await runtimeProviders();
const fixture = join(root, 'test/fixtures/spawning-provider.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

interface Watched {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** Every process seen below the CLI while it ran. */
  seen: ProcessInfo[];
  /** Processes of this run still there after it exited: must be none. */
  leftovers: string[];
  out: string;
  /** Whether the interrupt was sent (false: the run ended first). */
  interrupted: boolean;
  /** The run did not end by itself within the guard time and was killed. */
  hung: boolean;
}

interface Interrupt {
  signal: NodeJS.Signals;
  /** Sent as soon as this holds. */
  when(state: { stderr: string; tree: ProcessInfo[] }): boolean;
}

/** A run that has not ended after this is killed and reported as hung (test timeouts are longer). */
const GUARD_MS = 150_000;
const TEST_MS = 200_000;
const startedLine = /\n {2}started \S+ .* in \d+ ms/;

/**
 * Runs the CLI as a user would, in its own TMPDIR and with a marker in its environment that every
 * child inherits; watches its process tree; after it exits, lists whatever of it is still alive:
 * a process seen below it, one that carries the marker, or one whose command line names its TMPDIR.
 */
async function watchedRun(args: string[], options: { interrupt?: Interrupt; env?: Record<string, string>; tmp?: string; script?: string } = {}): Promise<Watched> {
  const { interrupt, env = {} } = options;
  const tmp = options.tmp ?? mkdtempSync(join(tmpdir(), 'kvparity-orphans-'));
  dirs.push(tmp);
  const out = mkdtempSync(join(tmp, 'out-'));
  const mark = `KVPARITY_ORPHAN_MARK=${randomBytes(8).toString('hex')}`;
  const argv = options.script ? ['-e', options.script] : [join(root, 'cli/kvparity.mjs'), ...args, `--out=${out}`];
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { ...process.env, ...env, TMPDIR: tmp, KVPARITY_REDIS: 'server', [mark.split('=')[0]]: mark.split('=')[1] },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let interrupted = false;
  const seen = new Map<string, ProcessInfo>();
  const look = () => {
    const tree = descendants(child.pid!);
    for (const info of tree) seen.set(`${info.pid}:${info.startTime}`, info);
    if (interrupt && !interrupted && child.exitCode === null && interrupt.when({ stderr, tree })) {
      interrupted = true;
      child.kill(interrupt.signal);
    }
  };
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    look();
  });
  const poll = setInterval(look, 25);
  let hung = false;
  const guard = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, GUARD_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('exit', (c, s) => done([c, s])));
  clearInterval(poll);
  clearTimeout(guard);

  // SIGKILL takes effect at once, but give slower exits a moment before judging.
  const isLeft = (p: ProcessInfo) => p.state !== 'Z' && (hasEnv(p.pid, mark) || p.cmdline.includes(tmp));
  for (const deadline = Date.now() + 3000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (![...seen.values()].some(stillRunning) && !allProcesses().some(isLeft)) break;
  }
  const left = new Map<number, ProcessInfo>();
  for (const info of seen.values()) if (stillRunning(info)) left.set(info.pid, info);
  for (const info of allProcesses()) if (isLeft(info)) left.set(info.pid, info);
  // Judged; now don't leave them to the machine.
  for (const info of left.values()) {
    try {
      process.kill(info.pid, 'SIGKILL');
    } catch {} // gone in between
  }
  return { code, signal, stderr, seen: [...seen.values()], leftovers: [...left.values()].map((p) => `${p.pid} ${p.name}: ${p.cmdline}`), out, interrupted, hung };
}

const names = (run: Watched) => [...new Set(run.seen.map((p) => p.name))];
const afterStart = (signal: NodeJS.Signals): Interrupt => ({ signal, when: ({ stderr }) => startedLine.test(stderr) });

describe.each(providers)('$id', (provider) => {
  const { processName } = provider;
  const name = describeName(provider);

  // A run that ends normally: see "parallel runs" below, whose two runs each end normally and leave nothing.

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
    // The serving process, not a `--version` probe that comes and goes before it.
    const serving = (p: ProcessInfo) => p.name === processName && !p.cmdline.includes('--version');
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

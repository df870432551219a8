// The command line as a user meets it: results files that validate, and a provider file from
// outside the repository that runs like a built-in one (bad input: cli-bad-input.test.ts).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { builtinIds } from '../providers/registry.ts';
import { validateResults } from '../results/validate.ts';
import type { ResultsFile } from '../results/types.ts';
import { noVerdictReason } from '../cli/run.ts';
import { kvparityCli as kvparity } from './fixtures/cli.ts';

const root = resolve(import.meta.dirname, '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-cli-test-'));

describe('runs', () => {
  it('runs only the named provider, prints the seed, and writes a results file that validates', () => {
    const out = tmp();
    const { code, err } = kvparity(['run', '--provider=sqlite', `--out=${out}`, '--seed=42', '--category=crud']);
    expect(code).toBe(0);
    expect(err).toMatch(/seed 42/);
    expect(readdirSync(out).filter((f) => f.endsWith('.json') && !f.startsWith('parity'))).toEqual(['sqlite.json']);
    const file = JSON.parse(readFileSync(join(out, 'sqlite.json'), 'utf8'));
    expect(validateResults(file)).toEqual([]);
    expect(file.run_info).toMatchObject({ provider: 'sqlite', seed: 42, available: true, runtime: { name: 'sqlite' } });
  });

  it('a provider file kept outside the repository runs the suites and gets its own results file', () => {
    const dir = tmp();
    const out = join(dir, 'out');
    // A user's provider: imports the kit only through its public API and the model it wraps.
    writeFileSync(
      join(dir, 'outside.ts'),
      `import { defineProvider } from '${join(root, 'api/index.ts')}';
import memory from '${join(root, 'providers/memory.ts')}';
export default defineProvider({ ...memory, id: 'outside', title: 'A provider outside the repo' });
`,
    );
    const { code, err } = kvparity(['run', `--provider=${join(dir, 'outside.ts')}`, `--out=${out}`, '--category=crud'], { cwd: dir });
    expect(err).toMatch(/outside/);
    expect(code).toBe(0);
    const file = JSON.parse(readFileSync(join(out, 'outside.json'), 'utf8'));
    expect(validateResults(file)).toEqual([]);
    expect(file.run_info.source).toBe(join(dir, 'outside.ts'));
    expect(file.results.length).toBeGreaterThan(0);
  });

  it('exit 1, last saying which and why, for a provider that did not start; test of a provider by path runs the suites only', () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'no-start.ts'),
      `import { defineProvider } from '${join(root, 'api/index.ts')}';
export default defineProvider({ id: 'no-start', title: 't', kind: 'local', runtime: 'r', capabilities: { ttl: false, metadata: false, clock: false }, async start() { throw new Error('no store here'); } });
`,
    );
    for (const command of ['run', 'test']) {
      const { code, err } = kvparity([command, `--provider=${join(dir, 'no-start.ts')}`, `--out=${join(dir, command)}`, '--category=crud'], { cwd: dir });
      expect(code).toBe(1);
      expect(err.trim().split('\n').at(-1)).toBe('kvparity: no-start did not start: no store here');
      expect(err).not.toContain('kit tests');
      expect(err.match(/ERROR/g)!.length, 'one line for the cases that could not run, not one each').toBeLessThan(6);
    }
  });

  it('names a provider whose every case ended ERROR although it started, and not one with any other outcome', () => {
    const file = (statuses: string[], start_error?: string) =>
      ({ run_info: { provider: 'p', ...(start_error ? { start_error } : {}) }, results: statuses.map((status, i) => ({ test: `c${i}`, status, message: `m${i}` })) }) as unknown as ResultsFile;
    expect(noVerdictReason(file(['ERROR', 'ERROR']))).toBe('every case of p ended ERROR; the first: c0: m0');
    expect(noVerdictReason(file(['ERROR'], 'boom'))).toBe('p did not start: boom');
    expect(noVerdictReason(file(['ERROR', 'FAIL']))).toBeUndefined();
    expect(noVerdictReason(file([]))).toBeUndefined();
  });

  it("a config file's divergences apply to its outside provider: recorded → EXPECTED_DIVERGENCE, unrecorded → FAIL", () => {
    const dir = tmp();
    // An outside provider that refuses delete of a missing key, as Fastly does.
    writeFileSync(
      join(dir, 'strict-delete.ts'),
      `import { defineProvider, NativeError } from '${join(root, 'api/index.ts')}';
import memory from '${join(root, 'providers/memory.ts')}';
export default defineProvider({ ...memory, id: 'strict-delete', title: 'refuses delete of a missing key',
  async start(context) {
    const kv = await memory.start(context);
    return { ...kv, async delete(key) { if (!(await kv.get(key))) throw new NativeError('not found', 'not-found'); return kv.delete(key); } };
  } });
`,
    );
    writeFileSync(
      join(dir, 'divergences.json'),
      JSON.stringify([{ case: 'crud.native-delete-missing', provider: 'strict-delete', observed: { ok: false, error: 'not found' }, link: 'https://example.com/strict-delete' }]),
    );
    writeFileSync(join(dir, 'kvparity.config.json'), JSON.stringify({ providers: ['./strict-delete.ts'], divergences: ['./divergences.json'] }));
    const statusOf = (out: string) =>
      Object.fromEntries(JSON.parse(readFileSync(join(out, 'strict-delete.json'), 'utf8')).results.map((r: { test: string; status: string }) => [r.test, r.status]));
    const withConfig = join(dir, 'with');
    kvparity(['run', `--config=${join(dir, 'kvparity.config.json')}`, '--provider=./strict-delete.ts', `--out=${withConfig}`, '--category=crud'], { cwd: dir });
    expect(statusOf(withConfig)['crud.native-delete-missing']).toBe('EXPECTED_DIVERGENCE');
    expect(statusOf(withConfig)['crud.delete-missing']).toBe('FAIL'); // not recorded: still a failure
    const without = join(dir, 'without');
    const failing = kvparity(['run', `--provider=${join(dir, 'strict-delete.ts')}`, `--out=${without}`, '--category=crud']);
    expect(statusOf(without)['crud.native-delete-missing']).toBe('FAIL');
    // Last, after the totals: each failure again, with the command that runs it once more.
    const tail = failing.err.slice(failing.err.lastIndexOf('conformance: '));
    expect(tail).toMatch(/✗ strict-delete crud\.native-delete-missing FAIL: /);
    const again = tail.match(/again: npm run kvparity -- (run .*crud\.native-delete-missing.*)/)![1].split(' ');
    const rerun = kvparity([...again, `--out=${join(dir, 'again')}`]);
    expect(rerun.err).toMatch(/conformance: 0 passed, 1 failed/);
    writeFileSync(join(dir, 'kvparity.config.json'), JSON.stringify({ divergences: ['./nope.json'] }));
    expect(kvparity(['run', `--config=${join(dir, 'kvparity.config.json')}`, '--provider=memory'], { cwd: dir }).err).toMatch(/divergence file not found/);
  });

  it('replays: the same seed gives the same property seeds', () => {
    const a = tmp();
    const b = tmp();
    kvparity(['run', '--provider=memory', `--out=${a}`, '--seed=7', '--runs=5']);
    kvparity(['run', '--provider=memory', `--out=${b}`, '--seed=7', '--runs=5']);
    const seeds = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'memory.json'), 'utf8')).results.map((r: { test: string; observed?: { seed?: number } }) => [r.test, r.observed?.seed ?? null]);
    expect(seeds(a)).toEqual(seeds(b));
  });

  it('--jobs: providers run side by side, each one\'s output in one piece, with the results of a run one at a time', () => {
    const [one, two] = [tmp(), tmp()];
    const args = ['run', '--provider=memory,sqlite', '--category=crud,keys,model', '--seed=11', '--runs=5'];
    const sequential = kvparity([...args, `--out=${one}`, '--jobs=1']);
    const parallel = kvparity([...args, `--out=${two}`, '--jobs=2']);
    expect([sequential.code, parallel.code]).toEqual([0, 0]);
    expect(parallel.err).toMatch(/2 providers \(memory, sqlite\), 2 at a time/);
    for (const id of ['memory', 'sqlite']) {
      const outcome = (dir: string) =>
        JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')).results.map((r: { test: string; status: string; property?: { seed: number } }) => [r.test, r.status, r.property?.seed ?? null]);
      expect(outcome(two)).toEqual(outcome(one));
      // One piece: from its header to its results file, no line of the other provider.
      const block = parallel.err.slice(parallel.err.indexOf(`▶ ${id}:`), parallel.err.indexOf(join(two, `${id}.json`)));
      expect(block).not.toMatch(new RegExp(`▶ ${id === 'memory' ? 'sqlite' : 'memory'}:`));
    }
  });

  it('--shard=K/N: N disjoint slices that cover the selection; report joins them, and names a missing one with exit 1', () => {
    const out = tmp();
    const runs = [1, 2, 3].map((k) => kvparity(['run', '--provider=memory', '--category=crud,ttl', '--seed=5', `--shard=${k}/3`, `--out=${out}`]));
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    const shard = (k: number) => JSON.parse(readFileSync(join(out, `memory.shard-${k}-of-3.json`), 'utf8'));
    const ids = [1, 2, 3].map((k) => shard(k).results.map((r: { test: string }) => r.test) as string[]);
    const whole = tmp();
    kvparity(['run', '--provider=memory', '--category=crud,ttl', '--seed=5', `--out=${whole}`]);
    const all = JSON.parse(readFileSync(join(whole, 'memory.json'), 'utf8')).results.map((r: { test: string }) => r.test);
    expect(ids.flat()).toEqual(all);
    expect(ids.map((slice) => slice.length).every((n) => Math.abs(n - all.length / 3) < 1)).toBe(true);
    expect(validateResults(shard(2))).toEqual([]);
    expect(shard(2).run_info.shard).toEqual({ index: 2, total: 3, of: all.length });

    const joined = kvparity(['report', `--in=${out}`, `--out=${out}`]);
    expect(joined.code).toBe(0);
    expect(joined.out).toMatch(new RegExp(`memory +local +${all.length}/${all.length} pass`));
    expect(joined.out).toMatch(/memory: joined from its 3 shards/);

    rmSync(join(out, 'memory.shard-2-of-3.json'));
    const missing = kvparity(['report', `--in=${out}`, `--out=${out}`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/memory: shard 2 of 3 missing; their cases are absent from this report/);
    const parity = JSON.parse(readFileSync(join(out, 'parity.json'), 'utf8'));
    expect(parity.merge.shards).toEqual([{ provider: 'memory', total: 3, present: [1, 3], missing: [2] }]);
    expect(parity.providers[0].total).toBe(ids[0].length + ids[2].length);
  });

  it('test ends with where the time went, and writes it to timing.json', () => {
    const out = tmp();
    const { code, err } = kvparity(['test', '--provider=memory,sqlite', '--category=crud', '--no-unit', `--out=${out}`]);
    expect(code).toBe(0);
    const last = err.trim().split('\n').at(-1);
    expect(last).toMatch(/^time: [\d.]+ s in all; conformance [\d.]+ s \(memory [\d.]+ s, sqlite [\d.]+ s\); runtime starts 0 in 0\.0 s, within the above$/);
    const timing = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8'));
    expect(timing).toMatchObject({ format: 'kvparity-test-timing@1', kit_tests: null, runtime_starts: { count: 0 } });
    expect(timing.conformance.providers.map((p: { id: string }) => p.id)).toEqual(['memory', 'sqlite']);
  });

  it('providers lists each provider with whether it can start here', () => {
    const { code, out } = kvparity(['providers']);
    expect(code).toBe(0);
    expect(out).toMatch(/✔ memory/);
    expect(out).toMatch(/✔ sqlite/);
    // One line per built-in, its id in a column as wide as the longest id.
    const width = Math.max(...builtinIds().map((id) => id.length));
    for (const id of builtinIds()) expect(out).toMatch(new RegExp(`^[✔✖] ${id.padEnd(width)} \\S`, 'm'));
  });

  it('a reader that stops early (| head -1) ends providers quietly: exit 0, no stack trace', () => {
    const piped = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${join(root, 'cli/kvparity.mjs')}" providers | head -1`], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    expect(piped.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(piped.stderr).not.toMatch(/EPIPE|\n\s+at .+:\d+:\d+/);
    expect(piped.status).toBe(0);
  });
});

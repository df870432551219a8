/**
 * What two authors of outside providers (etcd, NATS) hit, each held here: a provider error
 * anywhere is that case's ERROR and the run writes its results; a run of some cases never replaces
 * a whole run's results; the totals count known divergences and providers that never started
 * apart; an outside provider's runtime starts are counted.
 */
import { kvparityCli } from './fixtures/cli.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RESULTS_FORMAT, type ResultsFile } from '../results/types.ts';
import { validateResults } from '../results/validate.ts';
import { ALL_CASES } from '../suites/cases/index.ts';
import { conformanceTotals } from '../cli/run.ts';
import { renderSummary } from '../reports/summary.ts';
import { buildParity } from '../reports/parity.ts';

const root = resolve(import.meta.dirname, '..');
const fixture = join(root, 'test/fixtures/throwing-list-provider.ts');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-outside-'));
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;

const kvparity = (args: string[]) => kvparityCli(args, { timeoutMs: 300_000 });

describe('a provider error anywhere', () => {
  it('is that case\'s ERROR (also inside the engine\'s listing observation); the run goes on and replaces the last results file', () => {
    const out = tmp();
    const stale = join(out, 'throwing-list.json');
    writeFileSync(stale, JSON.stringify({ stale: true }));
    const { code, err } = kvparity(['run', `--provider=${fixture}`, '--category=crud,pagination', `--out=${out}`]);
    expect(code, err).toBe(0); // `run` writes results; `test` is the command that fails on them
    expect(err).not.toMatch(/list exploded[^\n]*\n\s+at /); // no stack trace of an uncaught exception
    const file = read(stale);
    expect(validateResults(file)).toEqual([]);
    const byId = new Map(file.results.map((r) => [r.test, r]));
    // varies: 'listing' asks the engine to observe the listing first: that list() throws.
    expect(byId.get('pagination.walk.small')).toMatchObject({ status: 'ERROR', message: expect.stringMatching(/observing the store failed: TypeError: list exploded/) });
    expect(byId.get('pagination.prefix.respected')).toMatchObject({ status: 'FAIL', message: expect.stringMatching(/list exploded/) });
    expect(byId.get('crud.round-trip')?.status).toBe('PASS');
    expect(file.results.length).toBe(ALL_CASES.filter((c) => c.category === 'crud' || c.category === 'pagination').length);
  }, 300_000);
});

describe('a run of some cases', () => {
  it('goes beside a whole run\'s results file, never over it, and a report of the directory is of the whole run', () => {
    const out = tmp();
    const whole = kvparity(['run', '--provider=memory', '--seed=3', `--out=${out}`]);
    expect(whole.code, whole.err).toBe(0);
    const before = readFileSync(join(out, 'memory.json'), 'utf8');
    const some = kvparity(['run', '--provider=memory', '--case=crud.round-trip', `--out=${out}`]);
    expect(some.code, some.err).toBe(0);
    expect(some.err).toContain(`results go to ${join(out, 'memory.partial.json')}, beside the whole run's ${join(out, 'memory.json')}`);
    expect(readFileSync(join(out, 'memory.json'), 'utf8')).toBe(before);
    expect(read(join(out, 'memory.partial.json')).run_info.partial).toEqual({ case: 'crud.round-trip' });
    const report = kvparity(['report', `--in=${out}`, `--out=${out}`]);
    expect(report.code, report.err).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'parity.json'), 'utf8')).cases.length).toBe(ALL_CASES.length);
  }, 300_000);

  it('where no whole run is, writes the usual file', () => {
    const out = tmp();
    const { code, err } = kvparity(['run', '--provider=memory', '--case=crud.round-trip', `--out=${out}`]);
    expect(code, err).toBe(0);
    expect(existsSync(join(out, 'memory.partial.json'))).toBe(false);
    expect(read(join(out, 'memory.json')).run_info.partial).toEqual({ case: 'crud.round-trip' });
  }, 120_000);
});

const result = (test: string, status: ResultsFile['results'][number]['status']) => ({ test, category: 'crud', check: 'contract' as const, title: test, ref: 'r', status, message: '', duration_ms: 0 });
const file = (provider: string, results: ResultsFile['results'], startError?: string): ResultsFile => ({
  format: RESULTS_FORMAT,
  run_info: { provider, title: provider, kind: 'local', platform: provider, source: 'test', runtime: null, capabilities: { ttl: false, metadata: false, clock: false }, available: true, kit_version: 't', contract_source: 's', contract_commit: 'f2bbe6f', seed: 1, runs: 1, run_id: 'r', namespace: 'kvp-r/', node: 'v', os: 'o', host: 'h', ...(startError ? { start_error: startError } : {}) },
  time_start: '2026-01-01T00:00:00.000Z',
  time_end: '2026-01-01T00:00:01.000Z',
  results,
});

describe('totals', () => {
  it('count a known divergence apart from a pass, and the cases of a provider that never started as not run', () => {
    const ran = file('ran', [result('crud.a', 'PASS'), result('crud.b', 'EXPECTED_DIVERGENCE'), result('crud.c', 'FAIL'), result('crud.d', 'SKIP')]);
    const never = file('never', [result('crud.a', 'ERROR'), result('crud.b', 'ERROR')], 'spawn nats-server ENOENT');
    expect(conformanceTotals([ran, never])).toEqual({ passed: 1, failed: 1, skipped: 1, diverged: 1, notRun: 2 });
    const summary = renderSummary(buildParity([{ file: never, path: 'never.json' }], []), []);
    expect(summary).toMatch(/never\s+not run: did not start: spawn nats-server ENOENT/);
  });

  it('count the runtime starts of a provider from outside the kit', () => {
    const out = tmp();
    const { code, err } = kvparity(['test', `--provider=${join(root, 'examples/my-provider/my-provider.ts')}`, '--case=crud.round-trip', `--out=${out}`]);
    expect(code, err).toBe(0);
    const timing = JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8'));
    expect(timing.runtime_starts.byRuntime['json-file']?.count).toBe(1);
    expect(err).toMatch(/runtime starts 1 in [\d.]+ s \(json-file 1 in/);
  }, 120_000);
});

describe('the command line', () => {
  it('answers each command\'s --help with that command\'s own usage, divergences record included', () => {
    for (const args of [['run'], ['test'], ['providers'], ['report'], ['init'], ['divergences', 'record'], ['divergences'], ['smoke'], ['bench']]) {
      const { code, out, err } = kvparity([...args, '--help']);
      expect(code, `${args.join(' ')} --help: ${err}`).toBe(0);
      expect(out, args.join(' ')).toMatch(new RegExp(`^Usage: kvparity ${args[0]}\\b`));
    }
  });

  it('lists the config file\'s providers under providers', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'kvparity.config.json'), JSON.stringify({ providers: [join(root, 'examples/my-provider/my-provider.ts')] }));
    const { code, out, err } = kvparity(['providers', `--config=${join(dir, 'kvparity.config.json')}`]);
    expect(code, err).toBe(0);
    expect(out).toMatch(/^✔ json-file /m);
    expect(out).toMatch(/^✔ memory /m);
  });
});

describe('divergences record', () => {
  it('writes one entry per root cause, recognised by the store\'s own text, and a rerun on another seed is green', async () => {
    const { recordDivergences } = await import('../suites/divergences.ts');
    const { runCases } = await import('../suites/engine.ts');
    const { limitedProvider } = await import('./fixtures/limited-store.ts');
    // NATS's key alphabet, and value and key limits whose refusals carry numbers that move.
    const provider = limitedProvider('outside-kv', 'outside', { keyPattern: /^[-/_=.a-zA-Z0-9]+$/, keyMax: 300, valueMax: 1_000_000, pageMax: 1000, ttlMinSeconds: 60, ttlMaxSeconds: 365 * 24 * 3600 });
    const run = (seed: number, divergences: Parameters<typeof runCases>[0]['divergences']) =>
      runCases({ provider, source: 'test', cases: ALL_CASES, seed, runs: 10, kitVersion: 'test', divergences, start: () => provider.start({ tmpDir: '/nonexistent', log: () => {}, options: {}, signal: new AbortController().signal }) });
    const first = await run(1, []);
    const { entries } = recordDivergences(first, []);
    const fails = first.results.filter((r) => r.status === 'FAIL');
    expect(fails.length).toBeGreaterThan(20);
    // The alphabet, the key length, the value limit, and "." and ".." taken where the contract
    // reserves them (keys.native.reserved, matched by what it observed): four root causes, whatever the case count.
    expect(entries.map((e) => e.message ?? JSON.stringify(e.observed)).sort()).toEqual([
      'invalid key: ',
      'key length \\d+ exceeds \\d+',
      'value of \\d+ bytes exceeds \\d+',
      JSON.stringify({ accepted: ['put "."', 'get "."', 'delete "."', 'put ".."', 'get ".."', 'delete ".."'] }),
    ]);
    for (const entry of entries) expect(JSON.stringify(entry)).not.toContain(first.run_info.run_id);
    const linked = entries.map((entry) => ({ ...entry, link: 'https://example.org/outside-kv' }));
    const second = await run(2, linked);
    expect(second.results.filter((r) => r.status === 'FAIL' || r.status === 'ERROR').map((r) => `${r.test}: ${r.message}`)).toEqual([]);
    expect(second.results.filter((r) => r.status === 'EXPECTED_DIVERGENCE').length).toBe(fails.length);
  }, 300_000);
});

describe('report', () => {
  it('takes each divergence\'s note and link from the divergence files as they are now', () => {
    const dir = tmp();
    const results = file('noted-kv', [{ ...result('crud.round-trip', 'EXPECTED_DIVERGENCE'), divergence: { link: 'https://example.org/old', note: 'the note at run time' } }]);
    writeFileSync(join(dir, 'noted-kv.json'), JSON.stringify(results));
    writeFileSync(join(dir, 'known.json'), JSON.stringify([{ case: 'crud.*', provider: 'noted-kv', message: 'x', link: 'https://example.org/new', note: 'the note edited since' }]));
    writeFileSync(join(dir, 'kvparity.config.json'), JSON.stringify({ divergences: ['./known.json'] }));
    const { code, err } = kvparity(['report', `--in=${join(dir, 'noted-kv.json')}`, `--out=${dir}`, `--config=${join(dir, 'kvparity.config.json')}`]);
    expect(code, err).toBe(0);
    const markdown = readFileSync(join(dir, 'parity.md'), 'utf8');
    expect(markdown).toContain('the note edited since');
    expect(markdown).toContain('https://example.org/new');
    expect(markdown).not.toContain('the note at run time');
  });
});

describe('a TypeScript provider', () => {
  const provider = (body: string) => `export default {\n  id: 'typed-kv', title: 't', kind: 'local', runtime: 'r',\n  capabilities: { ttl: false, metadata: false, clock: false },\n  async start() {\n${body}\n    throw new Error('not started');\n  },\n};\n`;
  /** A project of its own, with TypeScript installed (the kit's, linked) and no tsconfig.json: the defaults apply. */
  const project = (body: string) => {
    const dir = tmp();
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(join(root, 'node_modules/typescript'), join(dir, 'node_modules/typescript'));
    writeFileSync(join(dir, 'provider.ts'), provider(body));
    return join(dir, 'provider.ts');
  };

  it('is type-checked before the run where TypeScript is installed: an error is bad input, named with its line', () => {
    const path = project("    const port: number = 'not a number';\n    void port;");
    const { code, err } = kvparity(['run', `--provider=${path}`, '--case=crud.round-trip', `--out=${tmp()}`]);
    expect(code, err).toBe(2);
    expect(err).toMatch(/kvparity: provider typed-kv \(.*provider\.ts\) does not type-check \(TypeScript \d/);
    expect(err).toMatch(/provider\.ts\(5,11\): Type 'string' is not assignable to type 'number'/);
  }, 120_000);

  it('that type-checks runs, and says so', () => {
    const { code, err } = kvparity(['run', `--provider=${project('')}`, '--case=crud.round-trip', `--out=${tmp()}`]);
    expect(code, err).toBe(1); // named by path and not started: no verdict
    expect(err).toMatch(/kvparity: typed-kv: type-checked with TypeScript \d/);
  }, 120_000);
});

describe('the malformed-cursor probe', () => {
  it('observes the same on every seed (its made-up cursors are fixed, not drawn from the seed)', async () => {
    const { default: example } = await import('../examples/my-provider/my-provider.ts');
    const { runInProcess } = await import('./fixtures/run-in-process.ts');
    const cases = ALL_CASES.filter((c) => c.id === 'pagination.native.malformed-cursor');
    const observed = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const file = await runInProcess({ ...example, start: (context) => example.start({ ...context, tmpDir: tmp() }) }, { seed, runs: 1, cases });
      observed.add(JSON.stringify(file.results[0].observed));
    }
    expect([...observed]).toHaveLength(1);
  });
});

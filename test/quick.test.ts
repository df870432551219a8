/**
 * `--quick` (the repository's `npm test`): every provider, without the heavy cases and the kit's
 * slow test files, at fewer runs per property; the full run (`npm run test:full`) keeps them all.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_CASES, selectCases } from '../suites/cases/index.ts';
import { parseArgs } from '../cli/args.ts';
import { QUICK_RUNS, RUN_BOOLEANS, RUN_FLAGS, planRun } from '../cli/run.ts';
import { kitTestFiles } from '../cli/test.ts';
import { validateResults } from '../results/validate.ts';
import type { ResultsFile } from '../results/types.ts';
import { kvparityCli } from './fixtures/cli.ts';

const scratch = mkdtempSync(join(tmpdir(), 'kvparity-quick-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const heavy = ALL_CASES.filter((c) => c.heavy);
const plan = (...argv: string[]) => planRun(parseArgs([...argv, `--out=${scratch}`], { values: RUN_FLAGS, booleans: RUN_BOOLEANS }));

describe('--quick', () => {
  it('leaves out exactly the heavy cases, each saying what makes it heavy, and only where no id names one', () => {
    expect(heavy.length).toBeGreaterThan(0);
    for (const c of heavy) expect(c.heavy, c.id).toMatch(/\d/); // a size: "2,500 keys", "25 MiB"
    expect(selectCases({ quick: true }).map((c) => c.id)).toEqual(ALL_CASES.filter((c) => !c.heavy).map((c) => c.id));
    expect(selectCases({ ids: [heavy[0].id], quick: true }).map((c) => c.id)).toEqual([heavy[0].id]);
    expect(selectCases({ categories: ['values'], quick: true }).some((c) => c.heavy)).toBe(false);
  });

  it(`runs ${QUICK_RUNS} runs per property unless --runs says otherwise, and records the run as partial`, async () => {
    const quick = await plan('--provider=memory', '--quick');
    expect(quick.runs).toBe(QUICK_RUNS);
    expect(quick.partial).toEqual({ quick: true });
    expect(quick.quick).toEqual({ leftOut: heavy.length });
    expect(quick.wholeSuite).toBe(false);
    expect((await plan('--provider=memory', '--quick', '--runs=3')).runs).toBe(3);
    const full = await plan('--provider=memory');
    expect([full.runs, full.partial, full.quick, full.cases.length]).toEqual([50, undefined, undefined, ALL_CASES.length]);
  });

  it('leaves out the kit’s slow test files, and a provider’s file when that provider is not selected', () => {
    const names = ['cli.slow.test.ts', 'suites.test.ts', 'cloudflare.test.ts', 'fastly.test.ts', 'README.md'];
    expect(kitTestFiles(names, ['cloudflare'], { quick: true })).toEqual(['test/suites.test.ts', 'test/cloudflare.test.ts']);
    expect(kitTestFiles(names, ['cloudflare', 'fastly'], { quick: false })).toEqual(['test/cli.slow.test.ts', 'test/suites.test.ts', 'test/cloudflare.test.ts', 'test/fastly.test.ts']);
    // The repository's own split: both kinds are there, and a slow file is still a test file vitest runs.
    const ours = readdirSync(new URL('.', import.meta.url));
    expect(kitTestFiles(ours, [], { quick: true }).length).toBeLessThan(kitTestFiles(ours, [], { quick: false }).length);
    expect(ours.filter((name) => name.endsWith('.slow.test.ts')).every((name) => name.endsWith('.test.ts'))).toBe(true);
  });

  it('through the CLI: a valid results file without the heavy cases, marked quick, at the quick runs', () => {
    const out = join(scratch, 'cli');
    const run = kvparityCli(['run', '--provider=memory', '--quick', '--seed=7', `--out=${out}`]);
    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain(`quick: ${heavy.length} heavy cases left out`);
    const file = JSON.parse(readFileSync(join(out, 'memory.json'), 'utf8')) as ResultsFile;
    expect(validateResults(file)).toEqual([]);
    expect(file.run_info.partial).toEqual({ quick: true });
    expect(file.run_info.runs).toBe(QUICK_RUNS);
    const ran = new Set(file.results.map((r) => r.test));
    expect(heavy.filter((c) => ran.has(c.id))).toEqual([]);
    expect(ran.size).toBe(ALL_CASES.length - heavy.length);
  });
});

/**
 * The suite tests itself: each deliberately broken provider (test/broken/) must
 * FAIL the cases named for its fault, and the reference model must pass them.
 */
import { describe, expect, it } from 'vitest';
import { ALL_CASES } from '../suites/cases/index.ts';
import type { ResultsFile } from '../results/types.ts';
import { runCases } from '../suites/engine.ts';
import memory from '../providers/memory.ts';
import type { ProviderDefinition } from '../api/index.ts';
import { BROKEN } from './broken/index.ts';

const run = (provider: ProviderDefinition, cases = ALL_CASES): Promise<ResultsFile> =>
  runCases({
    provider,
    source: 'test',
    cases,
    seed: 20260101,
    runs: 10,
    kitVersion: 'test',
    divergences: [],
    start: () => provider.start({ tmpDir: '/nonexistent', log: () => {}, options: {}, signal: new AbortController().signal }),
    defaultTimeoutMs: 60_000,
  });

const statusOf = (file: ResultsFile) => Object.fromEntries(file.results.map((result) => [result.test, result.status]));

describe('broken providers', () => {
  it('every named case exists', () => {
    const ids = new Set(ALL_CASES.map((c) => c.id));
    for (const { mustFail } of BROKEN) for (const id of mustFail) expect(ids.has(id), id).toBe(true);
  });

  it('the reference model passes every case the broken providers must fail', async () => {
    const named = new Set(BROKEN.flatMap((b) => b.mustFail));
    const statuses = statusOf(await run(memory, ALL_CASES.filter((c) => named.has(c.id))));
    for (const id of named) expect(statuses[id], id).toBe('PASS');
  });

  for (const { provider, mustFail } of BROKEN) {
    it(`${provider.id} fails ${mustFail.join(', ')}`, async () => {
      const file = await run(provider);
      const statuses = statusOf(file);
      for (const id of mustFail) expect(statuses[id], `${id} on ${provider.id}`).toBe('FAIL');
      // The fault shows up as a FAIL (an assertion that did not hold), never as a crash of the suite.
      expect(file.results.filter((r) => r.status === 'ERROR' || r.status === 'TIMEOUT').map((r) => `${r.test}: ${r.message}`)).toEqual([]);
    }, 300_000);
  }
});

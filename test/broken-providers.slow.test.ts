/**
 * The suite tests itself: each deliberately broken provider (test/broken/) must FAIL the cases
 * named for its fault on every seed tried, fail nowhere outside the categories it declares, and
 * have its limits reported with the exact numbers; the reference model must pass those cases. A
 * broken client (test/broken/clients.ts: the contract's port with one fault, for rules no store
 * can break) is held to the same on the reference model.
 */
import { describe, expect, it } from 'vitest';
import { ALL_CASES } from '../suites/cases/index.ts';
import { isSeeded } from '../suites/case.ts';
import type { ResultsFile } from '../results/types.ts';
import memory from '../providers/memory.ts';
import type { ProviderDefinition } from '../api/index.ts';
import { BROKEN } from './broken/index.ts';
import { BROKEN_CLIENTS } from './broken/clients.ts';
import { runInProcess } from './fixtures/run-in-process.ts';

/**
 * Five seeds: a broken provider must be caught on each (properties only add to the example cases).
 * The first runs every case; the others only what a seed changes (properties and model runs,
 * suites/case.ts isSeeded) and the cases named for the fault: an example is the same case on every
 * seed, so its one run says what four more would.
 */
const SEEDS = [20260101, 1, 777, 424242, 2 ** 31 - 1];

const casesFor = (seed: number, named: string[]) => (seed === SEEDS[0] ? ALL_CASES : ALL_CASES.filter((c) => isSeeded(c) || named.includes(c.id)));

const run = (provider: ProviderDefinition, seed: number, cases = ALL_CASES): Promise<ResultsFile> => runInProcess(provider, { seed, runs: 10, cases });

const failing = (file: ResultsFile) => file.results.filter((r) => r.status !== 'PASS' && r.status !== 'SKIP');

describe('broken providers', () => {
  it('every named case exists, and every declared category', () => {
    const ids = new Set(ALL_CASES.map((c) => c.id));
    const categories = new Set(ALL_CASES.map((c) => c.category));
    for (const { mustFail, facts = {}, categories: declared } of [...BROKEN, ...BROKEN_CLIENTS.map((client) => ({ ...client, facts: {} }))]) {
      for (const id of [...mustFail, ...Object.keys(facts)]) expect(ids.has(id), id).toBe(true);
      for (const category of declared) expect(categories.has(category), category).toBe(true);
    }
  });

  it('the reference model passes every case the broken providers must fail', async () => {
    const named = new Set([...BROKEN, ...BROKEN_CLIENTS].flatMap((b) => b.mustFail));
    const file = await run(memory, SEEDS[0], ALL_CASES.filter((c) => named.has(c.id)));
    for (const result of file.results) expect(result.status, result.test).toBe('PASS');
  });

  for (const { provider, mustFail, categories, facts = {} } of BROKEN) {
    describe(provider.id, () => {
      for (const seed of SEEDS) {
        it(`seed ${seed}: fails ${mustFail.join(', ')}, only in ${categories.join(', ')}${Object.keys(facts).length ? ', limits exact' : ''}`, async () => {
          const file = await run(provider, seed, casesFor(seed, [...mustFail, ...Object.keys(facts)]));
          const byId = new Map(file.results.map((r) => [r.test, r]));
          for (const id of mustFail) expect(byId.get(id)?.status, `${id} on ${provider.id}`).toBe('FAIL');
          // The fault shows up as a FAIL (an assertion that did not hold), never as a crash of the suite…
          expect(file.results.filter((r) => r.status === 'ERROR' || r.status === 'TIMEOUT').map((r) => `${r.test}: ${r.message}`)).toEqual([]);
          // …and only in its own area.
          expect(failing(file).filter((r) => !categories.includes(r.category)).map((r) => `${r.test}: ${r.message.slice(0, 200)}`)).toEqual([]);
          for (const [id, fields] of Object.entries(facts)) expect(byId.get(id)?.observed, `${id} on ${provider.id}`).toMatchObject(fields);
        }, 300_000);
      }
    });
  }

  for (const client of BROKEN_CLIENTS) {
    describe(`client: ${client.id}`, () => {
      for (const seed of SEEDS) {
        it(`seed ${seed}: fails ${client.mustFail.join(', ')}, only in ${client.categories.join(', ')}`, async () => {
          const restore = client.apply();
          let file: ResultsFile;
          try {
            file = await run(memory, seed, casesFor(seed, client.mustFail));
          } finally {
            restore();
          }
          const byId = new Map(file.results.map((r) => [r.test, r]));
          for (const id of client.mustFail) expect(byId.get(id)?.status, `${id} with ${client.fault}`).toBe('FAIL');
          expect(file.results.filter((r) => r.status === 'ERROR' || r.status === 'TIMEOUT').map((r) => `${r.test}: ${r.message}`)).toEqual([]);
          expect(failing(file).filter((r) => !client.categories.includes(r.category)).map((r) => `${r.test}: ${r.message.slice(0, 200)}`)).toEqual([]);
        }, 300_000);
      }
    });
  }
});

/**
 * The rule → case table (suites/rules.ts, docs/contract-rules.md) and the peer-suite map
 * (docs/peer-suites.md) cannot rot: every case they name exists, every rule rests on example
 * cases, every contract check belongs to a rule, every mutant named fails a case of its rule,
 * and the rendered table is the one in docs/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_CASES } from '../suites/cases/index.ts';
import { RULES, caseMatches, renderRules } from '../suites/rules.ts';
import { BROKEN } from './broken/index.ts';
import { KvModel, modelInstance } from '../contract/model.ts';
import { KvHandle } from '../contract/handle.ts';
import { caseInstance } from '../suites/instance.ts';
import type { TimedCaseContext } from '../suites/case.ts';
import memory from '../providers/memory.ts';

/** The TTLs a case writes, from a run of it on the reference model. */
async function ttlsWritten(definition: (typeof ALL_CASES)[number]): Promise<number[]> {
  const model = modelInstance(new KvModel());
  const ttls: number[] = [];
  const kv = caseInstance({ ...model, put: (key, value, options) => (options?.ttlSeconds !== undefined && ttls.push(options.ttlSeconds), model.put(key, value, options)) });
  const context: TimedCaseContext = { provider: memory, kv, handle: new KvHandle(kv), ns: 'kvp-ttls/', key: (s) => 'kvp-ttls/' + s, clock: model.clock!, seed: 1, runs: 1, observe: () => {}, track: () => {} };
  await (definition.run as (c: TimedCaseContext) => Promise<unknown>)(context);
  return ttls;
}

const docs = (name: string) => new URL(`../docs/${name}`, import.meta.url);
const matching = (pattern: string) => ALL_CASES.filter((c) => caseMatches(pattern, c.id));

describe('contract rules', () => {
  it('name only cases that exist, and only examples: contract checks, or probes held to the contract', () => {
    for (const rule of RULES) {
      for (const pattern of rule.cases) {
        const cases = matching(pattern);
        expect(cases.length, `${rule.id}: ${pattern} matches no case`).toBeGreaterThan(0);
        for (const c of cases) expect(c.check === 'contract' || (c.check === 'probe' && !!c.contract), `${rule.id}: ${c.id} is a ${c.check}, not an example`).toBe(true);
      }
    }
  });

  it('claim every contract check: a new case says which rule it is for', () => {
    const unclaimed = ALL_CASES.filter((c) => c.check === 'contract' && !RULES.some((rule) => rule.cases.some((pattern) => caseMatches(pattern, c.id))));
    expect(unclaimed.map((c) => c.id)).toEqual([]);
  });

  it('rest, for every TTL rule, also on an example whose TTL is not a whole minute (a store counting in minutes fails it)', async () => {
    for (const rule of RULES.filter((r) => r.id.startsWith('ttl.'))) {
      const cases = ALL_CASES.filter((c) => rule.cases.some((pattern) => caseMatches(pattern, c.id)) && c.id.startsWith('ttl.'));
      const offMinute = [];
      for (const c of cases) if ((await ttlsWritten(c)).some((ttl) => ttl % 60 !== 0)) offMinute.push(c.id);
      expect(offMinute, `${rule.id}: a case whose TTL is not a whole minute`).not.toEqual([]);
    }
  });

  it('have unique ids', () => {
    expect(new Set(RULES.map((rule) => rule.id)).size).toBe(RULES.length);
  });

  it('name mutants that exist and must fail a case of the rule', () => {
    for (const rule of RULES.filter((r) => r.mutant)) {
      const broken = BROKEN.find((b) => b.provider.id === rule.mutant);
      expect(broken, `${rule.id}: no broken provider ${rule.mutant}`).toBeDefined();
      const caught = broken!.mustFail.filter((id) => rule.cases.some((pattern) => caseMatches(pattern, id)));
      expect(caught.length, `${rule.id}: ${rule.mutant} must fail one of ${rule.cases.join(', ')}`).toBeGreaterThan(0);
    }
  });

  it('are the table in docs/contract-rules.md', () => {
    const rendered = renderRules(ALL_CASES);
    if (process.env.KVPARITY_WRITE_DOCS) writeFileSync(docs('contract-rules.md'), rendered);
    expect(readFileSync(docs('contract-rules.md'), 'utf8')).toBe(rendered);
  });
});

describe('peer-suite map', () => {
  it('names only cases that exist', () => {
    const text = readFileSync(docs('peer-suites.md'), 'utf8');
    const named = [...text.matchAll(/`((?:crud|ttl|keys|values|pagination|unicode|metadata|concurrency|validation|model|consistency)\.[a-z0-9.*-]+)`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(50);
    expect(named.filter((pattern) => matching(pattern).length === 0)).toEqual([]);
  });
});

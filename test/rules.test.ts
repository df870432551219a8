/**
 * The rule → case table (suites/rules.ts, docs/contract-rules.md) and the peer-suite map
 * (docs/peer-suites.md) cannot rot: every case they name exists, every rule rests on example
 * cases, every contract check belongs to a rule, every mutant named fails a case of its rule,
 * the rendered table is the one in docs/, and every peer test the map names has a verdict that
 * its row backs and its peer's counts include.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_CASES, CATEGORIES } from '../suites/cases/index.ts';
import { RULES, caseMatches, renderRules } from '../suites/rules.ts';
import { BROKEN } from './broken/index.ts';
import { KvModel, modelInstance } from '../contract/model.ts';
import { KvHandle } from '../contract/handle.ts';
import { caseInstance } from '../suites/instance.ts';
import { ANY_ALPHABET } from '../suites/key-alphabet.ts';
import type { TimedCaseContext } from '../suites/case.ts';
import memory from '../providers/memory.ts';

/** The TTLs a case writes, from a run of it on the reference model. */
async function ttlsWritten(definition: (typeof ALL_CASES)[number]): Promise<number[]> {
  const model = modelInstance(new KvModel());
  const ttls: number[] = [];
  const kv = caseInstance({ ...model, put: (key, value, options) => (options?.ttlSeconds !== undefined && ttls.push(options.ttlSeconds), model.put(key, value, options)) });
  const context: TimedCaseContext = { provider: memory, kv, handle: new KvHandle(kv), ns: 'kvp-ttls/', keys: ANY_ALPHABET, key: (s) => 'kvp-ttls/' + s, clock: model.clock!, seed: 1, runs: 1, observe: () => {}, track: () => {} };
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
  const text = readFileSync(docs('peer-suites.md'), 'utf8');
  const VERDICTS = ['COVERED', 'PARTLY', 'OUT OF SCOPE'];
  const caseIds = new RegExp(`\`((?:${CATEGORIES.join('|')})\\.[a-z0-9.*-]+)\``, 'g');
  const rows = peerTestRows(text);

  it('reads a row for every peer test, under the heading of its suite', () => {
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.filter((row) => row.cells.length !== 4).map((row) => `${row.section}: ${row.cells.join(' | ')}`)).toEqual([]);
  });

  it('gives every peer test named a verdict: COVERED, PARTLY or OUT OF SCOPE', () => {
    const without = rows.filter(({ cells: [test, verdict] }) => !test || !VERDICTS.includes(verdict));
    expect(without.map((row) => `${row.section}: ${row.cells[0] || '(no test named)'} has "${row.cells[1]}"`)).toEqual([]);
  });

  it('names a case for every COVERED test, and says why or what is missing for the others', () => {
    const unheld = rows.filter(({ cells: [, verdict, cases] }) => verdict === 'COVERED' && !cases.match(caseIds));
    expect(unheld.map((row) => `${row.section}: ${row.cells[0]}`)).toEqual([]);
    const unexplained = rows.filter(({ cells: [, verdict, , why] }) => verdict !== 'COVERED' && why.length < 10);
    expect(unexplained.map((row) => `${row.section}: ${row.cells[0]}`)).toEqual([]);
  });

  it('names only cases that exist', () => {
    const named = [...text.matchAll(caseIds)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(100);
    expect(named.filter((pattern) => matching(pattern).length === 0)).toEqual([]);
    // In the cases column, every code span is a case id (a name the pattern above would miss, `walk.small`, is caught here).
    const strays = rows.flatMap(({ section, cells: [test, , cases] }) => [...cases.matchAll(/`([^`]*)`/g)].map((m) => m[1]).filter((id) => matching(id).length === 0).map((id) => `${section}: ${test}: ${id}`));
    expect(strays).toEqual([]);
  });

  it('names each peer test once in its section', () => {
    const seen = new Set<string>();
    const twice = rows.filter(({ section, cells: [test] }) => seen.size === seen.add(`${section}\n${test}`).size);
    expect(twice.map((row) => `${row.section}: ${row.cells[0]}`)).toEqual([]);
  });

  it('counts, per peer, what its rows say', () => {
    const counts = tableRows(text, '| peer | tests | COVERED | PARTLY | OUT OF SCOPE |');
    expect(counts.length).toBe(4);
    for (const [peer, tests, ...byVerdict] of counts.map((row) => row.cells)) {
      const own = rows.filter((row) => row.section.startsWith(`${peer} `));
      expect(own.length, `${peer}: a section of its tests`).toBeGreaterThan(0);
      expect([tests, ...byVerdict].map(Number), `${peer}: tests, COVERED, PARTLY, OUT OF SCOPE`).toEqual([own.length, ...VERDICTS.map((verdict) => own.filter((row) => row.cells[1] === verdict).length)]);
    }
  });
});

interface TableRow {
  /** The \`## \` heading the table sits under. */
  section: string;
  cells: string[];
}

/** The rows of every table of peer tests (first header cell "peer test"), each with its section. */
function peerTestRows(text: string): TableRow[] {
  const header = '| peer test | verdict | kvparity cases | why, or what is missing |';
  const headers = text.split('\n').filter((line) => /^\|\s*peer test\s*\|/.test(line));
  // A table of peer tests with another header would be read wrongly: refuse it.
  expect(headers.filter((line) => line.trim() !== header)).toEqual([]);
  return tableRows(text, header);
}

/** The body rows of every table with this header line, cells trimmed (an escaped "\\|" stays in its cell). */
function tableRows(text: string, header: string): TableRow[] {
  const rows: TableRow[] = [];
  let section = '';
  let inTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (line.trim() === header) {
      inTable = true;
      continue;
    }
    if (!line.startsWith('|')) inTable = false;
    if (!inTable || /^\|[-\s|]+\|$/.test(line)) continue;
    const cells = line.trim().slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
    rows.push({ section, cells });
  }
  return rows;
}

/** The case catalogue itself: enough cases, stable well-formed ids, every category, no stale divergence. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CASES, CATEGORIES, selectCases } from '../suites/cases/index.ts';
import { applyDivergence, casePatterns, findDivergence, loadDivergences } from '../suites/divergences.ts';
import type { CaseResult } from '../results/types.ts';
import { matchesCaseId } from '../suites/case-glob.ts';
import { keyOfBytes, CHAR_OF_WIDTH, type CharWidth } from '../suites/edge-keys.ts';
import { bisect, orderOf, probeUpperLimit } from '../suites/probe.ts';
import { caseNamespace, caseSeed, newNamespace } from '../suites/engine.ts';
import { isSeeded } from '../suites/case.ts';

const schema = JSON.parse(readFileSync(new URL('../results/results.schema.json', import.meta.url), 'utf8'));

/** The `test` id pattern the results schema demands, wherever it sits in the schema. */
function idPattern(node: unknown): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  const test = (record.properties as Record<string, { pattern?: string }> | undefined)?.test;
  if (test?.pattern) return test.pattern;
  for (const value of Object.values(record)) {
    const found = idPattern(value);
    if (found) return found;
  }
  return undefined;
}

describe('case catalogue', () => {
  it('draws only properties and model runs from the run seed: an example is the same case on every run', () => {
    const seeded = ALL_CASES.filter(isSeeded);
    expect(seeded.length).toBeGreaterThan(5);
    expect(seeded.map((c) => c.check).every((check) => check === 'property' || check === 'model')).toBe(true);
    for (const c of ALL_CASES) {
      const [a, b] = [caseSeed(1, c), caseSeed(2, c)];
      if (isSeeded(c)) expect(a, c.id).not.toBe(b);
      else expect(a, c.id).toBe(b);
    }
  });

  it('has at least 150 cases', () => {
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(150);
  });

  it('has unique ids, category first, matching the results schema', () => {
    const pattern = new RegExp(idPattern(schema) ?? '^[a-z0-9]+(\\.[a-z0-9-]+)+$');
    const ids = ALL_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of ALL_CASES) {
      expect(c.id, c.id).toMatch(pattern);
      expect(c.id.split('.')[0], c.id).toBe(c.category);
      expect(c.title.length, c.id).toBeGreaterThan(10);
      expect(c.ref.length, c.id).toBeGreaterThan(3);
    }
  });

  it('covers every category', () => {
    const present = new Set(ALL_CASES.map((c) => c.category));
    for (const category of CATEGORIES) expect(present.has(category), category).toBe(true);
  });

  it('gives a contract only to probes', () => {
    for (const c of ALL_CASES) if (c.contract) expect(c.check, c.id).toBe('probe');
  });

  it('selects by category and by glob', () => {
    expect(selectCases({ categories: ['ttl'] }).every((c) => c.category === 'ttl')).toBe(true);
    expect(selectCases({ ids: ['keys.control.*'] })).toHaveLength(65);
  });
});

describe('known divergences', () => {
  const divergences = loadDivergences(undefined, ALL_CASES.map((c) => c.id));
  const ids = new Set(ALL_CASES.map((c) => c.id));

  it('refer to existing cases, each with a link', () => {
    for (const entry of divergences) {
      for (const pattern of casePatterns(entry)) expect([...ids].some((id) => matchesCaseId(pattern, id)), `${pattern} (${entry.provider})`).toBe(true);
      expect(entry.link, String(entry.case)).toMatch(/^https:\/\//);
    }
  });

  it('cover each case at most once per provider (one entry per root cause)', () => {
    for (const provider of new Set(divergences.map((entry) => entry.provider))) {
      for (const id of ids) {
        const covering = divergences.filter((entry) => entry.provider === provider && casePatterns(entry).some((pattern) => matchesCaseId(pattern, id)));
        expect(covering.length, `${id} on ${provider}: ${covering.map((entry) => JSON.stringify(entry.case)).join(' and ')}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('let one entry cover several cases, by list or glob, and refuse a pattern recorded twice', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvparity-divergences-'));
    const file = join(dir, 'mine.json');
    const entry = { case: ['values.1-mib', 'pagination.walk.*'], provider: 'mine', message: 'too big', link: 'https://example.com/limits' };
    writeFileSync(file, JSON.stringify([entry]));
    const [loaded] = loadDivergences(file);
    expect(findDivergence([loaded], 'values.1-mib', 'mine')).toBe(loaded);
    expect(findDivergence([loaded], 'pagination.walk.page-7', 'mine')).toBe(loaded);
    expect(findDivergence([loaded], 'pagination.walk', 'mine')).toBeUndefined();
    expect(findDivergence([loaded], 'values.1-mib', 'other')).toBeUndefined();
    writeFileSync(file, JSON.stringify([entry, { ...entry, case: 'pagination.walk.*' }]));
    expect(() => loadDivergences(file)).toThrow('pagination.walk.* on mine is recorded twice');
    writeFileSync(file, JSON.stringify([{ ...entry, case: [] }]));
    expect(() => loadDivergences(file)).toThrow(/"case" must be a case id, a glob or a list of them/);
    rmSync(dir, { recursive: true });
  });

  it('refuse by name a link still to be given, a pattern that matches no case, and a glob overlapping an id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvparity-divergences-'));
    const file = join(dir, 'mine.json');
    const entry = { case: 'values.1-mib', provider: 'mine', message: 'too big', link: 'https://example.com/limits' };
    const ids = ALL_CASES.map((c) => c.id);
    writeFileSync(file, JSON.stringify([{ ...entry, link: 'TODO: the upstream issue' }]));
    expect(() => loadDivergences(file, ids)).toThrow(/the entry for values\.1-mib needs a link .*\(it says "TODO: the upstream issue"\)/);
    writeFileSync(file, JSON.stringify([{ ...entry, case: 'values.1-mb' }]));
    expect(() => loadDivergences(file, ids)).toThrow(/"values\.1-mb" matches no case id/);
    writeFileSync(file, JSON.stringify([entry, { ...entry, case: 'values.*' }]));
    expect(() => loadDivergences(file, ids)).toThrow('values.1-mib on mine is recorded twice');
    rmSync(dir, { recursive: true });
  });

  it('must keep happening in an example; a property or model run that finds nothing in its runs is no proof of a fix', () => {
    const entry = { case: ['crud.typed.numbers-exact', 'unicode.property.typed-json'], provider: 'mine', message: 'expected 1\\.5', link: 'https://example.com/floats' };
    const result = (test: string, check: CaseResult['check'], status: CaseResult['status'], message = ''): CaseResult =>
      ({ test, category: test.split('.')[0], check, title: 't', ref: 'r', status, message, duration_ms: 1 }) as CaseResult;
    const apply = (r: CaseResult) => applyDivergence(r, [entry], ['mine']);
    expect(apply(result('crud.typed.numbers-exact', 'contract', 'FAIL', 'get after put: expected 1.5, got 1.4')).status).toBe('EXPECTED_DIVERGENCE');
    expect(apply(result('crud.typed.numbers-exact', 'contract', 'PASS'))).toMatchObject({ status: 'FAIL', message: expect.stringMatching(/was not observed/) });
    expect(apply(result('unicode.property.typed-json', 'property', 'FAIL', 'get after put: expected 1.5, got 1.4')).status).toBe('EXPECTED_DIVERGENCE');
    expect(apply(result('unicode.property.typed-json', 'property', 'PASS'))).toMatchObject({ status: 'PASS', divergence: { link: entry.link } });
    // Found, but not the one recorded: still a failure, property or not.
    expect(apply(result('unicode.property.typed-json', 'property', 'FAIL', 'get after put: expected 2, got null')).status).toBe('FAIL');
  });

  it('have regexes that compile', () => {
    for (const entry of divergences) if (entry.message) expect(() => new RegExp(entry.message!)).not.toThrow();
  });
});

describe('exact-size keys', () => {
  it('the run namespace is 20 bytes, so 492 bytes remain', () => {
    const ns = caseNamespace(newNamespace().namespace, 12345);
    expect(Buffer.byteLength(ns)).toBe(20);
  });

  for (const width of [1, 2, 3, 4] as CharWidth[]) {
    it(`builds 512 and 513 bytes of ${width}-byte characters`, () => {
      const ns = caseNamespace(newNamespace().namespace, 7);
      const key = keyOfBytes(ns, 512, width);
      expect(Buffer.byteLength(key)).toBe(512);
      expect(key.slice(ns.length)).toBe(CHAR_OF_WIDTH[width].repeat(492 / width));
      expect(Buffer.byteLength(keyOfBytes(ns, 513, width))).toBe(513);
    });
  }
});

describe('probe helpers', () => {
  it('bisect finds the edge from either side', async () => {
    expect(await bisect(1, 1000, async (n) => n <= 512)).toMatchObject({ good: 512, bad: 513 });
    expect(await bisect(120, 1, async (n) => n >= 60)).toMatchObject({ good: 60, bad: 59 });
  });

  it('probeUpperLimit pins an exact limit, a larger one, none, and stops at a transport refusal', async () => {
    const at = (limit: number) => async (size: number) => (size <= limit ? { ok: true as const } : { ok: false as const, error: `too big: ${size}`, class: 'too-large' });
    expect(await probeUpperLimit({ contractLimit: 512, floor: 21, cap: 8192, budget: 30, tryAt: at(512) })).toMatchObject({ maxBytes: 512, error: 'too big: 513' });
    expect(await probeUpperLimit({ contractLimit: 512, floor: 21, cap: 8192, budget: 30, tryAt: at(1024) })).toMatchObject({ maxBytes: 1024, rejectedFrom: 1025 });
    expect(await probeUpperLimit({ contractLimit: 512, floor: 21, cap: 8192, budget: 30, tryAt: at(300) })).toMatchObject({ maxBytes: 300 });
    expect(await probeUpperLimit({ contractLimit: 512, floor: 21, cap: 8192, budget: 30, tryAt: at(1e9) })).toMatchObject({ maxBytes: null, rejectedFrom: null, probedUpTo: 8192 });
    const transport = async (size: number) => (size <= 600 ? { ok: true as const } : { ok: false as const, error: 'bridge answered 413', class: 'too-large', transport: true as const });
    expect(await probeUpperLimit({ contractLimit: 512, floor: 21, cap: 8192, budget: 30, tryAt: transport })).toMatchObject({ maxBytes: null, acceptedUpTo: 513 });
  });

  it('orderOf tells UTF-8 byte order from JavaScript string order', () => {
    expect(orderOf(['a', '\uffff', '\u{10000}'])).toBe('utf8-bytes');
    expect(orderOf(['a', '\u{10000}', '\uffff'])).toBe('js-string');
    expect(orderOf(['b', 'a'])).toBe('other');
  });
});

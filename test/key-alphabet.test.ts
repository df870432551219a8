/**
 * One rule, one divergence: a store that takes only some key characters (NATS's
 * `[-/_=.a-zA-Z0-9]`, on the parameterised in-memory fixture) diverges on the cases about
 * characters, and every case about another rule (case, order, prefixes, concurrency, model runs,
 * properties) still runs, with keys the store takes, and passes. The NATS example runs the same
 * against a real nats-server (test/nats-example.slow.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResultsFile } from '../results/types.ts';
import { renderFact } from '../reports/facts.ts';
import { isFact } from '../results/facts.ts';
import { characterClass, keyAlphabet } from '../suites/key-alphabet.ts';
import { caseInstance } from '../suites/instance.ts';
import { observeAlphabet } from '../suites/key-alphabet.ts';
import { LimitedStore, limitedInstance, limitedProvider } from './fixtures/limited-store.ts';
import { runInProcess } from './fixtures/run-in-process.ts';
import { OTHER_RULES } from './fixtures/other-rules.ts';

const NATS_KEYS = /^[-/_=.a-zA-Z0-9]+$/;


describe('a store that takes only some key characters', () => {
  let file: ResultsFile;
  const result = (id: string) => file.results.find((r) => r.test === id)!;
  const cell = (id: string) => {
    const observed = result(id).observed;
    return isFact(observed) ? renderFact(observed).value : JSON.stringify(observed);
  };

  beforeAll(async () => {
    // The contract's limits but for the alphabet: NATS's other rules are the NATS example's to show.
    const contract = { keyMax: 512, valueMax: 25 * 1024 * 1024, pageMax: 1000, ttlMinSeconds: 60, ttlMaxSeconds: 365 * 24 * 3600 };
    file = await runInProcess(limitedProvider('nats-alphabet', "NATS's key alphabet", { ...contract, keyPattern: NATS_KEYS }), { seed: 7, runs: 10 });
  }, 300_000);

  it('states its alphabet positively', () => {
    expect(cell('keys.native.alphabet')).toBe('`[-./=_a-zA-Z0-9]` only: no 2-, 3- or 4-byte character');
  });

  it('runs the cases about other rules with keys it takes, and they pass', () => {
    const notPassing = [...OTHER_RULES, 'model.commands.ttl'].map(result).filter((r) => r.status !== 'PASS').map((r) => `${r.test} ${r.status}: ${r.message}`);
    expect(notPassing).toEqual([]);
  });

  it('fails only cases about characters: every failure is the store refusing a key', () => {
    const failures = file.results.filter((r) => r.status !== 'PASS' && r.status !== 'SKIP');
    expect(failures.length).toBeGreaterThan(10);
    for (const failure of failures) {
      expect(failure.test, failure.message).toMatch(/^(keys\.|unicode\.|pagination\.prefix\.(astral|multibyte)$)/);
      expect(JSON.stringify(failure.observed) + failure.message, failure.test).toContain('invalid key: ');
    }
  });

  it('says "none accepted" for the widths it takes no character of, and a length for the one it does', () => {
    for (const width of ['2-byte', '3-byte', '4-byte']) expect(cell(`keys.native.max-bytes.${width}-chars`)).toMatch(/^none accepted: the platform takes no /);
    expect(cell('keys.native.max-bytes.1-byte-chars')).toBe('512 B');
  });

  it('shows the order it lists in, observed with keys it takes', () => {
    expect(result('pagination.native.order')).toMatchObject({ status: 'PASS', observed: { order: 'utf8-bytes', keys: ['-', '0', 'B', '_', 'a', 'z'] } });
  });
});

describe('the alphabet observation', () => {
  it('takes every character on a store without rules, and changes no name', async () => {
    const fact = await observeAlphabet(caseInstance(limitedInstance(new LimitedStore({}))), 'p/');
    expect(fact).toMatchObject({ summary: 'every character tried', class: null, refused: [], noneOfWidth: [] });
    const keys = keyAlphabet(fact);
    expect(keys.only(['é', '😀', 'a b'])).toEqual(['é', '😀', 'a b']);
    expect(keys.fit(['app:user:1'])).toEqual(['app:user:1']);
  });

  it('names a few refused ASCII characters, and fits names around them', async () => {
    const fact = await observeAlphabet(caseInstance(limitedInstance(new LimitedStore({ keyPattern: /^[^#;?^|]+$/ }))), 'p/');
    expect(fact.summary).toBe('printable ASCII but `#` `;` `?` `^` `|`; every 2-, 3- and 4-byte character tried');
    expect(fact.error).toMatch(/^invalid key: /);
    const keys = keyAlphabet(fact);
    expect(keys.only(['a#b', 'ab', 'é'])).toEqual(['ab', 'é']);
    expect(keys.fit(['a?b', 'a:b'])).toEqual(['a/b', 'a:b']);
    expect(() => keys.fit(['a?b', 'a|b'])).toThrow(/two names become "a\/b"/);
    expect(keys.charOfWidth(2)).toBe('é');
  });

  it('writes a character class with ranges for whole runs of letters and digits', () => {
    expect(characterClass([...'-/_=.', ...'abcdefghijklmnopqrstuvwxyz', ...'ABCDEFGHIJKLMNOPQRSTUVWXYZ', ...'0123456789'])).toBe('[-./=_a-zA-Z0-9]');
    expect(characterClass(['a', 'b', ']', '^'])).toBe('[\\]\\^ab]');
  });
});

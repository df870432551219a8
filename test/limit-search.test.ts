/**
 * The limit search finds a boundary wherever it lies, to the unit, and says in words where it
 * stood when it cannot; the report renders each fact as one readable cell.
 */
import { describe, expect, it } from 'vitest';
import { searchLimit, roundPoint, type LimitSearch } from '../suites/limit-search.ts';
import { renderFact } from '../reports/facts.ts';
import { NATIVE_ROWS, nativeRowFor, summarizeObservation } from '../reports/native-table.ts';
import type { Attempt } from '../suites/probe.ts';

const MiB = 1024 * 1024;
const upTo = (max: number | null) => async (n: number): Promise<Attempt> => (max === null || n <= max ? { ok: true } : { ok: false, error: `size ${n} exceeds limit of ${max}`, class: 'too-large' });
const atLeast = (min: number) => async (n: number): Promise<Attempt> => (n >= min ? { ok: true } : { ok: false, error: `${n} is below ${min}`, class: 'invalid-ttl' });

const value = (max: number | null, budget = 1024 * MiB): LimitSearch => ({ bound: 'max', unit: 'B', from: 1, to: 64 * MiB, hint: 25 * MiB, accepts: upTo(max), bytesAt: (n) => n, budget: { bytes: budget } });
const key = (max: number): LimitSearch => ({ bound: 'max', unit: 'B', from: 21, to: 65536, hint: 512, accepts: upTo(max) });
const page = (max: number): LimitSearch => ({ bound: 'max', unit: 'keys', from: 1, to: 10000, hint: 1000, accepts: upTo(max) });
const ttlMax = (max: number): LimitSearch => ({ bound: 'max', unit: 's', from: 1, to: 100 * 31536000, hint: 31536000, accepts: upTo(max) });
const ttlMin = (min: number): LimitSearch => ({ bound: 'min', unit: 'ms', from: 1, to: 3_600_000, hint: 60_000, accepts: atLeast(min) });

describe('limit search', () => {
  it.each([
    ['a value limit at the contract', value(25 * MiB), 25 * MiB],
    ['Deno KV values (64 KiB)', value(65536), 65536],
    ['a value limit of 30 MiB', value(30 * MiB), 30 * MiB],
    ['a decimal value limit (30,000,000 B)', value(30_000_000), 30_000_000],
    ['an odd value limit', value(12_345_678), 12_345_678],
    ['a key limit at the contract', key(512), 512],
    ['Fastly keys (1 KiB)', key(1024), 1024],
    ['a small key limit', key(100), 100],
    ['an odd key limit', key(777), 777],
    ['keys of the namespace size only', key(21), 21],
    ['a page of 1', page(1), 1],
    ['a page of 100', page(100), 100],
    ['a page of 5,000', page(5000), 5000],
    ['TTL at most one year', ttlMax(31536000), 31536000],
    ['TTL at most 30 days', ttlMax(30 * 86400), 30 * 86400],
    ['TTL at most 2^31 − 1 s', ttlMax(2 ** 31 - 1), 2 ** 31 - 1],
    ['a smallest TTL of 60 s', ttlMin(60_000), 60_000],
    ['a smallest TTL of 1.5 s', ttlMin(1500), 1500],
    ['a smallest TTL of 300 s', ttlMin(300_000), 300_000],
  ])('pins %s exactly', async (_, search, expected) => {
    const fact = await searchLimit(search);
    expect(fact.value).toBe(expected);
    expect(Math.abs(fact.accepted! - fact.refused!)).toBe(1);
    expect(fact.stopped).toBeUndefined();
  });

  it('keeps the refusal text verbatim and says how the number was found', async () => {
    const fact = await searchLimit(key(100));
    expect(fact.error).toBe('size 101 exceeds limit of 100');
    expect(fact.how).toBe('exponential steps from 21 B, then bisection');
    expect(renderFact(fact)).toEqual({ value: '100 B', errors: ['size 101 exceeds limit of 100'] });
    const atContract = await searchLimit(value(25 * MiB));
    expect(atContract.how).toMatch(/the contract's 26,214,400 B \(25 MiB\) and its neighbour$/);
    expect(renderFact(atContract).value).toBe('26,214,400 B (25 MiB)');
  });

  it('is cheap where boundaries usually are: the contract, a power of two, a round number', async () => {
    expect((await searchLimit(key(512))).probes).toBeLessThanOrEqual(8);
    expect((await searchLimit(key(1024))).probes).toBeLessThanOrEqual(14);
    expect((await searchLimit(value(65536))).moved!).toBeLessThan(60 * MiB);
  });

  it('says "no limit up to" the end of the range, and "no minimum down to" its start', async () => {
    expect(renderFact(await searchLimit(value(null))).value).toBe('no limit up to 67,108,864 B (64 MiB)');
    expect(renderFact(await searchLimit(ttlMin(1))).value).toBe('no minimum down to 1 ms');
  });

  it('says so when even the smallest size is refused', async () => {
    expect(renderFact(await searchLimit(key(10))).value).toBe('refused at every size tried, from 21 B');
  });

  it('stops on a byte budget and says where it stood, in words', async () => {
    const fact = await searchLimit(value(40_000_123, 200 * MiB));
    expect(fact.value).toBeNull();
    expect(fact.stopped).toMatch(/^stopped after \d+ MiB moved \(budget 200 MiB\)$/);
    expect(renderFact(fact).value).toMatch(/^accepted up to [\d,]+ B.*, refused from [\d,]+ B.*; stopped after \d+ MiB moved \(budget 200 MiB\)$/);
  });

  it('stops at a refusal by the kit\'s own bridge, which is not the platform\'s limit', async () => {
    const fact = await searchLimit({ ...key(100_000), accepts: async (n) => (n <= 8192 ? { ok: true } : { ok: false, error: '413 body too large', class: 'too-large', transport: true }) });
    expect(fact.value).toBeNull();
    expect(fact.refused).toBeNull();
    expect(renderFact(fact).value).toBe("accepted up to 8,192 B (8 KiB); stopped: the kit's bridge refused 16,384 B (16 KiB) before the platform saw it (413 body too large)");
  });

  it('reports a platform that is not monotonic instead of a number', async () => {
    const fact = await searchLimit({ ...key(0), accepts: async (n) => (n <= 512 && n !== 64 ? { ok: true } : { ok: false, error: 'no', class: 'too-large' }) });
    expect(fact.value).toBeNull();
    expect(renderFact(fact).value).toBe('not monotonic: 512 B accepted, 64 B refused');
  });

  it('picks round numbers inside the middle third of a gap', () => {
    expect(roundPoint(16 * MiB, 32 * MiB)).toBe(24 * MiB);
    expect(roundPoint(512, 1024)).toBe(768);
    expect(roundPoint(1, 3)).toBe(2);
  });

  it('is one whole cell in the native table: never cut, the platform\'s text beside it', async () => {
    const fact = await searchLimit(value(40_000_123, 200 * MiB));
    const cell = summarizeObservation({ observed: fact, status: 'FAIL' });
    expect(cell).toEqual({ value: renderFact(fact).value, errors: [fact.error], fact: true });
    expect(cell.value.length).toBeGreaterThan(80); // longer than other cells may be, and still whole
    expect(nativeRowFor('ttl.native.max')).toBe('largest-ttl');
    expect(nativeRowFor('ttl.native.expiry-at-ttl')).toBe('expiry');
    expect(nativeRowFor('pagination.native.default-limit')).toBe('default-page');
  });

  it('renders a list without a limit and malformed cursors in words, whole', () => {
    const headline = (id: string, observed: Record<string, unknown>) => summarizeObservation({ observed, status: 'PASS' }, NATIVE_ROWS.find((row) => row.key === nativeRowFor(id))!.headline);
    expect(headline('pagination.native.default-limit', { keys: 1000, complete: false, over: 1001 })).toEqual({ value: '1,000 of 1,001 keys, then a cursor', errors: [], fact: true });
    expect(headline('pagination.native.default-limit', { keys: 10_001, complete: true, over: 10_001 }).value).toBe('all 10,001 keys in one page (no default page size up to 10,001)');
    const cursors = headline('pagination.native.malformed-cursor', {
      garbage: { ok: false, error: 'Invalid cursor', class: 'invalid-argument' },
      'random-base64': { ok: true, keys: 2, complete: true, names: ['a', 'b'] },
    });
    expect(cursors).toEqual({ value: 'garbage: rejected (invalid-argument); random-base64: accepted, 2 key(s) listed, no cursor', errors: ['Invalid cursor'], fact: true });
  });

  it('renders expiry in words, saying when it was measured in real time', () => {
    const base = { fact: 'expiry' as const, ttlSeconds: 60, how: 'x' };
    expect(renderFact({ ...base, lateMs: 0, measured: 'controlled-clock' }).value).toBe('gone at the TTL');
    expect(renderFact({ ...base, lateMs: 1, presentAtMs: 0, measured: 'controlled-clock' }).value).toBe('gone 1 ms after the TTL');
    expect(renderFact({ ...base, lateMs: 30_000, presentAtMs: 29_999, measured: 'controlled-clock' }).value).toBe('gone 30 s after the TTL (still there at +29.999 s)');
    expect(renderFact({ ...base, lateMs: 61_250, presentAtMs: 61_150, measured: 'real-time', resolutionMs: 100 }).value).toBe('gone 61.25 s after the TTL (still there at +61.15 s) (measured in real time, polled every 100 ms)');
    expect(renderFact({ ...base, lateMs: null, presentAtMs: 134_217_728, measured: 'controlled-clock', stopped: 'still there two days after its TTL' }).value).toBe('still there 37.28 h after the TTL; still there two days after its TTL');
  });

  it('renders the smallest TTL with what keys lived: the one honoured first, then a floor, late expiry, a fraction', () => {
    const accepted = { fact: 'limit' as const, bound: 'min' as const, unit: 'ms' as const, value: 1000, accepted: 1000, refused: 999, from: 1, to: 1000, how: 'x', probes: 9 };
    const life = { asked: [1, 1.5, 2, 59, 59.5, 60], how: 'x' };
    expect(renderFact({ ...accepted, lifetimes: { ...life, honoured: 2, floor: { from: 1, to: 1.5, lives: 2 }, fraction: { asked: 59.5, lived: 59, rule: 'truncated' }, measured: 'real-time', resolutionMs: 500 } }).value).toBe(
      '2 s honoured (accepted: 1,000 ms): anything under 2 s lives 2 s; fractions truncated: 59.5 s lives 59 s (lifetimes measured in real time, to 500 ms)',
    );
    expect(renderFact({ ...accepted, value: null, accepted: 1, refused: null, lifetimes: { ...life, honoured: 10, floor: { from: 0.001, to: 5, lives: 7 }, measured: 'controlled-clock' } }).value).toBe(
      '10 s honoured (accepted: no minimum down to 1 ms): TTLs of 1 ms to 5 s live 7 s',
    );
    expect(renderFact({ ...accepted, lifetimes: { ...life, honoured: 59, raised: { from: 1, to: 10, upTo: 80.9, varying: true }, measured: 'controlled-clock' } }).value).toBe(
      '59 s honoured (accepted: 1,000 ms): TTLs of 1 s to 10 s lived longer than asked, by varying amounts (up to 80.9 s): late expiry, not a floor',
    );
    // Honoured as accepted, fractions kept: the cell is the acceptance alone.
    expect(renderFact({ ...accepted, value: 60, unit: 's', accepted: 60, refused: 59, lifetimes: { ...life, honoured: 60, fraction: { asked: 60.5, lived: 60.5, rule: 'kept' }, measured: 'controlled-clock' } }).value).toBe('60 s');
    expect(renderFact({ ...accepted, lifetimes: { honoured: null, asked: [], stopped: 'not observed: no clock (--real-time=64 observes them)', how: 'x' } }).value).toBe(
      '1,000 ms; lifetimes not observed: no clock (--real-time=64 observes them)',
    );
  });

  it('renders a limit on key and value together as one', () => {
    const fact = { fact: 'limit' as const, bound: 'max' as const, unit: 'B' as const, value: 1_572_818, accepted: 1_572_818, refused: 1_572_819, from: 1, to: 64 * MiB, how: 'x', probes: 50 };
    expect(renderFact({ ...fact, movesWith: { input: 'key', at: 23, by: 64, value: 1_572_754, total: 1_572_841 } }).value).toBe(
      '1,572,818 B with a 23-byte key; 1,572,754 B with one 64 B longer: key and value together at most 1,572,841 B (a limit on the request, not the value)',
    );
  });
});

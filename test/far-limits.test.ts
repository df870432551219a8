/**
 * Findings hold for any provider: stores whose rules lie far from the contract's, on either side
 * and in odd units, must be reported with exactly those rules by the native probes: every limit to
 * the unit, or, where the store has none within the searched range, "no boundary found" with the
 * largest size accepted. The stores are the parameterised in-memory fixture (test/fixtures/limited-store.ts).
 */
import { describe, expect, it } from 'vitest';
import { ALL_CASES } from '../suites/cases/index.ts';
import { runInProcess } from './fixtures/run-in-process.ts';
import type { ProviderDefinition } from '../api/index.ts';
import { limitedProvider, type Limits } from './fixtures/limited-store.ts';

const ETCDISH: Limits = { ttlMinSeconds: 1, ttlFloorSeconds: 2, truncateTtls: true, requestMax: 1_572_864 };

const KEY_PROBES = ['1-byte', '2-byte', '3-byte', '4-byte'].map((width) => `keys.native.max-bytes.${width}-chars`);
const everyWidth = (fact: Record<string, unknown>) => Object.fromEntries(KEY_PROBES.map((id) => [id, fact]));

interface Far {
  provider: ProviderDefinition;
  /** Case id → fields its observed fact must have. */
  facts: Record<string, Record<string, unknown>>;
  /** Case id → dotted paths its observed fact must not have (a floor where there is none). */
  absent?: Record<string, string[]>;
}

const FAR: Far[] = [
  {
    provider: limitedProvider('far-tiny', 'small everywhere', {
      keyMax: 64, valueMax: 4096, metadataMax: 100, pageMax: 10, beyondPage: 'refuse', defaultPage: 5, ttlMinSeconds: 0.001, ttlMaxSeconds: 86_400,
    }),
    facts: {
      ...everyWidth({ value: 64, refused: 65 }),
      'values.native.max': { value: 4096, refused: 4097 },
      'metadata.native.max-bytes': { value: 100, refused: 101 },
      'pagination.native.max-page': { value: 10, refused: 11 },
      'pagination.native.default-limit': { keys: 5 },
      // 1 ms is the smallest TTL asked: accepted, so no lower boundary exists to pin.
      'ttl.native.min': { unit: 'ms', value: null, accepted: 1, refused: null },
      'ttl.native.max': { value: 86_400, refused: 86_401 },
      'ttl.native.expiry-at-ttl': { lateMs: 0 },
    },
  },
  {
    provider: limitedProvider('far-big', 'large everywhere, pages clamped', {
      keyMax: 4096, valueMax: 48 * 1024 * 1024, metadataMax: 10_000, pageMax: 5000, beyondPage: 'clamp', defaultPage: 2500,
      ttlMinSeconds: 300, ttlMaxSeconds: 10 * 365 * 86_400 + 86_400,
    }),
    facts: {
      ...everyWidth({ value: 4096, refused: 4097 }),
      'values.native.max': { value: 48 * 1024 * 1024, refused: 48 * 1024 * 1024 + 1 },
      'metadata.native.max-bytes': { value: 10_000, refused: 10_001 },
      'pagination.native.max-page': { value: 5000, refused: 5001 },
      'pagination.native.default-limit': { keys: 2500 },
      'ttl.native.min': { unit: 's', value: 300, refused: 299 },
      'ttl.native.max': { value: 10 * 365 * 86_400 + 86_400, refused: 10 * 365 * 86_400 + 86_401 },
    },
  },
  {
    // Keys counted in UTF-16 units: 300 of them is 300 B of ASCII but more bytes of wider characters
    // (the probe's key starts with a 20-byte ASCII prefix).
    provider: limitedProvider('far-odd', 'odd numbers and units, late expiry', {
      keyMax: 300, keyLength: (key) => key.length, valueMax: 1_000_000, metadataMax: 1234, pageMax: 777, beyondPage: 'refuse',
      ttlMinSeconds: 7, ttlMaxSeconds: 2 ** 31 - 1, wholeSecondTtls: true, lateSeconds: 90,
    }),
    facts: {
      'keys.native.max-bytes.1-byte-chars': { value: 300 },
      'keys.native.max-bytes.2-byte-chars': { value: 580 },
      'keys.native.max-bytes.3-byte-chars': { value: 860 },
      'keys.native.max-bytes.4-byte-chars': { value: 580 },
      'values.native.max': { value: 1_000_000, refused: 1_000_001 },
      'metadata.native.max-bytes': { value: 1234, refused: 1235 },
      'pagination.native.max-page': { value: 777, refused: 778 },
      'pagination.native.default-limit': { keys: 777 },
      // Keys live 90 s past every TTL: late expiry, not a floor.
      'ttl.native.min': { unit: 's', value: 7, refused: 6, lifetimes: { honoured: 7 } },
      'ttl.native.max': { value: 2 ** 31 - 1, refused: 2 ** 31 },
      'ttl.native.expiry-at-ttl': { lateMs: 90_000 },
    },
    absent: { 'ttl.native.min': ['lifetimes.floor', 'lifetimes.raised'] },
  },
  {
    // Shaped like Deno KV: no page limit, TTLs in milliseconds without an upper bound, expiry a minute late.
    provider: limitedProvider('far-denoish', 'shaped like Deno KV', { keyMax: 2048, valueMax: 65_536, ttlMinSeconds: 0.001, lateSeconds: 60 }),
    facts: {
      ...everyWidth({ value: 2048, refused: 2049 }),
      'values.native.max': { value: 65_536, refused: 65_537 },
      'metadata.native.max-bytes': { value: null, accepted: 65_536, refused: null },
      'pagination.native.max-page': { value: null, accepted: 10_000, refused: null },
      // A minute late, every key: read too sparsely to tell a fraction, but no floor.
      'ttl.native.min': { unit: 'ms', value: null, accepted: 1, lifetimes: { honoured: 0.001 } },
      'ttl.native.max': { value: null, accepted: 3_153_600_000, refused: null },
      'ttl.native.expiry-at-ttl': { lateMs: 60_000 },
    },
    absent: { 'ttl.native.min': ['lifetimes.floor', 'lifetimes.raised'] },
  },
  {
    // Shaped like etcd, on a clock: leases of whole seconds (fractions cut), none under 2 s, and a
    // request limit over key and value together (test/real-time.test.ts: the same without a clock).
    provider: limitedProvider('far-etcdish', 'shaped like etcd', ETCDISH),
    facts: {
      'ttl.native.min': {
        unit: 'ms',
        value: 1000,
        refused: 999,
        lifetimes: { honoured: 2, floor: { from: 1, to: 1.5, lives: 2 }, fraction: { asked: 59.5, lived: 59, rule: 'truncated' }, measured: 'controlled-clock' },
      },
      'values.native.max': { value: ETCDISH.requestMax! - 23, movesWith: { input: 'key', at: 23, by: 64, value: ETCDISH.requestMax! - 23 - 64, total: ETCDISH.requestMax! } },
    },
  },
  {
    // A floor between the TTLs the probe asks: every TTL from 1 ms to 5 s lives 7 s, and 10 s is honoured.
    provider: limitedProvider('far-floor', 'TTLs under 7 s live 7 s', { ttlMinSeconds: 0.001, ttlFloorSeconds: 7 }),
    facts: {
      'ttl.native.min': { unit: 'ms', value: null, accepted: 1, lifetimes: { honoured: 10, floor: { from: 0.001, to: 5, lives: 7 }, fraction: { asked: 59.5, lived: 59.5, rule: 'kept' } } },
    },
  },
];

describe('stores far from the contract are reported with exactly their rules', () => {
  for (const { provider, facts, absent = {} } of FAR) {
    it(`${provider.id}: ${provider.title}`, async () => {
      const cases = ALL_CASES.filter((c) => c.id in facts);
      expect(cases.map((c) => c.id).sort()).toEqual(Object.keys(facts).sort());
      const file = await runInProcess(provider, { seed: 20260101, runs: 1, cases, timeoutMs: 120_000 });
      for (const result of file.results) {
        expect(result.observed, `${result.test} on ${provider.id}: ${result.message}`).toMatchObject(facts[result.test]);
        for (const path of absent[result.test] ?? []) expect(path.split('.').reduce<any>((o, k) => o?.[k], result.observed), `${result.test} on ${provider.id}: ${path}`).toBeUndefined();
      }
    }, 300_000);
  }
});

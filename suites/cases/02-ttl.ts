/**
 * TTL: the client's [60 s, 1 year] bounds, expiry at exactly the TTL (moved by
 * ctx.clock, never by waiting), and what the platform itself accepts.
 */
import { add } from '../../contract/handle.ts';
import { defineCases, type CaseContext, type TimedCaseContext } from '../case.ts';
import { equal, expectNothingUnder, expectValidation, isListed, keysUnder, must, ok } from '../expect.ts';
import type { ContractHandle } from '../../contract/handle.ts';
import { attempt, putMany } from '../probe.ts';
import { searchLimit } from '../limit-search.ts';
import { lifeOf, observeLifetimes, readLifetimes, ttlsFrom } from '../lifetimes.ts';
import type { ExpiryFact, LimitFact } from '../../results/facts.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const YEAR = 365 * 24 * 60 * 60;
const numbered = (count: number, prefix = 'k') => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

/**
 * A walk of `prefix` in pages of `pageSize` lists none of the `expired` keys and every `live` one (as a
 * set: the pages' sizes and order are pagination's rules).
 */
async function expectLiveOnly(handle: ContractHandle, prefix: string, keys: { expired: string[]; live: string[] }, what: string, pageSize: number): Promise<void> {
  const listed = await keysUnder(handle, prefix, pageSize);
  const stale = listed.filter((k) => keys.expired.includes(k));
  ok(stale.length === 0, `${what}: ${stale.length} expired key(s) listed`, stale.slice(0, 20));
  const lost = keys.live.filter((k) => !listed.includes(k));
  ok(lost.length === 0, `${what}: ${lost.length} of ${keys.live.length} live key(s) not listed`, { lost: lost.slice(0, 20), listed: listed.length });
}

async function rejectedTtl(context: CaseContext, ttl: number, message: string): Promise<void> {
  const { handle, key, kv, ns } = context;
  await expectValidation(`put_bytes_with_ttl(${ttl})`, () => handle.putBytesWithTtl(key('k'), bytes('v'), ttl), message);
  await expectValidation(`put_with_ttl(${ttl})`, () => handle.putWithTtl(key('typed'), { v: 1 }, ttl), message);
  await expectNothingUnder(kv, ns, `after a TTL of ${ttl}`);
}

async function acceptedTtl(context: CaseContext, ttl: number): Promise<void> {
  const { handle, key } = context;
  await must(`put_bytes_with_ttl(${ttl})`, () => handle.putBytesWithTtl(key('k'), bytes('v'), ttl));
  equal(await handle.getBytes(key('k')), bytes('v'), `get_bytes after put_bytes_with_ttl(${ttl})`);
  await must(`put_with_ttl(${ttl})`, () => handle.putWithTtl(key('typed'), { v: 1 }, ttl));
  equal(await handle.get(key('typed')), { v: 1 }, `get after put_with_ttl(${ttl})`);
}

/**
 * The smallest TTL the platform accepts: whole seconds from 1 s to an hour first; then, where the
 * platform takes fractions just below that boundary (or has none down to 1 s), milliseconds.
 */
async function smallestAcceptedTtl(context: CaseContext): Promise<LimitFact> {
  const seconds = await searchLimit({ bound: 'min', unit: 's', from: 1, to: 3600, hint: 60, accepts: (s) => nativeTtl(context, s) });
  const boundary = seconds.value ?? (seconds.refused === null && seconds.accepted === 1 ? 1 : null);
  if (boundary === null) return seconds;
  if (seconds.value !== null && !(await nativeTtl(context, boundary - 0.001)).ok) return { ...seconds, how: `${seconds.how}; ${boundary - 0.001} s refused too, so whole seconds` };
  const ms = await searchLimit({ bound: 'min', unit: 'ms', from: 1, to: boundary * 1000, accepts: (n) => nativeTtl(context, n / 1000) });
  return { ...ms, how: `whole seconds (${seconds.how}), then milliseconds below ${boundary} s (${ms.how})`, probes: seconds.probes + ms.probes + 1 };
}

/**
 * The smallest TTL the platform accepts, and what keys written with it and larger ones live
 * (suites/lifetimes.ts): with the clock, or in real time with --real-time; without either the fact
 * says they were not observed, and what budget would observe them.
 */
async function smallestTtl(context: CaseContext): Promise<LimitFact> {
  const accepted = await smallestAcceptedTtl(context);
  if (accepted.accepted === null) return accepted;
  const ttls = ttlsFrom(accepted.unit === 'ms' ? accepted.accepted / 1000 : accepted.accepted);
  if (!context.clock && !context.realTime) {
    const budget = Math.ceil(Math.max(...ttls)) + 3;
    return { ...accepted, lifetimes: { honoured: null, asked: [], stopped: `not observed: no clock (--real-time=${budget} observes them)`, how: 'keys written with TTLs from the smallest accepted up, watched until gone' } };
  }
  const how = context.clock
    ? 'keys of each TTL written in two bursts 1.25 s apart, the clock moved to a quarter second before and to each TTL, then in quarter seconds while one lives past it'
    : 'keys of each TTL written in two bursts 0.25 s apart, read every 100 ms in real time until gone';
  return { ...accepted, lifetimes: readLifetimes(await observeLifetimes(context, ttls, 'life-'), how) };
}

/**
 * How long after its TTL a key is gone, with the provider's clock: present a second before, then at
 * the TTL, then steps of 1, 2, 4, … ms after it (up to two days), then bisection with fresh keys.
 */
async function expiryLateness(context: TimedCaseContext): Promise<ExpiryFact> {
  const { kv, key, clock } = context;
  const ttl = await firstAcceptedTtl(context, [60, 120, 300, 3600]);
  const how = 'the controlled clock moved to a second before the TTL, to the TTL, then 1, 2, 4, … ms after it, then bisection';
  if (ttl === null) return { fact: 'expiry', ttlSeconds: 60, lateMs: null, measured: 'controlled-clock', stopped: 'no TTL of 60 s, 120 s, 300 s or an hour was accepted', how };
  const present = async (name: string) => (await kv.get(key(name))) !== null;
  await clock.advance(ttl - 1);
  if (!(await present('late-0'))) return { fact: 'expiry', ttlSeconds: ttl, lateMs: null, earlyMs: 1000, measured: 'controlled-clock', how };
  await clock.advance(1);
  if (!(await present('late-0'))) return { fact: 'expiry', ttlSeconds: ttl, lateMs: 0, measured: 'controlled-clock', how };
  const LIMIT_MS = 2 * 24 * 3600 * 1000;
  let presentAt = 0;
  let goneAt: number | null = null;
  for (let late = 1; late <= LIMIT_MS; late *= 2) {
    await clock.advance((late - presentAt) / 1000);
    if (!(await present('late-0'))) {
      goneAt = late;
      break;
    }
    presentAt = late;
  }
  if (goneAt === null) return { fact: 'expiry', ttlSeconds: ttl, lateMs: null, presentAtMs: presentAt, measured: 'controlled-clock', stopped: 'still there two days after its TTL', how };
  // Bisection: a fresh key for each point, since the clock only moves forward.
  for (let probe = 1; goneAt - presentAt > 1; probe++) {
    const mid = Math.floor((presentAt + goneAt) / 2);
    await kv.put(key(`late-${probe}`), bytes('v'), { ttlSeconds: ttl });
    await clock.advance(ttl + mid / 1000);
    if (await present(`late-${probe}`)) presentAt = mid;
    else goneAt = mid;
  }
  return { fact: 'expiry', ttlSeconds: ttl, lateMs: goneAt, presentAtMs: presentAt, measured: 'controlled-clock', how };
}

/**
 * How late expiry comes, measured in real time (only when the user gave --real-time and the provider
 * has no clock), with a TTL the platform honours: keys of whole-second TTLs watched until gone
 * (suites/lifetimes.ts), and the lateness of the smallest honoured one. A TTL raised to a floor
 * would count the floor as lateness. Only as exact as the polling and the round trip.
 */
async function realTimeLateness(context: CaseContext): Promise<ExpiryFact> {
  const how = 'keys of whole-second TTLs read every 100 ms in real time from their puts; the lateness of the smallest TTL honoured';
  const observed = await observeLifetimes(context, ttlsFrom(0.001).filter((t) => t < 1 || Number.isInteger(t)), 'late-');
  const honoured = readLifetimes(observed, how).honoured;
  const life = honoured === null ? undefined : lifeOf(observed, honoured);
  const resolution = { measured: 'real-time' as const, resolutionMs: 100 };
  if (honoured === null || !life || life.hi === null) {
    return { fact: 'expiry', ttlSeconds: honoured ?? 1, lateMs: null, ...resolution, stopped: observed.stopped ?? 'no TTL that fits the real-time budget was honoured', how };
  }
  const [lo, hi] = [life.lo - honoured * 1000, life.hi - honoured * 1000];
  if (hi < 0) return { fact: 'expiry', ttlSeconds: honoured, lateMs: null, earlyMs: Math.round(-hi), ...resolution, how };
  return { fact: 'expiry', ttlSeconds: honoured, lateMs: Math.round(hi), presentAtMs: Math.max(0, Math.round(lo)), ...resolution, how };
}

/** Writes key "late-0" with the first of `ttls` the platform accepts; null when it takes none. */
async function firstAcceptedTtl(context: CaseContext, ttls: number[]): Promise<number | null> {
  for (const ttl of ttls) if ((await attempt(() => context.kv.put(context.key('late-0'), bytes('v'), { ttlSeconds: ttl }))).ok) return ttl;
  return null;
}

const nativeTtl = (context: CaseContext, ttl: number) => attempt(() => context.kv.put(context.key(`ttl-${ttl}`), bytes('v'), { ttlSeconds: ttl }));

export default defineCases('ttl', [
  {
    id: 'ttl.min-bound',
    check: 'contract',
    title: 'a TTL of exactly 60 s is accepted',
    ref: 'contract §2.2 TTL "exactly 60 s is OK"; §6.2 put_with_ttl_stores_value',
    requires: ['ttl'],
    run: (context) => acceptedTtl(context, 60),
  },
  {
    id: 'ttl.below-min.59s',
    check: 'contract',
    title: 'a TTL of 59 s is rejected before the provider',
    ref: 'contract §2.2 TTL minimum',
    run: (context) => rejectedTtl(context, 59, 'TTL 59s is less than minimum of at least 60 seconds'),
  },
  {
    id: 'ttl.below-min.59.5s',
    check: 'contract',
    title: 'a TTL of 59.5 s is rejected (a Duration, not whole seconds)',
    ref: 'contract §2.2 TTL minimum',
    run: (context) => rejectedTtl(context, 59.5, 'TTL 59.5s is less than minimum of at least 60 seconds'),
  },
  {
    id: 'ttl.below-min.1s',
    check: 'contract',
    title: 'a TTL of 1 s is rejected',
    ref: 'contract §2.2 TTL minimum',
    run: (context) => rejectedTtl(context, 1, 'TTL 1s is less than minimum of at least 60 seconds'),
  },
  {
    id: 'ttl.below-min.zero',
    check: 'contract',
    title: 'a TTL of 0 is rejected',
    ref: 'contract §2.2 TTL minimum; §4 "the 60 s minimum makes zero impossible"',
    run: (context) => rejectedTtl(context, 0, 'TTL 0ns is less than minimum of at least 60 seconds'),
  },
  {
    id: 'ttl.max-bound',
    check: 'contract',
    title: 'a TTL of exactly one year (31,536,000 s) is accepted',
    ref: 'contract §2.2 TTL "exactly 1 year is OK"',
    requires: ['ttl'],
    run: (context) => acceptedTtl(context, YEAR),
  },
  {
    id: 'ttl.above-max.1-year-plus-1s',
    check: 'contract',
    title: 'a TTL of one year and one second is rejected',
    ref: 'contract §2.2 TTL maximum; §6.2 validation_rejects_long_ttl',
    run: (context) => rejectedTtl(context, YEAR + 1, 'TTL 31536001s exceeds maximum of 1 year'),
  },
  {
    id: 'ttl.stores-value',
    check: 'contract',
    title: 'a value put with a 300 s TTL is readable at once',
    ref: 'contract §6.1 contract_put_with_ttl_stores_value',
    requires: ['ttl'],
    async run({ handle, key }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('ttl_key'), bytes('ttl_val'), 300));
      equal(await handle.getBytes(key('ttl_key')), bytes('ttl_val'), 'get_bytes right after put_bytes_with_ttl');
      equal(await handle.exists(key('ttl_key')), true, 'exists right after put_bytes_with_ttl');
    },
  },
  {
    id: 'ttl.expiry.exact',
    check: 'contract',
    title: 'a 60 s key is present 1 s before its TTL and gone at it',
    ref: 'contract §4 "expired when now >= expires_at"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), 60));
      await clock.advance(59);
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes at 59 s');
      await clock.advance(1);
      equal(await handle.getBytes(key('k')), null, 'get_bytes at 60 s');
    },
  },
  {
    id: 'ttl.expiry.exact-in-list',
    check: 'contract',
    title: 'a 60 s key is listed at 59 s and no longer listed at 60 s',
    ref: 'contract §3 "Expired keys: never listed"; §4 "expired when now >= expires_at"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, ns, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('expiring'), bytes('v'), 60));
      await must('put_bytes', () => handle.putBytes(key('lasting'), bytes('v')));
      await clock.advance(59);
      equal(await isListed(handle, key('expiring')), true, 'the 60 s key listed at 59 s');
      await clock.advance(1);
      equal(await isListed(handle, key('expiring')), false, 'the 60 s key listed at 60 s');
      equal(await isListed(handle, key('lasting')), true, 'the key without a TTL listed at 60 s');
    },
  },
  {
    id: 'ttl.expiry.exact-300s',
    check: 'contract',
    title: 'a 300 s key is present at 299 s and gone at 300 s',
    ref: 'contract §4',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), 300));
      await clock.advance(299);
      equal(await handle.exists(key('k')), true, 'exists at 299 s');
      await clock.advance(1);
      equal(await handle.exists(key('k')), false, 'exists at 300 s');
    },
  },
  {
    id: 'ttl.expiry.one-year',
    check: 'contract',
    title: 'a one-year key is present a second before the year ends and gone at it',
    ref: 'contract §2.1 MAX_TTL; §4',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), YEAR));
      await clock.advance(YEAR - 1);
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes one second before a year');
      await clock.advance(1);
      equal(await handle.getBytes(key('k')), null, 'get_bytes at one year');
    },
  },
  {
    id: 'ttl.expired.vanishes',
    check: 'contract',
    title: 'an expired key is gone from get, exists, typed get and list',
    ref: 'contract §4 "An expired key behaves like a missing key"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, ns, clock }) {
      await must('put_with_ttl', () => handle.putWithTtl(key('expiring'), { n: 1 }, 60));
      await must('put', () => handle.put(key('lasting'), { n: 2 }));
      // Past the TTL: the expiry instant itself is ttl.expiry.exact's rule.
      await clock.advance(61);
      equal(await handle.getBytes(key('expiring')), null, 'get_bytes of an expired key');
      equal(await handle.exists(key('expiring')), false, 'exists of an expired key');
      equal(await handle.getOr(key('expiring'), 'default'), 'default', 'get_or of an expired key');
      equal(await isListed(handle, key('expiring')), false, 'an expired key listed');
    },
  },
  {
    id: 'ttl.expired.list-only',
    check: 'contract',
    title: 'expired keys are left out of a list that runs before any get touches them, and a live key beside them is listed, whether they come before it, after it or both',
    ref: 'contract §3 "Expired keys: never listed"; EdgeZero axum list_keys_page_skips_expired_entries; keyv iterator "doesn\'t yield expired values"; Miniflare "list: ignores expired keys"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      // One live key per group, among expired ones: a listing that stops at an expired key loses it, and
      // with a single live key in each listing the pages' sizes and order (pagination's rules) cannot matter.
      const groups = [
        { prefix: 'between/', expired: ['a', 'c'], live: 'b' },
        { prefix: 'after/', expired: ['a', 'b'], live: 'c' },
        { prefix: 'before/', expired: ['b', 'c'], live: 'a' },
      ];
      for (const { prefix, expired, live } of groups) {
        for (const name of expired) await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key(prefix + name), bytes('gone'), 60));
        await must('put_bytes', () => handle.putBytes(key(prefix + live), bytes('live')));
      }
      await clock.advance(61);
      for (const { prefix, expired, live } of groups) {
        await expectLiveOnly(handle, key(prefix), { expired: expired.map((name) => key(prefix + name)), live: [key(prefix + live)] }, `a walk of ${prefix} in pages of 1 after ${expired.join(' and ')} expired`, 1);
      }
    },
  },
  {
    id: 'ttl.overwrite.clears-ttl',
    check: 'contract',
    title: 'a plain put over a key with a TTL removes the expiry',
    ref: 'contract §4 "Overwrite clears the TTL"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('expiring'), 60));
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('forever')));
      await clock.advance(61);
      equal(await handle.getBytes(key('k')), bytes('forever'), 'get_bytes 61 s after a plain overwrite of a 60 s key');
    },
  },
  {
    id: 'ttl.overwrite.replaces-ttl',
    check: 'contract',
    title: 'a put with a shorter TTL replaces the longer one',
    ref: 'contract §4 "a new put_*_with_ttl replaces the expiry"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('long'), 600));
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('short'), 60));
      await clock.advance(61);
      equal(await handle.getBytes(key('k')), null, 'get_bytes 61 s after the 60 s overwrite');
    },
  },
  {
    id: 'ttl.expired.left-out-of-every-page',
    check: 'contract',
    title: 'with every other key expired, a walk in pages of 2 lists only the live ones, and ends',
    ref: 'contract §3 "Expired keys: never listed"; platform-kv-behaviour §D3 (empty pages with list_complete false)',
    requires: ['ttl'],
    clock: 'required',
    async run(context) {
      const { kv, key, ns, handle } = context;
      const all = numbered(10).map(key);
      await putMany(kv, all.map((k, i) => ({ key: k, value: bytes('v'), ...(i % 2 === 0 ? { options: { ttlSeconds: 60 } } : {}) })));
      await context.clock.advance(61);
      // That no expired key is listed; which live keys a walk in pages of 2 returns is pagination's rule.
      await expectLiveOnly(handle, ns, { expired: all.filter((_, i) => i % 2 === 0), live: [] }, 'a walk in pages of 2 after half the keys expired', 2);
    },
  },
  {
    id: 'ttl.expired.long-run-before-live',
    check: 'contract',
    title: 'three runs of 100 expired keys, each before a live key: a walk of each run in pages of 10 crosses it to its live key, lists no expired one, and ends',
    ref: 'contract §3 "Expired keys: never listed"; EdgeZero axum list_keys_page_returns_resume_cursor_when_scan_cap_is_hit',
    requires: ['ttl'],
    clock: 'required',
    timeoutMs: 300_000,
    async run(context) {
      const { kv, key, handle } = context;
      // One live key per run, so it is the only one each walk can list: how pages split several live keys is pagination's rule.
      const runs = ['r1/', 'r2/', 'r3/'].map((prefix) => ({ prefix, expired: numbered(100, `${prefix}a-expired-`).map(key), live: key(`${prefix}z-live`) }));
      await putMany(kv, runs.flatMap(({ expired }) => expired.map((k) => ({ key: k, value: bytes('v'), options: { ttlSeconds: 60 } }))));
      await putMany(kv, runs.map(({ live }) => ({ key: live, value: bytes('v') })));
      await context.clock.advance(61);
      // A store that gives up inside an expired run (Axum's scan cap before upstream fixed it), or resumes past the key after it, loses that key.
      for (const { prefix, expired, live } of runs) await expectLiveOnly(handle, key(prefix), { expired, live: [live] }, `a walk of ${prefix} in pages of 10 after a run of 100 expired keys`, 10);
    },
  },
  {
    id: 'ttl.expired.overwrite',
    check: 'contract',
    title: 'a key written again after it expired holds the new value and no old expiry, with listings before, during and after the overwrite',
    ref: 'contract §4; EdgeZero axum cleanup_expired_keys_does_not_delete_fresh_overwrite (a listing cleans up the expired keys it met: the cleanup must not take a fresh overwrite)',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      for (const name of ['k', 'raced']) await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key(name), bytes('old'), 60));
      await clock.advance(61);
      // Listings of the key alone (which keys a walk returns is pagination's rule): the first meets it expired, then
      // the overwrite lands, then another listing. Whatever the store cleans up after the first must leave the new value.
      const listing = (name: string) => keysUnder(handle, key(name), 1);
      await listing('k');
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('new')));
      await listing('k');
      equal(await handle.getBytes(key('k')), bytes('new'), 'get_bytes after listings before and after the overwrite');
      // The overwrite racing a listing that meets the expired key.
      await Promise.all([listing('raced'), must('put_bytes', () => handle.putBytes(key('raced'), bytes('new')))]);
      await listing('raced');
      equal(await handle.getBytes(key('raced')), bytes('new'), 'get_bytes after an overwrite that raced a listing');
      // No old expiry left behind.
      await clock.advance(120);
      equal(await handle.getBytes(key('k')), bytes('new'), 'get_bytes 120 s after the overwrite');
      equal(await handle.getBytes(key('raced')), bytes('new'), 'get_bytes 120 s after the raced overwrite');
    },
  },
  {
    id: 'ttl.expired.delete',
    check: 'contract',
    title: 'delete of an expired key succeeds',
    ref: 'contract §4, §5 delete a missing key',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), 60));
      await clock.advance(61);
      await must('delete of an expired key', () => handle.delete(key('k')));
      equal(await handle.getBytes(key('k')), null, 'get_bytes after delete');
    },
  },
  {
    id: 'ttl.independent-keys',
    check: 'contract',
    title: 'keys with different TTLs expire each at its own time',
    ref: 'contract §4',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('short'), bytes('s'), 60));
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('long'), bytes('l'), 120));
      // A second past each TTL: the expiry instant itself is ttl.expiry.exact's rule.
      await clock.advance(61);
      equal(await handle.getBytes(key('short')), null, 'the 60 s key at 61 s');
      equal(await handle.getBytes(key('long')), bytes('l'), 'the 120 s key at 61 s');
      await clock.advance(60);
      equal(await handle.getBytes(key('long')), null, 'the 120 s key at 121 s');
    },
  },
  {
    id: 'ttl.rmw-drops-ttl',
    check: 'contract',
    title: 'read_modify_write over a key with a TTL writes it back without one',
    ref: 'contract §1.2 read_modify_write = get_or then put; §4 overwrite clears the TTL',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_with_ttl', () => handle.putWithTtl(key('n'), 1, 60));
      await must('read_modify_write', () => handle.readModifyWrite(key('n'), 0, add(1)));
      await clock.advance(120);
      equal(await handle.get(key('n')), 2, 'the counter 120 s after read_modify_write');
    },
  },
  // Every rule again with a TTL that is not a whole minute: a store that counts TTLs in minutes, or
  // rounds them, keeps the cases above and fails these.
  {
    id: 'ttl.accepted.90.5s',
    check: 'contract',
    title: 'a TTL of 90.5 s (not a whole minute) is accepted',
    ref: 'contract §2.2 TTL "a Duration"',
    requires: ['ttl'],
    run: (context) => acceptedTtl(context, 90.5),
  },
  {
    id: 'ttl.stores-value.61s',
    check: 'contract',
    title: 'a value put with a 61 s TTL is readable at once',
    ref: 'contract §6.1 contract_put_with_ttl_stores_value',
    requires: ['ttl'],
    async run({ handle, key }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), 61));
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes right after put_bytes_with_ttl(61)');
    },
  },
  {
    id: 'ttl.expiry.exact-61s',
    check: 'contract',
    title: 'a 61 s key is present at 60 s and gone at 61 s',
    ref: 'contract §4 "expired when now >= expires_at"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), 61));
      await clock.advance(60);
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes of a 61 s key at 60 s');
      await clock.advance(1);
      equal(await handle.getBytes(key('k')), null, 'get_bytes of a 61 s key at 61 s');
    },
  },
  {
    id: 'ttl.expiry.exact-90.5s',
    check: 'contract',
    title: 'a 90.5 s key is present at 90 s and gone at 90.5 s (the fraction counts)',
    ref: 'contract §4; §2.2 TTL "a Duration"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('v'), 90.5));
      await clock.advance(90);
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes of a 90.5 s key at 90 s');
      await clock.advance(0.5);
      equal(await handle.getBytes(key('k')), null, 'get_bytes of a 90.5 s key at 90.5 s');
    },
  },
  {
    id: 'ttl.expired.vanishes.61s',
    check: 'contract',
    title: 'a 61 s key is gone from get, exists, typed get and list at 62 s',
    ref: 'contract §4 "An expired key behaves like a missing key"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_with_ttl', () => handle.putWithTtl(key('expiring'), { n: 1 }, 61));
      await clock.advance(62);
      equal(await handle.getBytes(key('expiring')), null, 'get_bytes of a 61 s key at 62 s');
      equal(await handle.exists(key('expiring')), false, 'exists of a 61 s key at 62 s');
      equal(await handle.getOr(key('expiring'), 'default'), 'default', 'get_or of a 61 s key at 62 s');
      equal(await isListed(handle, key('expiring')), false, 'a 61 s key listed at 62 s');
    },
  },
  {
    id: 'ttl.expired.list-only.61s',
    check: 'contract',
    title: 'three 61 s keys are left out of a list at 62 s that runs before any get touches them',
    ref: 'contract §3 "Expired keys: never listed"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, ns, clock }) {
      for (const name of ['a', 'b', 'c']) await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key(name), bytes(name), 61));
      await must('put_bytes', () => handle.putBytes(key('d'), bytes('d')));
      await clock.advance(62);
      await expectLiveOnly(handle, ns, { expired: ['a', 'b', 'c'].map(key), live: [key('d')] }, 'a walk at 62 s after three 61 s keys', 1);
    },
  },
  {
    id: 'ttl.overwrite.replaces-ttl.61s',
    check: 'contract',
    title: 'a put with a 61 s TTL over one of 150 s replaces it: present at 60 s, gone at 62 s',
    ref: 'contract §4 "a new put_*_with_ttl replaces the expiry"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('long'), 150));
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('short'), 61));
      await clock.advance(60);
      equal(await handle.getBytes(key('k')), bytes('short'), 'get_bytes at 60 s after the 61 s overwrite');
      await clock.advance(2);
      equal(await handle.getBytes(key('k')), null, 'get_bytes at 62 s after the 61 s overwrite');
    },
  },
  {
    id: 'ttl.independent-keys.61s-65.5s',
    check: 'contract',
    title: 'keys of 61 s and 65.5 s expire each at its own time',
    ref: 'contract §4',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('short'), bytes('s'), 61));
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('long'), bytes('l'), 65.5));
      await clock.advance(62);
      equal(await handle.getBytes(key('short')), null, 'the 61 s key at 62 s');
      equal(await handle.getBytes(key('long')), bytes('l'), 'the 65.5 s key at 62 s');
      await clock.advance(4.5);
      equal(await handle.getBytes(key('long')), null, 'the 65.5 s key at 66.5 s');
    },
  },
  {
    id: 'ttl.native.min',
    check: 'probe',
    title: 'the smallest TTL the platform accepts (whole seconds from 1 s to an hour, then milliseconds where it takes fractions), and the smallest it honours',
    ref: 'platform-kv-behaviour §C0 TTL; §D4',
    requires: ['ttl'],
    clock: 'optional',
    contract: { unit: 's', value: 60 },
    run: (context) => smallestTtl(context),
  },
  {
    id: 'ttl.native.zero',
    check: 'probe',
    title: 'what the platform does with a TTL of 0',
    ref: 'platform-kv-behaviour §C1 "Invalid expiration_ttl of 0"',
    requires: ['ttl'],
    contract: { ok: false },
    run: (context) => nativeTtl(context, 0),
  },
  {
    id: 'ttl.native.negative',
    check: 'probe',
    title: 'what the platform does with a TTL of -60',
    ref: 'platform-kv-behaviour §C0 TTL',
    requires: ['ttl'],
    contract: { ok: false },
    run: (context) => nativeTtl(context, -60),
  },
  {
    id: 'ttl.native.fractional',
    check: 'probe',
    title: 'what the platform does with fractional TTLs (59.5 s, 60.5 s)',
    ref: 'contract §4 "expiration_ttl(ttl.as_secs()) truncates sub-second parts"',
    requires: ['ttl'],
    async run(context) {
      return { '59.5': await nativeTtl(context, 59.5), '60.5': await nativeTtl(context, 60.5) };
    },
  },
  {
    id: 'ttl.native.max',
    check: 'probe',
    title: 'the largest TTL the platform accepts (searched from 1 s to 100 years, to the second)',
    ref: 'contract §2.1 MAX_TTL "1 year. Prevents overflow"; platform-kv-behaviour §C0',
    requires: ['ttl'],
    contract: { value: YEAR },
    async run(context) {
      // The search starts from a TTL the platform takes: TTLs below its minimum are refused too.
      const accepts = (s: number) => nativeTtl(context, s);
      let from: number | undefined;
      for (const ttl of [1, 60, 300, 3600, 86_400, YEAR]) {
        if ((await accepts(ttl)).ok) {
          from = ttl;
          break;
        }
      }
      return searchLimit({ bound: 'max', unit: 's', from: from ?? YEAR, to: 100 * YEAR, hint: YEAR, accepts });
    },
  },
  {
    id: 'ttl.native.expiry-at-ttl',
    check: 'probe',
    title: 'how long after its TTL a key is gone (controlled clock: to the millisecond, up to two days; real time: with the smallest TTL honoured)',
    ref: 'contract §4 "expired when now >= expires_at"; platform-kv-behaviour §C0 TTL (Fastly: "within 24 hours"; Viceroy: exact, lazy)',
    requires: ['ttl'],
    clock: 'or-real-time',
    contract: { lateMs: 0 },
    // A clock gives the exact lateness; real time (only when asked for) an estimate, labelled so.
    run: (context) => (context.clock ? expiryLateness(context as TimedCaseContext) : realTimeLateness(context)),
  },
]);

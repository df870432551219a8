/**
 * TTL: the client's [60 s, 1 year] bounds, expiry at exactly the TTL (moved by
 * ctx.clock, never by waiting), and what the platform itself accepts.
 */
import { defineCases, type CaseContext } from '../case.ts';
import { equal, expectNothingUnder, expectValidation, must, walk } from '../expect.ts';
import { attempt, bisect, type Attempt } from '../probe.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const YEAR = 365 * 24 * 60 * 60;

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

/** Smallest TTL in 1..120 s the platform accepts, by bisection (acceptance is taken to be monotonic). */
async function smallestTtl(tryAt: (ttl: number) => Promise<Attempt>) {
  const errors = new Map<number, string>();
  const accepts = async (ttl: number) => {
    const result = await tryAt(ttl);
    if (!result.ok) errors.set(ttl, result.error);
    return result.ok;
  };
  let good: number;
  let bad: number | null;
  if (await accepts(60)) {
    if (!(await accepts(59))) [good, bad] = [60, 59];
    else if (await accepts(1)) [good, bad] = [1, null];
    else ({ good, bad } = await bisect(59, 1, accepts));
  } else if (await accepts(120)) {
    ({ good, bad } = await bisect(120, 60, accepts));
  } else {
    return { minTtlSeconds: null, probed: '1..120', error: errors.get(120) };
  }
  return { minTtlSeconds: good, probed: '1..120', ...(bad !== null ? { errorBelow: errors.get(bad) } : {}) };
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
      equal((await walk(handle, ns, 10)).keys, [key('expiring'), key('lasting')], 'keys listed at 59 s');
      await clock.advance(1);
      equal((await walk(handle, ns, 10)).keys, [key('lasting')], 'keys listed at 60 s');
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
      await clock.advance(60);
      equal(await handle.getBytes(key('expiring')), null, 'get_bytes of an expired key');
      equal(await handle.exists(key('expiring')), false, 'exists of an expired key');
      equal(await handle.getOr(key('expiring'), 'default'), 'default', 'get_or of an expired key');
      equal((await walk(handle, ns, 10)).keys, [key('lasting')], 'keys listed after one expired');
    },
  },
  {
    id: 'ttl.expired.list-only',
    check: 'contract',
    title: 'an expired key is left out of a list that runs before any get touches it',
    ref: 'contract §3 "Expired keys: never listed"',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, ns, clock }) {
      for (const name of ['a', 'b', 'c']) await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key(name), bytes(name), 60));
      await must('put_bytes', () => handle.putBytes(key('d'), bytes('d')));
      await clock.advance(61);
      equal((await walk(handle, ns, 1)).keys, [key('d')], 'keys listed page by page after three expired');
    },
  },
  {
    id: 'ttl.expired.overwrite',
    check: 'contract',
    title: 'a key written again after it expired holds the new value and no old expiry',
    ref: 'contract §4; axum cleanup_expired_keys_does_not_delete_fresh_overwrite',
    requires: ['ttl'],
    clock: 'required',
    async run({ handle, key, clock }) {
      await must('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('k'), bytes('old'), 60));
      await clock.advance(61);
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('new')));
      equal(await handle.getBytes(key('k')), bytes('new'), 'get_bytes right after the overwrite');
      await clock.advance(120);
      equal(await handle.getBytes(key('k')), bytes('new'), 'get_bytes 120 s after the overwrite');
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
      await clock.advance(60);
      equal(await handle.getBytes(key('short')), null, 'the 60 s key at 60 s');
      equal(await handle.getBytes(key('long')), bytes('l'), 'the 120 s key at 60 s');
      await clock.advance(60);
      equal(await handle.getBytes(key('long')), null, 'the 120 s key at 120 s');
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
      await must('read_modify_write', () => handle.readModifyWrite(key('n'), 0, (n: number) => n + 1));
      await clock.advance(120);
      equal(await handle.get(key('n')), 2, 'the counter 120 s after read_modify_write');
    },
  },
  {
    id: 'ttl.native.min',
    check: 'probe',
    title: 'the smallest TTL the platform accepts (bisection over 1..120 s)',
    ref: 'platform-kv-behaviour §C0 TTL; §D4',
    requires: ['ttl'],
    contract: { minTtlSeconds: 60 },
    run: (context) => smallestTtl((ttl) => nativeTtl(context, ttl)),
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
    id: 'ttl.native.over-one-year',
    check: 'probe',
    title: 'whether the platform accepts a TTL over one year',
    ref: 'contract §2.1 MAX_TTL "Prevents overflow"; platform-kv-behaviour §C0',
    requires: ['ttl'],
    contract: { overOneYear: 'rejected' },
    async run(context) {
      const oneYear = await nativeTtl(context, YEAR);
      const over = await nativeTtl(context, YEAR + 1);
      const tenYears = await nativeTtl(context, 10 * YEAR);
      return { oneYear, overOneYear: over.ok ? 'accepted' : 'rejected', ...(over.ok ? {} : { error: over.error }), tenYears };
    },
  },
  {
    id: 'ttl.native.expiry-at-ttl',
    check: 'probe',
    title: 'whether a native 60 s TTL is present at 59 s and gone at 60 s',
    ref: 'platform-kv-behaviour §C0 TTL (Fastly: "within 24 hours"; Viceroy: exact, lazy)',
    requires: ['ttl'],
    clock: 'required',
    contract: { at59: 'present', at60: 'gone' },
    async run({ kv, key, clock }) {
      const put = await attempt(() => kv.put(key('k'), bytes('v'), { ttlSeconds: 60 }));
      if (!put.ok) return { put };
      await clock.advance(59);
      const at59 = (await kv.get(key('k'))) ? 'present' : 'gone';
      await clock.advance(1);
      const at60 = (await kv.get(key('k'))) ? 'present' : 'gone';
      return { at59, at60 };
    },
  },
]);

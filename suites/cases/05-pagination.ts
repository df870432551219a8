/**
 * Pagination: walks through the client see every key once, in UTF-8 byte order;
 * the prefix-bound cursor envelope refuses anything else; probes record the
 * platform's own page limits, order and cursor handling.
 */
import fc from 'fast-check';
import { defineCases, type CaseContext, type CaseDefinition } from '../case.ts';
import { clientPages, equal, expectNothingUnder, expectSameKeysInOrder, expectValidation, fail, keysUnder, must, ok, show, spiedHandle, walk } from '../expect.ts';
import { listAllNative } from '../listing.ts';
import { attempt, attemptPuts, orderOf, putMany } from '../probe.ts';
import { searchLimit } from '../limit-search.ts';
import type { LimitFact } from '../../results/facts.ts';
import { outcome } from '../observe.ts';
import { compareUtf8, isNativeError, sortUtf8, type ListOptions } from '../../api/index.ts';
import type { ContractHandle, KvPage } from '../../contract/handle.ts';
import { checkProperty } from '../property.ts';
import { keySet, pageSize } from '../arbitraries/key-sets.ts';
import { KvModel } from '../../contract/model.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Writes `suffixes` under ns natively (setup, not what is checked) and returns the full keys. */
const putKeys = (context: CaseContext, suffixes: string[]) => putFullKeys(context, suffixes.map((suffix) => context.key(suffix)));

/** Writes whole keys natively; a refusal FAILs the case with the platform's text. */
async function putFullKeys(context: CaseContext, keys: string[]): Promise<string[]> {
  try {
    await putMany(context.kv, keys.map((key) => ({ key, value: bytes('v') })));
  } catch (error) {
    if (!isNativeError(error)) throw error;
    fail(`writing the keys to list failed: ${error.message}`, error);
  }
  return keys;
}

/**
 * Writes each of `suffixes` on its own and returns the full keys the store took: for cases about
 * listing, where a name the store refuses is the keys cases' finding, not theirs.
 */
async function putWhatIsTaken(context: CaseContext, suffixes: string[]): Promise<Set<string>> {
  const keys = suffixes.map((suffix) => context.key(suffix));
  const puts = await attemptPuts(context.kv, keys.map((key) => ({ key, value: bytes('v') })));
  return new Set(keys.filter((_, i) => puts[i].ok));
}

/** Printable ASCII after the space, in byte order: the first a store takes leads the keys it sorts first. */
const LEADING = Array.from({ length: 0x7e - 0x20 }, (_, i) => String.fromCharCode(0x21 + i));

/**
 * Writes `names` at the very start of the keyspace: the store's first printable character after the
 * space ("!", or "-" on NATS) + ns + name, which sorts before every key that starts with a letter or
 * a digit, outside ns and so tracked for cleanup. A walk of the empty prefix meets them on its first
 * pages however many keys the store holds (a production target's too).
 */
async function putAtStart(context: CaseContext, names: string[]): Promise<string[]> {
  const lead = LEADING.find((char) => context.keys.takes(char)) ?? '!';
  const keys = names.map((name) => `${lead}${context.ns}${name}`);
  for (const key of keys) context.track(key);
  return putFullKeys(context, keys);
}

/**
 * The empty prefix walked in pages of `limit` until every key of `wanted` has been listed, or the
 * walk ends: never the whole of a large store. The keys as returned, and those never listed.
 */
async function walkEmptyPrefixUntil(handle: ContractHandle, wanted: string[], limit: number): Promise<{ seen: string[]; missing: string[] }> {
  const seen: string[] = [];
  const missing = new Set(wanted);
  for await (const page of clientPages(handle, '', limit)) {
    for (const key of page.keys) {
      seen.push(key);
      missing.delete(key);
    }
    if (missing.size === 0) break;
  }
  return { seen, missing: [...missing] };
}

/** One native list call: the page's size and keys (relative to ns), or the platform's refusal. */
async function nativePage(context: CaseContext, options: ListOptions) {
  const result = await outcome(() => context.kv.list(options));
  if (!result.ok) return result;
  const { keys, complete } = result.value;
  return { ok: true as const, keys: keys.length, complete, ...(keys.length <= 10 ? { names: keys.map((k) => k.slice(context.ns.length)) } : {}) };
}

const numbered = (count: number, prefix = 'k') => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

const MAX_PAGE_SEARCHED = 10_000;

/**
 * The largest page: first the largest limit the platform does not refuse (1 to 10,000, where a
 * list call answers without keys to count), then one call at that limit over that many keys and
 * one more, which shows a store that answers fewer keys than asked (clamps) or more (a hint).
 */
async function largestPage(context: CaseContext): Promise<LimitFact> {
  const listAt = (limit: number) => attempt(() => context.kv.list({ prefix: context.ns, limit }));
  const refusal = await searchLimit({ bound: 'max', unit: 'keys', from: 1, to: MAX_PAGE_SEARCHED, hint: 1000, accepts: listAt });
  const limit = refusal.value ?? (refusal.refused === null ? refusal.accepted : null);
  if (limit === null || refusal.stopped) return refusal;
  // A store that returns more keys than asked shows it with two keys: then there is no largest
  // page to count, and the thousands of keys below are not written (a file-backed emulator takes
  // tens of seconds for them).
  await putKeys(context, ['hint-a', 'hint-b']);
  const two = await context.kv.list({ prefix: context.key('hint-'), limit: 1 });
  if (two.keys.length > 1) return { ...refusal, value: null, beyond: `pages hold more keys than the limit (${two.keys.length} for a limit of 1: it is a hint)` };
  // Decoys beside the counted keys: a store that fills a page before filtering by prefix (Redis
  // SCAN counts the keys it visits, then drops those that do not match) answers short pages here,
  // and shows it at every limit instead of agreeing by chance at two neighbouring ones.
  await putKeys(context, numbered(100, 'j-'));
  for (let start = 0; start <= limit; start += 1000) await putKeys(context, numbered(Math.min(1000, limit + 1 - start), `k${String(start / 1000).padStart(2, '0')}-`));
  const pageAt = async (size: number) => (await context.kv.list({ prefix: context.key('k'), limit: size })).keys.length;
  const full = await pageAt(limit);
  if (full === limit) return { ...refusal, how: `${refusal.how}; a page at ${limit} over ${limit + 1} keys held ${limit}` };
  if (full > limit) return { ...refusal, value: null, beyond: `pages hold more keys than the limit (${full} for a limit of ${limit}: it is a hint)` };
  // Fewer keys than asked while more remain: a clamp only if the pages keep to it everywhere, one
  // more than it gives it again, and it and half of it are each given exactly.
  const clamp = full;
  const half = Math.max(1, Math.floor(clamp / 2));
  const [at, above, atHalf] = await Promise.all([pageAt(clamp), pageAt(clamp + 1), pageAt(half)]);
  if (clamp > 0 && at === clamp && above === clamp && atHalf === half) {
    return { ...refusal, value: clamp, accepted: clamp, refused: clamp + 1, beyond: `a larger limit returns ${clamp} keys (clamped, not refused)`, how: `${refusal.how}; a page at ${limit} held ${clamp} keys, and so did one at ${clamp + 1}; one at ${half} held ${half}` };
  }
  return { ...refusal, value: null, stopped: `pages do not keep to the limit: ${full} keys for a limit of ${limit}, ${at} for ${clamp}, ${above} for ${clamp + 1}, ${atHalf} for ${half}` };
}

/** Names a store could alter on the way back: case, whitespace, path and percent forms, Unicode forms, emoji, Fastly's forbidden characters, dot segments. */
const NAMES_AS_WRITTEN = [
  'key', 'Key', 'KEY', '\u00e9', '\u00c9', ' lead', 'trail ', 'in side', 'nb\u00a0sp', '  ',
  'a//b', 'a/', '/', '//', '/a', 'a%2Fb', 'a%2fb', 'a%b', 'a%25b', 'a+b', 'a b',
  'caf\u00e9', 'cafe\u0301', '\ud55c', '\u1112\u1161\u11ab', '\ufb01', 'fi', '\uff21', 'A', 'K', '\u212a',
  '\u{1f600}', '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '\u{1f1e9}\u{1f1ea}', 'a\u200bb', 'a\u200db', 'a\ufeffb',
  '\u05e9\u05dc\u05d5\u05dd', 'a\u202eb', 'a\ufffe', 'a\uffff', 'a\ufdd0', 'a\u{10ffff}',
  'a#b', 'a;b', 'a?b', 'a^b', 'a|b', '...', './a', 'a/.', 'a/..', 'a/../b',
];

/** Keys either side of where UTF-8 byte order and JavaScript's UTF-16 order disagree. */
const ORDER_PROBE = ['a', 'z', '\u00e9', '\ufffd', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}'];
/** With ASCII that sorts apart from the letters, so a store of ASCII keys alone shows its order too. */
const ORDER_PROBE_NATIVE = ['-', '0', 'B', '_', ...ORDER_PROBE];

const walkCases: CaseDefinition[] = [1, 2, 3, 7, 1000].map((limit) => ({
  id: `pagination.walk.page-${limit}`,
  check: 'contract',
  varies: 'listing',
  title: `a walk with page size ${limit} over 25 keys sees each key once, in order`,
  ref: 'contract §3; §6.1 contract_list_keys_page_is_paginated',
  async run(context) {
    const keys = await putKeys(context, numbered(25));
    expectSameKeysInOrder((await walk(context.handle, context.ns, limit)).keys, keys, `walk with limit ${limit}`);
  },
}));

const MALFORMED_CURSORS: Array<[string, (prefix: string) => string]> = [
  ['garbage', () => 'garbage'],
  ['empty-string', () => ''],
  ['json-array', () => '[]'],
  ['json-null', () => 'null'],
  ['json-string', () => '"cursor"'],
  ['missing-cursor', (prefix) => JSON.stringify({ prefix })],
  ['missing-prefix', () => JSON.stringify({ cursor: 'abc' })],
  ['non-string-cursor', (prefix) => JSON.stringify({ prefix, cursor: 42 })],
  ['base64', () => Buffer.from('kvp-cursor-0001').toString('base64')],
  ['truncated-envelope', (prefix) => JSON.stringify({ prefix, cursor: 'abc' }).slice(0, -2)],
];

/**
 * The keys of a case that needs a cursor to test its rule: after a page of 1 over these, a store
 * must give one. Twelve, not three: a store that lists in hash order (Redis SCAN) can return a small
 * table whole in one call, and that overfilled page is pagination.walk.page-*'s finding, not theirs.
 */
const CURSOR_KEYS = Array.from({ length: 12 }, (_, i) => String.fromCharCode(0x61 + i));
const NO_CURSOR = `no cursor after a page of 1 over ${CURSOR_KEYS.length} keys`;

const malformedCursorCases: CaseDefinition[] = MALFORMED_CURSORS.map(([id, build]) => ({
  id: `pagination.cursor.malformed.${id}`,
  check: 'contract',
  title: `a malformed cursor (${id}) is rejected before the provider`,
  ref: 'contract §2.2 cursor; §6.2 validation_rejects_malformed_list_cursor',
  async run({ kv, ns }) {
    const { handle, calls } = spiedHandle(kv);
    await expectValidation('list_keys_page', () => handle.listKeysPage(ns, build(ns), 10), 'list cursor is invalid or corrupted');
    ok(calls.length === 0, `a malformed cursor reached the provider (${calls.join(', ')})`);
  },
}));

export default defineCases('pagination', [
  {
    id: 'pagination.walk.small',
    check: 'contract',
    varies: 'listing',
    title: 'a walk with page size 1 over three keys sees each key once',
    ref: 'contract §6.1 contract_list_keys_page_is_paginated',
    async run({ handle, key, ns }) {
      const keys = [key('app/one'), key('app/two'), key('other/three')];
      for (const k of keys) await must('put_bytes', () => handle.putBytes(k, bytes('v')));
      const seen = (await walk(handle, ns, 1)).keys;
      equal([...seen].sort(), [...keys].sort(), 'keys seen across the walk');
    },
  },
  ...walkCases,
  {
    id: 'pagination.prefix.respected',
    check: 'contract',
    title: 'a prefixed walk returns only keys with that prefix, on every page',
    ref: 'contract §6.1 contract_list_keys_page_respects_prefix',
    async run(context) {
      await putKeys(context, ['prefix/a', 'prefix/b', 'other/c']);
      // Every page, however the store splits them: which keys the prefix selects is this case's rule.
      const result = await walk(context.handle, context.key('prefix/'), 1, { pageBound: false });
      const strangers = result.keys.filter((k) => !k.startsWith(context.key('prefix/')));
      ok(strangers.length === 0, 'a page of prefix/ held keys without that prefix', { strangers, pageSizes: result.pageSizes });
      equal(sortUtf8([...new Set(result.keys)]), [context.key('prefix/a'), context.key('prefix/b')], 'keys under prefix/');
    },
  },
  {
    id: 'pagination.page.full',
    check: 'contract',
    varies: 'listing',
    title: 'pages are full while keys remain: under p/, beside keys outside it, pages of limit 1 hold one key each, a page of limit 2 resumed after one holds two, and six keys come in three pages of 2',
    ref: 'contract §6.1 contract_list_keys_page_respects_prefix ("first.keys.len() == 1"), contract_list_keys_page_is_paginated (three pages of one); Miniflare "list: paginates with variable limit"',
    async run(context) {
      const { handle, key, ns } = context;
      // Keys outside p/ on both sides of it: a store that fills a page before filtering by prefix answers short pages.
      await putKeys(context, ['a/x', 'a/y', 'p/a', 'p/b', 'p/c', 'z/z']);
      // How many keys each page holds is this case's rule; which keys, and in what order, are the prefix and order cases'.
      const sizes = async (prefix: string, limits: number[]) => {
        const held: number[] = [];
        let cursor: string | null = null;
        for (const limit of limits) {
          const page: KvPage = await must(`list_keys_page(${show(prefix)}, limit ${limit})`, () => handle.listKeysPage(prefix, cursor, limit));
          held.push(page.keys.length);
          cursor = page.cursor;
          if (cursor === null) break;
        }
        return held;
      };
      equal(await sizes(key('p/'), [1, 1, 1]), [1, 1, 1], 'keys on pages of limit 1 under p/ (three keys)');
      equal(await sizes(key('p/'), [1, 2]), [1, 2], 'keys on a page of limit 1, then on a page of limit 2 resumed after it (three keys under p/)');
      equal(await sizes(ns, [2, 2, 2]), [2, 2, 2], 'keys on pages of limit 2 over six keys');
    },
  },
  {
    id: 'pagination.cursor.opaque-envelope',
    check: 'contract',
    varies: 'listing',
    title: 'limit 2 over app/a, app/b, app/c gives two pages; the cursor is not the raw last key',
    ref: 'contract §6.2 list_keys_page_roundtrip',
    async run(context) {
      const { handle, key } = context;
      await putKeys(context, ['app/a', 'app/b', 'app/c', 'other/d']);
      const first = await must('list_keys_page', () => handle.listKeysPage(key('app/'), null, 2));
      equal(first.keys, [key('app/a'), key('app/b')], 'first page');
      ok(first.cursor !== null && first.cursor !== key('app/b'), 'the cursor is missing or is the raw last key', first);
      const second = await must('list_keys_page', () => handle.listKeysPage(key('app/'), first.cursor, 2));
      equal(second, { keys: [key('app/c')], cursor: null }, 'second page');
    },
  },
  {
    id: 'pagination.limits.accepted',
    check: 'contract',
    varies: 'listing',
    title: 'page sizes 1, 2, 5, 10, 99, 100, 500, 999 and 1000 are all accepted and respected on every page',
    ref: 'contract §2.2 list limit 1..=1000',
    async run(context) {
      const keys = await putKeys(context, numbered(12));
      // Respected on every page of a walk, not only the first: a store whose pages vary shows it sooner.
      for (const limit of [1, 2, 5, 10, 99, 100, 500, 999, 1000]) {
        const result = await walk(context.handle, context.ns, limit);
        const strangers = result.keys.filter((k) => !keys.includes(k));
        ok(strangers.length === 0, `limit ${limit} returned keys never written`, strangers);
      }
    },
  },
  {
    id: 'pagination.limit.0-rejected',
    check: 'contract',
    title: 'a page size of 0 is rejected before the provider',
    ref: 'contract §2.2 list limit; §6.2 validation_rejects_zero_list_limit',
    async run({ kv, ns }) {
      const { handle, calls } = spiedHandle(kv);
      await expectValidation('list_keys_page(limit 0)', () => handle.listKeysPage(ns, null, 0), 'list limit must be greater than zero');
      ok(calls.length === 0, 'a page size of 0 reached the provider');
    },
  },
  {
    id: 'pagination.limit.1001-rejected',
    check: 'contract',
    title: 'a page size of 1001 is rejected before the provider',
    ref: 'contract §2.2 list limit; §6.2 validation_rejects_large_list_limit',
    async run({ kv, ns }) {
      const { handle, calls } = spiedHandle(kv);
      await expectValidation('list_keys_page(limit 1001)', () => handle.listKeysPage(ns, null, 1001), 'list limit 1001 exceeds maximum of 1000');
      ok(calls.length === 0, 'a page size of 1001 reached the provider');
    },
  },
  {
    id: 'pagination.walk.1001-keys',
    heavy: '1,001 keys',
    check: 'contract',
    title: 'a walk with page size 1000 over 1,001 keys takes at least two pages and sees each key once',
    ref: 'contract §2.1 MAX_LIST_PAGE_SIZE; §3',
    timeoutMs: 300_000,
    async run(context) {
      const keys = await putKeys(context, numbered(1001));
      const result = await walk(context.handle, context.ns, 1000);
      ok(result.pageSizes.length >= 2, 'one page held 1,001 keys', result.pageSizes);
      expectSameKeysInOrder(result.keys, keys, 'walk over 1,001 keys');
      context.observe({ pageSizes: result.pageSizes });
    },
  },
  {
    id: 'pagination.walk.2500-keys',
    heavy: '2,500 keys',
    check: 'contract',
    title: 'a walk with page size 1000 over 2,500 keys sees each key once, in order',
    ref: 'contract §3',
    timeoutMs: 300_000,
    async run(context) {
      const keys = await putKeys(context, numbered(2500));
      const result = await walk(context.handle, context.ns, 1000);
      expectSameKeysInOrder(result.keys, keys, 'walk over 2,500 keys');
      context.observe({ pageSizes: result.pageSizes });
    },
  },
  {
    id: 'pagination.order.utf8-bytes',
    check: 'contract',
    title: 'keys come back in UTF-8 byte order, also beyond the BMP (U+FFFF before U+10000)',
    ref: 'contract §3 "lexicographic order"; platform-kv-behaviour §C1 "sorted ... according to their UTF-8 bytes"',
    async run(context) {
      // The names the store takes: a store without é or U+10000 shows its order on the others.
      const keys = await putKeys(context, context.keys.only(ORDER_PROBE));
      const seen = (await walk(context.handle, context.ns, 3, { pageBound: false })).keys;
      context.observe({ order: orderOf(seen) });
      expectSameKeysInOrder(seen, keys, 'walk over keys beyond the BMP');
    },
  },
  {
    id: 'pagination.order.ascii',
    check: 'contract',
    title: 'ASCII keys written out of order come back in byte order, page after page: space, "!", "-", digits, upper case, "_", lower case, "~"',
    ref: 'contract §3; Miniflare "list: lists keys in sorted order", "list: sorts lexicographically"',
    async run(context) {
      // Written out of order, listed in pages of 2: the order as returned, within each page and from one page to the next.
      const keys = await putKeys(context, context.keys.only(['~', 'a', '_', 'Z', 'B', '0', ' ', '-', '!']));
      expectSameKeysInOrder((await walk(context.handle, context.ns, 2, { pageBound: false })).keys, keys, 'walk over ASCII keys in pages of 2');
    },
  },
  {
    id: 'pagination.order.prefix-first',
    check: 'contract',
    title: 'a key comes before every longer key it is a prefix of',
    ref: 'contract §3',
    async run(context) {
      const keys = await putKeys(context, context.keys.only(['ab', 'a', 'a/', 'a0', 'a\u00e9', 'a/b', 'b']));
      expectSameKeysInOrder((await walk(context.handle, context.ns, 2, { pageBound: false })).keys, keys, 'walk over nested prefixes');
    },
  },
  {
    id: 'pagination.order.under-prefix',
    check: 'contract',
    varies: 'listing',
    title: 'under a prefix, eight keys written out of order come back in byte order as returned, on the first page and the later ones, beside keys outside the prefix',
    ref: 'contract §3 "lexicographic order"; EdgeZero spin prefix_filters_then_sorts; Miniflare "list: lists keys matching prefix"',
    async run(context) {
      // Eight keys: an unordered store (Redis SCAN) cannot hand them back sorted by chance (1 in 40,320).
      // ":" is incidental: fitted to the store's alphabet (one character for another keeps the order under the prefix).
      const [prefix, ...expected] = context.keys.fit(['user:', 'user:07', 'user:1', 'user:100', 'user:20', 'user:3', 'user:42', 'user:9']);
      await putKeys(context, [...context.keys.fit(['post:1', 'post:2', 'userx']), ...[6, 2, 0, 4, 7, 1, 5, 3].map((i) => expected[i]), prefix]);
      // The order as returned, page after page; pages' sizes are page.full's rule.
      expectSameKeysInOrder((await walk(context.handle, context.key(prefix), 2, { pageBound: false })).keys, [prefix, ...expected].map(context.key), `walk of "${prefix}" in pages of 2`);
    },
  },
  {
    id: 'pagination.order.empty-prefix',
    check: 'contract',
    varies: 'listing',
    title: 'with the empty prefix, the store\'s first keys come back in byte order as returned, page after page (eight keys written out of order at the start of the keyspace)',
    ref: 'contract §2.2 prefix "An empty prefix is allowed and means all keys"; §3 "lexicographic order"; EdgeZero spin empty_prefix_returns_all_sorted',
    async run(context) {
      // Eight keys: an unordered store (Redis SCAN) cannot hand them back sorted by chance.
      const keys = await putAtStart(context, ['h', 'c', 'f', 'b', 'g', 'a', 'e', 'd']);
      // The order is judged over every key the walk returns, this case's and any other's before them.
      // Which keys the empty prefix lists is pagination.prefix.empty's rule; page sizes are page.full's.
      const { seen, missing } = await walkEmptyPrefixUntil(context.handle, keys, 2);
      ok(missing.length < keys.length, 'the walk of the empty prefix listed none of the keys this case wrote: there is no order to judge', { keys: seen.length });
      const at = seen.findIndex((key, i) => i > 0 && compareUtf8(seen[i - 1], key) > 0);
      ok(at === -1, `the walk of the empty prefix is out of byte order at key ${at + 1} of ${seen.length}: ${show(seen[at - 1] ?? '')} then ${show(seen[at] ?? '')}`, { around: seen.slice(Math.max(0, at - 3), at + 3) });
    },
  },
  {
    id: 'pagination.prefix.empty',
    check: 'contract',
    title: 'the empty prefix selects every key: a walk of it in pages of 2 lists each of three keys written at the start of the keyspace',
    ref: 'contract §2.2 prefix "An empty prefix is allowed and means all keys"; EdgeZero spin empty_prefix_returns_all_sorted',
    async run(context) {
      const keys = await putAtStart(context, ['c', 'a', 'b']);
      // Which keys the empty prefix selects is this case's rule; their order is order.empty-prefix's.
      const { missing } = await walkEmptyPrefixUntil(context.handle, keys, 2);
      ok(missing.length === 0, `the empty prefix did not list ${missing.length} of the ${keys.length} keys written`, { missing });
    },
  },
  {
    id: 'pagination.prefix.overlapping',
    check: 'contract',
    title: '"app:" lists 3 keys, "app:user:" 2 and "app:session:" 1',
    ref: 'contract §3 "Old overlapping prefix behaviour" (list_keys_overlapping_prefixes)',
    async run(context) {
      // The ":" is incidental: "/" where the store takes no ":".
      const [user1, user2, session1, apple, other1, app, appUser, appSession] = context.keys.fit(['app:user:1', 'app:user:2', 'app:session:1', 'apple', 'other:1', 'app:', 'app:user:', 'app:session:']);
      await putKeys(context, [user1, user2, session1, apple, other1]);
      const count = (prefix: string) => keysUnder(context.handle, context.key(prefix), 1);
      equal(await count(app), [session1, user1, user2].map(context.key), `keys under ${app}`);
      equal(await count(appUser), [user1, user2].map(context.key), `keys under ${appUser}`);
      equal(await count(appSession), [session1].map(context.key), `keys under ${appSession}`);
    },
  },
  {
    id: 'pagination.prefix.not-a-pattern',
    check: 'contract',
    title: 'prefixes are literal: "a_", "a%", "a*", "a?", "a[", "a]" and "a\\" match no other characters (no LIKE or glob)',
    ref: 'contract §3 "plain starts_with(prefix)"',
    async run(context) {
      // LIKE (_ %), glob (* ? [ ]) and their escape (a backslash): Miniflare's "prefix permits special characters" lists under key\_%.
      // Names the store refuses (Fastly: "?") cannot be listed: which names a store takes is the keys cases' rule.
      const stored = await putWhatIsTaken(context, ['a_b', 'axb', 'a%b', 'ayb', 'a*b', 'a[b', 'a]b', 'a?b', 'a\\b', 'a\\_%b', 'a\\_xb', 'a\\ab']);
      for (const literal of ['a_', 'a%', 'a*', 'a[', 'a]', 'a?', 'a\\_%']) {
        if (!stored.has(context.key(`${literal}b`))) continue;
        equal(await keysUnder(context.handle, context.key(literal)), [context.key(`${literal}b`)], `keys under ${literal}`);
      }
      equal(await keysUnder(context.handle, context.key('a\\')), ['a\\_%b', 'a\\_xb', 'a\\ab', 'a\\b'].map(context.key).filter((k) => stored.has(k)).sort(compareUtf8), 'keys under a\\');
    },
  },
  {
    id: 'pagination.prefix.case-sensitive',
    check: 'contract',
    title: 'prefix "KEY" lists KEY1 and KEY2, not key1 or Key1',
    ref: 'contract §3 "plain starts_with(prefix)"; Miniflare "list: prefix is case-sensitive"',
    async run(context) {
      await putKeys(context, ['key1', 'key2', 'KEY1', 'KEY2', 'Key1']);
      equal(await keysUnder(context.handle, context.key('KEY')), [context.key('KEY1'), context.key('KEY2')], 'keys under KEY');
      equal(await keysUnder(context.handle, context.key('key')), [context.key('key1'), context.key('key2')], 'keys under key');
    },
  },
  {
    id: 'pagination.prefix.astral',
    check: 'contract',
    title: 'prefix 😀 (U+1F600) does not match 😁 (U+1F601), which shares its high surrogate',
    ref: 'contract §3',
    async run(context) {
      for (const suffix of ['\u{1f600}a', '\u{1f601}a', '\u{1f600}']) await must('put_bytes', () => context.handle.putBytes(context.key(suffix), bytes('v')));
      equal(await keysUnder(context.handle, context.key('\u{1f600}')), [context.key('\u{1f600}'), context.key('\u{1f600}a')], 'keys under 😀');
    },
  },
  {
    id: 'pagination.prefix.multibyte',
    check: 'contract',
    title: 'prefix "é" matches keys starting with é (U+00E9) only, not "e" or e + U+0301',
    ref: 'contract §3',
    async run(context) {
      await putKeys(context, ['\u00e9t\u00e9', 'ete', 'e\u0301te', '\u00e9']);
      equal(await keysUnder(context.handle, context.key('\u00e9')), [context.key('\u00e9'), context.key('\u00e9t\u00e9')], 'keys under é');
    },
  },
  {
    id: 'pagination.prefix.no-match',
    check: 'contract',
    title: 'a prefix that matches nothing lists no keys, and its walk ends',
    ref: 'contract §1.1 KvPage "cursor None => last page"; §7.4 (an empty page with a cursor is allowed: the walk goes on)',
    async run(context) {
      await putKeys(context, ['a', 'b']);
      const result = await walk(context.handle, context.key('c'), 10, { pageBound: false });
      equal(result.keys, [], 'keys under a prefix with no keys');
      return { pages: result.pageSizes.length };
    },
  },
  {
    id: 'pagination.names-as-written',
    check: 'contract',
    title: 'every key is listed exactly as written: case, spaces, slashes, percent signs, Unicode forms, emoji',
    ref: 'contract §1.2 "Raw bytes are stored verbatim", §2.2 key rule 5, §3; miniflare#326 (URL-decoded names)',
    async run(context) {
      // The keys the keys and unicode cases read back one by one; here they must come back by name from a listing.
      // Short names: a store's key length limit is the keys cases' rule (keys.max-bytes.*), not this one.
      // Names the store refuses (Fastly: "#", "?") are the keys cases' finding; here, how the stored ones are listed.
      const written = await putWhatIsTaken(context, NAMES_AS_WRITTEN);
      const listed = await keysUnder(context.handle, context.ns);
      const missing = [...written].filter((key) => !listed.includes(key)).map((key) => key.slice(context.ns.length));
      const strangers = listed.filter((key) => !written.has(key)).map((key) => key.slice(context.ns.length));
      ok(missing.length === 0 && strangers.length === 0, [
        missing.length ? `${missing.length} name(s) written but not listed (${JSON.stringify(missing.slice(0, 5))})` : '',
        strangers.length ? `${strangers.length} name(s) listed that were never written (${JSON.stringify(strangers.slice(0, 5))})` : '',
      ].filter(Boolean).join('; '), { missing, strangers });
      return { written: written.size, refused: NAMES_AS_WRITTEN.length - written.size };
    },
  },
  {
    id: 'pagination.prefix.whole-key',
    check: 'contract',
    title: 'a prefix equal to a whole key lists that key and its extensions',
    ref: 'contract §3',
    async run(context) {
      await putKeys(context, ['doc', 'doc/1', 'doc2', 'do']);
      equal(await keysUnder(context.handle, context.key('doc'), 2), [context.key('doc'), context.key('doc/1'), context.key('doc2')], 'keys under "doc"');
    },
  },
  {
    id: 'pagination.cursor.other-prefix',
    check: 'contract',
    title: 'a cursor reused with another prefix is rejected before the provider',
    ref: 'contract §2.2 cursor; §6.2 validation_rejects_cursor_for_different_prefix',
    async run(context) {
      await putKeys(context, [...CURSOR_KEYS.map((name) => `app/${name}`), 'other/c']);
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.key('app/'), null, 1));
      ok(first.cursor !== null, NO_CURSOR, first);
      const { handle, calls } = spiedHandle(context.kv);
      await expectValidation('list_keys_page with another prefix', () => handle.listKeysPage(context.key('other/'), first.cursor, 1), 'list cursor does not match the requested prefix');
      await expectValidation('list_keys_page with the empty prefix', () => handle.listKeysPage('', first.cursor, 1), 'list cursor does not match the requested prefix');
      ok(calls.length === 0, 'a cursor for another prefix reached the provider');
    },
  },
  {
    id: 'pagination.cursor.empty-payload',
    check: 'contract',
    title: 'an envelope with an empty backend cursor is rejected',
    ref: 'contract §2.2 cursor "list cursor payload cannot be empty"',
    async run({ kv, ns }) {
      const { handle, calls } = spiedHandle(kv);
      await expectValidation('list_keys_page', () => handle.listKeysPage(ns, JSON.stringify({ prefix: ns, cursor: '' }), 10), 'list cursor payload cannot be empty');
      ok(calls.length === 0, 'an empty cursor payload reached the provider');
    },
  },
  ...malformedCursorCases,
  {
    id: 'pagination.cursor.extra-fields',
    check: 'contract',
    title: 'an envelope with an extra field is accepted (serde ignores unknown fields)',
    ref: 'contract §2.2 cursor "Unknown extra JSON fields are accepted"',
    async run(context) {
      const keys = await putKeys(context, CURSOR_KEYS);
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.ns, null, 1));
      ok(first.cursor !== null, NO_CURSOR, first);
      // The first page's cursor with an extra field, then the rest of the walk as usual.
      const seen = [...first.keys];
      for await (const page of clientPages(context.handle, context.ns, 1, JSON.stringify({ ...JSON.parse(first.cursor), note: 'extra' }))) seen.push(...page.keys);
      equal(sortUtf8([...new Set(seen)]), keys, 'keys across the walk');
    },
  },
  {
    id: 'pagination.cursor.variable-limit',
    check: 'contract',
    varies: 'listing',
    title: 'a walk whose page size changes from page to page (3, 1, 2, …) keeps each page to the limit it was asked with and sees every key once',
    ref: 'contract §1.2 list_keys_page(prefix, cursor, limit); Miniflare "list: paginates with variable limit"',
    async run(context) {
      const keys = await putKeys(context, numbered(7));
      // The first page the largest: a store that keeps the first page's limit in its cursor overfills the next ones.
      const limits = [3, 1, 2];
      const limitOf = (page: number) => limits[page % limits.length];
      const seen: string[] = [];
      let page = 0;
      for await (const result of clientPages(context.handle, context.ns, limitOf)) {
        const limit = limitOf(page++);
        ok(result.keys.length <= limit, `a page of limit ${limit} held ${result.keys.length} keys (page ${page} of a walk in pages of ${limits.join(', ')}, …)`, result.keys);
        seen.push(...result.keys);
      }
      ok(new Set(seen).size === seen.length, 'a key was returned twice', seen);
      // Every key once; in what order is order.*'s rule.
      equal(sortUtf8(seen), keys, 'keys seen across pages of changing size');
    },
  },
  {
    id: 'pagination.cursor.past-last-key',
    check: 'contract',
    title: 'a cursor whose remaining keys were deleted gives none of them, and the walk ends',
    ref: 'contract §3 "cursor None => last page"; EdgeZero spin cursor_past_last_key_yields_empty_page',
    async run(context) {
      const keys = await putKeys(context, CURSOR_KEYS);
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.ns, null, 1));
      ok(first.cursor !== null, NO_CURSOR, first);
      const deleted = keys.filter((k) => !first.keys.includes(k));
      for (const k of deleted) await must('delete', () => context.handle.delete(k));
      const rest: string[] = [];
      for await (const page of clientPages(context.handle, context.ns, 1, first.cursor)) rest.push(...page.keys);
      const returned = rest.filter((k) => deleted.includes(k));
      equal(returned, [], 'deleted keys returned by the rest of the walk');
    },
  },
  {
    id: 'pagination.cursor.reusable',
    check: 'contract',
    title: 'the same cursor used twice gives the same page',
    ref: 'contract §3 "Pass the returned cursor back unchanged"',
    async run(context) {
      await putKeys(context, ['a', 'b', 'c', 'd']);
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.ns, null, 2));
      const once = await must('list_keys_page', () => context.handle.listKeysPage(context.ns, first.cursor, 2));
      const twice = await must('list_keys_page', () => context.handle.listKeysPage(context.ns, first.cursor, 2));
      equal(twice.keys, once.keys, 'the page for a cursor used a second time');
    },
  },
  {
    id: 'pagination.last-page',
    check: 'probe',
    title: 'whether a walk over 4 keys with page size 2 ends with an empty trailing page',
    ref: 'contract §3 "End of listing"; §7.4 "Cross-adapter last-page behaviour may differ"',
    async run(context) {
      await putKeys(context, ['a', 'b', 'c', 'd']);
      const result = await walk(context.handle, context.ns, 2, { pageBound: false });
      equal(new Set(result.keys).size, 4, 'keys seen');
      return { pageSizes: result.pageSizes, trailingEmptyPage: result.trailingEmptyPage };
    },
  },
  {
    id: 'pagination.written-during-walk',
    check: 'contract',
    title: 'keys written during a walk do not make it lose or repeat the keys that were there',
    ref: 'contract §3 "Listings are not atomic snapshots"; platform-kv-behaviour §C1 "returns keys inserted whilst paginating"',
    async run(context) {
      const { handle, ns, key } = context;
      const original = await putKeys(context, numbered(9));
      const seen: string[] = [];
      let page = 0;
      // To the walk's end, however many pages: a store may answer empty pages with a cursor (Redis SCAN).
      for await (const result of clientPages(handle, ns, 3)) {
        seen.push(...result.keys);
        if (page++ === 0) {
          await must('put_bytes', () => handle.putBytes(key('k00000-before'), bytes('late'))); // sorts before the cursor
          await must('put_bytes', () => handle.putBytes(key('k99999-after'), bytes('late'))); // sorts after it
        }
      }
      // Lost or repeated keys are this case's rule; order is order.*'s.
      const missing = original.filter((k) => !seen.includes(k));
      ok(missing.length === 0, `keys that existed before the walk: ${missing.length} key(s) never returned`, { missing });
      ok(new Set(seen).size === seen.length, 'a key was returned twice', seen);
      context.observe({ sawWrittenBefore: seen.includes(key('k00000-before')), sawWrittenAfter: seen.includes(key('k99999-after')) });
    },
  },
  {
    id: 'pagination.walk-during-concurrent-writes',
    check: 'contract',
    title: 'a walk during 50 concurrent writes to other keys still sees every earlier key once',
    ref: 'contract §3 "Listings are not atomic snapshots"',
    async run(context) {
      const { handle, key, ns, kv } = context;
      const before = numbered(30, 'a-').map(key);
      await putMany(kv, before.map((k) => ({ key: k, value: bytes('v') })));
      const writes = numbered(50, 'b-').map((suffix) => must('put_bytes', () => handle.putBytes(key(suffix), bytes('v'))));
      // Lost or repeated keys are this case's rule; page sizes and order have cases of their own.
      const [seen] = await Promise.all([walk(handle, ns, 7, { pageBound: false }), Promise.all(writes)]);
      const missing = before.filter((k) => !seen.keys.includes(k));
      ok(missing.length === 0, `${missing.length} earlier key(s) not seen by a walk during writes`, { missing: missing.slice(0, 20) });
      ok(new Set(seen.keys).size === seen.keys.length, 'a key was returned twice', seen.keys);
    },
  },
  {
    id: 'pagination.deleted-during-walk',
    check: 'contract',
    varies: 'listing',
    title: 'deleting a key ahead of a walk neither loses nor repeats the others',
    ref: 'contract §3 "Listings are not atomic snapshots"',
    async run(context) {
      const { handle, ns, key } = context;
      const original = await putKeys(context, numbered(9));
      const seen: string[] = [];
      let page = 0;
      let seenBeforeDelete = false;
      for await (const result of clientPages(handle, ns, 3)) {
        seen.push(...result.keys);
        if (page++ === 0) {
          // An unordered store (Redis SCAN) may have listed it already: then it was not ahead of the walk.
          seenBeforeDelete = seen.includes(key('k00007'));
          await must('delete', () => handle.delete(key('k00007')));
        }
      }
      const kept = original.filter((k) => k !== key('k00007'));
      const missing = kept.filter((k) => !seen.includes(k));
      ok(missing.length === 0, `${missing.length} key(s) never returned after deleting another`, { missing });
      ok(new Set(seen).size === seen.length, 'a key was returned twice', seen);
      ok(seenBeforeDelete || !seen.includes(key('k00007')), 'the key deleted ahead of the walk was still returned by a later page', seen);
    },
  },
  {
    id: 'pagination.property.walk',
    check: 'property',
    title: 'walks over arbitrary key sets and page sizes match the reference model',
    ref: 'contract §3; contract/model.ts',
    timeoutMs: 600_000,
    async run(context) {
      let run = 0;
      await checkProperty(
        context,
        fc.asyncProperty(keySet(context.keys), pageSize, async (suffixes, limit) => {
          const prefix = context.key(`w${(run++).toString(36)}/`);
          const model = new KvModel();
          for (const suffix of suffixes) model.put(prefix + suffix, bytes('v'));
          await putMany(context.kv, suffixes.map((suffix) => ({ key: prefix + suffix, value: bytes('v') })));
          const seen = (await walk(context.handle, prefix, limit)).keys;
          equal(seen, model.keys(), `walk with page size ${limit}`);
        }),
        { numRuns: Math.min(context.runs, 20) },
      );
    },
  },
  {
    id: 'pagination.property.prefix',
    check: 'property',
    title: 'prefixed walks over arbitrary key sets match the reference model',
    ref: 'contract §3 "plain starts_with(prefix)"',
    timeoutMs: 600_000,
    async run(context) {
      let run = 0;
      await checkProperty(
        context,
        fc.asyncProperty(keySet(context.keys), fc.nat(), fc.nat(), pageSize, async (suffixes, pick, cut, limit) => {
          const base = context.key(`p${(run++).toString(36)}/`);
          const source = suffixes.length ? [...suffixes[pick % suffixes.length]] : [];
          const prefix = base + source.slice(0, cut % (source.length + 1)).join('');
          await putMany(context.kv, suffixes.map((suffix) => ({ key: base + suffix, value: bytes('v') })));
          const expected = sortUtf8(suffixes.map((suffix) => base + suffix).filter((key) => key.startsWith(prefix)));
          equal((await walk(context.handle, prefix, limit)).keys, expected, `walk of ${JSON.stringify(prefix.slice(base.length))} with page size ${limit}`);
        }),
        { numRuns: Math.min(context.runs, 20) },
      );
    },
  },
  {
    id: 'pagination.native.order',
    check: 'probe',
    title: 'the order the platform lists keys in (UTF-8 bytes, JavaScript UTF-16, or other)',
    ref: 'platform-kv-behaviour §C0 "List order"',
    contract: { order: 'utf8-bytes' },
    async run(context) {
      // Written last to first, so a store that lists in the order of writing does not pass for a sorted one.
      await putKeys(context, context.keys.only(ORDER_PROBE_NATIVE).reverse());
      const { keys } = await listAllNative(context.kv, context.ns);
      return { order: orderOf(keys), keys: keys.map((k) => k.slice(context.ns.length)) };
    },
  },
  {
    id: 'pagination.native.max-page',
    heavy: 'up to 10,001 keys',
    check: 'probe',
    title: 'the largest page the platform returns (limits searched from 1 to 10,000, then one full page checked over that many keys and one more)',
    ref: 'platform-kv-behaviour §C0 "List page size" (Miniflare: 1001 → 400)',
    contract: { value: 1000 },
    timeoutMs: 600_000,
    run: (context) => largestPage(context),
  },
  {
    id: 'pagination.native.limit-zero',
    check: 'probe',
    title: 'whether the platform refuses a page size of 0, and still answers afterwards',
    ref: 'platform-kv-behaviour §C1 "limit < 1 → Invalid key_count_limit"',
    contract: { ok: false, storeAnswersAfter: true },
    destructive: true,
    async run(context) {
      await putKeys(context, ['a', 'b']);
      const page = await nativePage(context, { prefix: context.ns, limit: 0 });
      const after = await outcome(() => context.kv.list({ prefix: context.ns, limit: 1 }));
      return { ...page, storeAnswersAfter: after.ok, ...(after.ok ? {} : { errorAfter: after.error }) };
    },
  },
  {
    id: 'pagination.native.default-limit',
    heavy: 'up to 10,001 keys',
    check: 'probe',
    title: 'how many keys a native list without a limit returns (over 1,001 keys, then up to 10,001)',
    ref: 'platform-kv-behaviour §C0 "default 1000"; contract §2.1 "There is no default page size"',
    timeoutMs: 600_000,
    async run(context) {
      let written = 0;
      for (const count of [1001, 10_001]) {
        await putKeys(context, numbered(count).slice(written));
        written = count;
        const page = await context.kv.list({ prefix: context.ns });
        if (page.keys.length < count) return { keys: page.keys.length, complete: page.complete, over: count };
      }
      return { keys: written, complete: true, over: written, note: `a list without a limit returned all ${written} keys` };
    },
  },
  {
    id: 'pagination.native.malformed-cursor',
    check: 'probe',
    title: 'what the platform does with a cursor it never issued ("garbage", random base64)',
    ref: 'platform-kv-behaviour §C0 "Cursor" (Viceroy: bad cursor → BadRequest)',
    async run(context) {
      await putKeys(context, ['a', 'b']);
      const observed: Record<string, unknown> = {};
      // Fixed, never drawn from the seed: the store's answer (a cursor it decodes as a position) must not change from run to run.
      for (const [label, cursor] of [['garbage', 'garbage'], ['random-base64', 'q83vASNFZ4mrze8B']]) {
        observed[label] = await nativePage(context, { prefix: context.ns, cursor, limit: 10 });
      }
      return observed;
    },
  },
  {
    id: 'pagination.no-keys',
    check: 'contract',
    title: 'listing an empty namespace gives one empty page and no cursor',
    ref: 'contract §1.1 KvPage',
    async run(context) {
      await expectNothingUnder(context.kv, context.ns, 'before the walk');
      equal(await must('list_keys_page', () => context.handle.listKeysPage(context.ns, null, 1)), { keys: [], cursor: null }, 'page of an empty namespace');
    },
  },
]);

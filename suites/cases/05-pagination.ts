/**
 * Pagination: walks through the client see every key once, in UTF-8 byte order;
 * the prefix-bound cursor envelope refuses anything else; probes record the
 * platform's own page limits, order and cursor handling.
 */
import fc from 'fast-check';
import { defineCases, type CaseContext, type CaseDefinition } from '../case.ts';
import { equal, expectNothingUnder, expectSameKeysInOrder, expectValidation, fail, must, ok, spiedHandle, walk } from '../expect.ts';
import { listAllNative } from '../listing.ts';
import { orderOf, putMany } from '../probe.ts';
import { outcome } from '../observe.ts';
import { isNativeError, sortUtf8, type ListOptions } from '../../api/index.ts';
import { checkProperty } from '../property.ts';
import { keySet, pageSize } from '../arbitraries/key-sets.ts';
import { KvModel } from '../../contract/model.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Writes `suffixes` under ns natively (setup, not what is checked) and returns the full keys. */
async function putKeys(context: CaseContext, suffixes: string[]): Promise<string[]> {
  const keys = suffixes.map((suffix) => context.key(suffix));
  try {
    await putMany(context.kv, keys.map((key) => ({ key, value: bytes('v') })));
  } catch (error) {
    if (!isNativeError(error)) throw error;
    fail(`writing the keys to list failed: ${error.message}`, error);
  }
  return keys;
}

/** One native list call: the page's size and keys (relative to ns), or the platform's refusal. */
async function nativePage(context: CaseContext, options: ListOptions) {
  const result = await outcome(() => context.kv.list(options));
  if (!result.ok) return result;
  const { keys, complete } = result.value;
  return { ok: true as const, keys: keys.length, complete, ...(keys.length <= 10 ? { names: keys.map((k) => k.slice(context.ns.length)) } : {}) };
}

const numbered = (count: number, prefix = 'k') => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

/** Keys either side of where UTF-8 byte order and JavaScript's UTF-16 order disagree. */
const ORDER_PROBE = ['a', 'z', '\u00e9', '\ufffd', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}'];

const walkCases: CaseDefinition[] = [1, 2, 3, 7, 1000].map((limit) => ({
  id: `pagination.walk.page-${limit}`,
  check: 'contract',
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
    title: 'a walk with page size 1 over three keys sees each key once',
    ref: 'contract §6.1 contract_list_keys_page_is_paginated',
    async run({ handle, key, ns }) {
      const keys = [key('app/one'), key('app/two'), key('other/three')];
      for (const k of keys) await must('put_bytes', () => handle.putBytes(k, bytes('v')));
      const seen = (await walk(handle, ns, 1, 10)).keys;
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
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.key('prefix/'), null, 1));
      equal(first.keys, [context.key('prefix/a')], 'first page of prefix/');
      ok(first.cursor !== null, 'the first of two pages has no cursor', first);
      const second = await must('list_keys_page', () => context.handle.listKeysPage(context.key('prefix/'), first.cursor, 1));
      equal(second.keys, [context.key('prefix/b')], 'second page of prefix/');
    },
  },
  {
    id: 'pagination.cursor.opaque-envelope',
    check: 'contract',
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
    title: 'page sizes 1, 2, 5, 10, 99, 100, 500, 999 and 1000 are all accepted and respected',
    ref: 'contract §2.2 list limit 1..=1000',
    async run(context) {
      const keys = await putKeys(context, numbered(12));
      for (const limit of [1, 2, 5, 10, 99, 100, 500, 999, 1000]) {
        const page = await must(`list_keys_page(limit ${limit})`, () => context.handle.listKeysPage(context.ns, null, limit));
        ok(page.keys.length <= limit, `limit ${limit} returned ${page.keys.length} keys`, page.keys);
        equal(page.keys, keys.slice(0, page.keys.length), `the first page with limit ${limit}`);
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
      const keys = await putKeys(context, ORDER_PROBE);
      const seen = (await walk(context.handle, context.ns, 3)).keys;
      context.observe({ order: orderOf(seen) });
      expectSameKeysInOrder(seen, keys, 'walk over keys beyond the BMP');
    },
  },
  {
    id: 'pagination.order.ascii',
    check: 'contract',
    title: 'ASCII keys come back in byte order: digits, upper case, "_", lower case, "~"',
    ref: 'contract §3',
    async run(context) {
      const keys = await putKeys(context, ['~', 'a', '_', 'Z', 'B', '0', ' ', '-', '!']);
      expectSameKeysInOrder((await walk(context.handle, context.ns, 1000)).keys, keys, 'walk over ASCII keys');
    },
  },
  {
    id: 'pagination.order.prefix-first',
    check: 'contract',
    title: 'a key comes before every longer key it is a prefix of',
    ref: 'contract §3',
    async run(context) {
      const keys = await putKeys(context, ['ab', 'a', 'a/', 'a0', 'a\u00e9', 'a/b', 'b']);
      expectSameKeysInOrder((await walk(context.handle, context.ns, 2)).keys, keys, 'walk over nested prefixes');
    },
  },
  {
    id: 'pagination.prefix.overlapping',
    check: 'contract',
    title: '"app:" lists 3 keys, "app:user:" 2 and "app:session:" 1',
    ref: 'contract §3 "Old overlapping prefix behaviour" (list_keys_overlapping_prefixes)',
    async run(context) {
      await putKeys(context, ['app:user:1', 'app:user:2', 'app:session:1', 'apple', 'other:1']);
      const count = async (prefix: string) => (await walk(context.handle, context.key(prefix), 1)).keys;
      equal(await count('app:'), [context.key('app:session:1'), context.key('app:user:1'), context.key('app:user:2')], 'keys under app:');
      equal(await count('app:user:'), [context.key('app:user:1'), context.key('app:user:2')], 'keys under app:user:');
      equal(await count('app:session:'), [context.key('app:session:1')], 'keys under app:session:');
    },
  },
  {
    id: 'pagination.prefix.not-a-pattern',
    check: 'contract',
    title: 'prefixes are literal: "a_", "a%" and "a*" match no other characters (no LIKE or glob)',
    ref: 'contract §3 "plain starts_with(prefix)"',
    async run(context) {
      await putKeys(context, ['a_b', 'axb', 'a%b', 'ayb', 'a*b', 'a[b']);
      for (const literal of ['a_', 'a%', 'a*', 'a[']) {
        equal((await walk(context.handle, context.key(literal), 10)).keys, [context.key(`${literal}b`)], `keys under ${literal}`);
      }
    },
  },
  {
    id: 'pagination.prefix.multibyte',
    check: 'contract',
    title: 'prefix "é" matches keys starting with é (U+00E9) only, not "e" or e + U+0301',
    ref: 'contract §3',
    async run(context) {
      await putKeys(context, ['\u00e9t\u00e9', 'ete', 'e\u0301te', '\u00e9']);
      equal((await walk(context.handle, context.key('\u00e9'), 10)).keys, [context.key('\u00e9'), context.key('\u00e9t\u00e9')], 'keys under é');
    },
  },
  {
    id: 'pagination.prefix.no-match',
    check: 'contract',
    title: 'a prefix that matches nothing gives one empty page and no cursor',
    ref: 'contract §1.1 KvPage "cursor None => last page"',
    async run(context) {
      await putKeys(context, ['a', 'b']);
      equal(await must('list_keys_page', () => context.handle.listKeysPage(context.key('c'), null, 10)), { keys: [], cursor: null }, 'page of a prefix with no keys');
    },
  },
  {
    id: 'pagination.prefix.whole-key',
    check: 'contract',
    title: 'a prefix equal to a whole key lists that key and its extensions',
    ref: 'contract §3',
    async run(context) {
      await putKeys(context, ['doc', 'doc/1', 'doc2', 'do']);
      equal((await walk(context.handle, context.key('doc'), 2)).keys, [context.key('doc'), context.key('doc/1'), context.key('doc2')], 'keys under "doc"');
    },
  },
  {
    id: 'pagination.cursor.other-prefix',
    check: 'contract',
    title: 'a cursor reused with another prefix is rejected before the provider',
    ref: 'contract §2.2 cursor; §6.2 validation_rejects_cursor_for_different_prefix',
    async run(context) {
      await putKeys(context, ['app/a', 'app/b', 'other/c']);
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.key('app/'), null, 1));
      ok(first.cursor !== null, 'no cursor after the first of two pages', first);
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
      const keys = await putKeys(context, ['a', 'b', 'c']);
      const first = await must('list_keys_page', () => context.handle.listKeysPage(context.ns, null, 1));
      const widened = JSON.stringify({ ...JSON.parse(first.cursor!), note: 'extra' });
      const rest = await must('list_keys_page with an extra field', () => context.handle.listKeysPage(context.ns, widened, 10));
      equal([...first.keys, ...rest.keys], keys, 'keys across the two pages');
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
      const result = await walk(context.handle, context.ns, 2);
      equal(result.keys.length, 4, 'keys seen');
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
      let cursor: string | null = null;
      let page = 0;
      do {
        const result = await must('list_keys_page', () => handle.listKeysPage(ns, cursor, 3));
        seen.push(...result.keys);
        cursor = result.cursor;
        if (page++ === 0) {
          await must('put_bytes', () => handle.putBytes(key('k00000-before'), bytes('late'))); // sorts before the cursor
          await must('put_bytes', () => handle.putBytes(key('k99999-after'), bytes('late'))); // sorts after it
        }
      } while (cursor !== null && page < 100);
      const pre = seen.filter((k) => original.includes(k));
      expectSameKeysInOrder(pre, original, 'keys that existed before the walk');
      ok(new Set(seen).size === seen.length, 'a key was returned twice', seen);
      context.observe({ sawWrittenBefore: seen.includes(key('k00000-before')), sawWrittenAfter: seen.includes(key('k99999-after')) });
    },
  },
  {
    id: 'pagination.deleted-during-walk',
    check: 'contract',
    title: 'deleting a key ahead of a walk neither loses nor repeats the others',
    ref: 'contract §3 "Listings are not atomic snapshots"',
    async run(context) {
      const { handle, ns, key } = context;
      const original = await putKeys(context, numbered(9));
      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const result = await must('list_keys_page', () => handle.listKeysPage(ns, cursor, 3));
        seen.push(...result.keys);
        cursor = result.cursor;
        if (page++ === 0) await must('delete', () => handle.delete(key('k00007')));
      } while (cursor !== null && page < 100);
      expectSameKeysInOrder(seen, original.filter((k) => k !== key('k00007')), 'keys seen after deleting one ahead of the walk');
    },
  },
  {
    id: 'pagination.expired-left-out',
    check: 'contract',
    title: 'expired keys are left out of every page, and the walk still ends',
    ref: 'contract §3 "Expired keys: never listed"; platform-kv-behaviour §D3 (empty pages with list_complete false)',
    requires: ['ttl'],
    clock: 'required',
    async run(context) {
      const { kv, key, ns, handle } = context;
      const all = numbered(10);
      await putMany(kv, all.map((suffix, i) => ({ key: key(suffix), value: bytes('v'), ...(i % 2 === 0 ? { options: { ttlSeconds: 60 } } : {}) })));
      await context.clock.advance(61);
      const result = await walk(handle, ns, 2);
      expectSameKeysInOrder(result.keys, all.filter((_, i) => i % 2 === 1).map(key), 'walk after half the keys expired');
      context.observe({ pageSizes: result.pageSizes });
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
        fc.asyncProperty(keySet, pageSize, async (suffixes, limit) => {
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
        fc.asyncProperty(keySet, fc.nat(), fc.nat(), pageSize, async (suffixes, pick, cut, limit) => {
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
      await putKeys(context, ORDER_PROBE);
      const { keys } = await listAllNative(context.kv, context.ns);
      return { order: orderOf(keys), keys: keys.map((k) => k.slice(context.ns.length)) };
    },
  },
  {
    id: 'pagination.native.max-page',
    check: 'probe',
    title: 'the largest page the platform returns (limit 1000 and 1001 over 1,002 keys)',
    ref: 'platform-kv-behaviour §C0 "List page size" (Miniflare: 1001 → 400)',
    contract: { maxPageSize: 1000 },
    timeoutMs: 300_000,
    async run(context) {
      await putKeys(context, numbered(1002));
      const pageOf = (limit: number) => nativePage(context, { prefix: context.ns, limit });
      const at1000 = await pageOf(1000);
      const at1001 = await pageOf(1001);
      const over = !at1001.ok ? 'rejected' : at1001.keys > 1000 ? 'accepted' : 'clamped';
      const largest = Math.max(at1000.ok ? at1000.keys : 0, at1001.ok ? at1001.keys : 0);
      return { maxPageSize: largest > 1000 ? null : largest, over, limit1000: at1000, limit1001: at1001, probedUpTo: 1001 };
    },
  },
  {
    id: 'pagination.native.limit-zero',
    check: 'probe',
    title: 'whether the platform refuses a page size of 0, and still answers afterwards',
    ref: 'platform-kv-behaviour §C1 "limit < 1 → Invalid key_count_limit"',
    contract: { ok: false, storeAnswersAfter: true },
    restartAfter: true,
    async run(context) {
      await putKeys(context, ['a', 'b']);
      const page = await nativePage(context, { prefix: context.ns, limit: 0 });
      const after = await outcome(() => context.kv.list({ prefix: context.ns, limit: 1 }));
      return { ...page, storeAnswersAfter: after.ok, ...(after.ok ? {} : { errorAfter: after.error }) };
    },
  },
  {
    id: 'pagination.native.default-limit',
    check: 'probe',
    title: 'how many keys a native list without a limit returns (over 1,001 keys)',
    ref: 'platform-kv-behaviour §C0 "default 1000"; contract §2.1 "There is no default page size"',
    timeoutMs: 300_000,
    async run(context) {
      await putKeys(context, numbered(1001));
      const page = await context.kv.list({ prefix: context.ns });
      return { keys: page.keys.length, complete: page.complete };
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
      const randomBase64 = Buffer.from(Array.from({ length: 12 }, (_, i) => (context.seed >>> (i % 24)) & 0xff)).toString('base64');
      for (const [label, cursor] of [['garbage', 'garbage'], ['random-base64', randomBase64]]) {
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

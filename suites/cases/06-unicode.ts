/**
 * Unicode: keys are exact code point sequences (never normalised), any valid
 * one round-trips, and lone surrogates (not UTF-8 at all) are refused by the
 * client; a probe records what each platform does with them natively.
 */
import fc from 'fast-check';
import { defineCases, type CaseContext } from '../case.ts';
import { distinctKeys, equal, expectKeyRejected, expectValidation, must, ok, keysUnder, spiedHandle } from '../expect.ts';
import { checkProperty } from '../property.ts';
import { nonAsciiKeySuffix, validKeySuffix } from '../arbitraries/key-suffixes.ts';
import { jsonValue, valueBytes } from '../arbitraries/values.ts';
import { attempt } from '../probe.ts';
import { outcome } from '../observe.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const LONE_SURROGATE = 'key contains a lone surrogate (not valid UTF-8)';


/** Code units in hex, so a report shows exactly what came back (U+FFFD vs a surrogate). */
const codeUnits = (text: string) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i).toString(16).padStart(4, '0')).join(' ');

function roundTripProperty(context: CaseContext, suffix: (prefix: string) => fc.Arbitrary<string>) {
  let run = 0;
  return checkProperty(
    context,
    fc.asyncProperty(suffix(context.key('r000/')), valueBytes, async (tail, value) => {
      const prefix = context.key(`r${(run++).toString(36).padStart(3, '0')}/`);
      const key = prefix + tail;
      const { handle } = context;
      await must(`put_bytes(${JSON.stringify(key)})`, () => handle.putBytes(key, value));
      equal(await must('get_bytes', () => handle.getBytes(key)), value, `get_bytes(${JSON.stringify(tail)})`);
      equal(await keysUnder(handle, prefix), [key], `keys listed under the run prefix`);
      await must('delete', () => handle.delete(key));
      equal(await must('get_bytes', () => handle.getBytes(key)), null, 'get_bytes after delete');
    }),
    { numRuns: Math.min(context.runs, 50) },
  );
}

export default defineCases('unicode', [
  {
    id: 'unicode.property.any-valid-key',
    check: 'property',
    title: 'arbitrary valid keys (any non-control code point, ASCII punctuation too) and values round-trip',
    ref: 'contract §2.2 key rule 5; §5 "Unicode keys: allowed"',
    timeoutMs: 600_000,
    run: (context) => roundTripProperty(context, validKeySuffix),
  },
  {
    id: 'unicode.property.non-ascii-key',
    check: 'property',
    title: 'arbitrary keys of non-ASCII code points (BMP and astral) and values round-trip',
    ref: 'contract §6.2 unicode_key_roundtrip',
    timeoutMs: 600_000,
    run: (context) => roundTripProperty(context, nonAsciiKeySuffix),
  },
  {
    id: 'unicode.property.typed-json',
    check: 'property',
    title: 'arbitrary JSON values (any Unicode in strings) round-trip through put and get',
    ref: 'contract §1.2 typed put/get (serde_json)',
    timeoutMs: 600_000,
    async run(context) {
      let run = 0;
      await checkProperty(
        context,
        fc.asyncProperty(jsonValue, async (value) => {
          const key = context.key(`j${(run++).toString(36)}`);
          await must('put', () => context.handle.put(key, value));
          equal(await must('get', () => context.handle.get(key)), value, 'get after put');
        }),
        { numRuns: Math.min(context.runs, 50) },
      );
    },
  },
  {
    id: 'unicode.japanese-key',
    check: 'contract',
    title: 'the key "日本語キー" round-trips',
    ref: 'contract §2.2 key rule 5 (test with "日本語キー"); §6.2 unicode_key_roundtrip',
    run: (context) => distinctKeys(context, ['\u65e5\u672c\u8a9e\u30ad\u30fc']),
  },
  {
    id: 'unicode.nfc-nfd-distinct',
    check: 'contract',
    title: 'é as U+00E9 (NFC) and as e + U+0301 (NFD) are two different keys',
    ref: 'platform-kv-behaviour §D6 (NFC vs NFD)',
    run: (context) => distinctKeys(context, ['caf\u00e9', 'cafe\u0301']),
  },
  {
    id: 'unicode.nfc-nfd-distinct.hangul',
    check: 'contract',
    title: 'a precomposed Hangul syllable and its jamo sequence are two different keys',
    ref: 'platform-kv-behaviour §D6',
    run: (context) => distinctKeys(context, ['\ud55c', '\u1112\u1161\u11ab']),
  },
  {
    id: 'unicode.compatibility-distinct',
    check: 'contract',
    title: 'compatibility forms stay distinct: "ﬁ" vs "fi", fullwidth "Ａ" vs "A", "K" vs KELVIN SIGN',
    ref: 'platform-kv-behaviour §D6',
    run: (context) => distinctKeys(context, ['\ufb01', 'fi', '\uff21', 'A', 'K', '\u212a']),
  },
  {
    id: 'unicode.emoji',
    check: 'contract',
    title: 'emoji keys (single, ZWJ family, flag, skin tone) round-trip and stay distinct',
    ref: 'platform-kv-behaviour §D6 (emoji)',
    run: (context) => distinctKeys(context, ['\u{1f600}', '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '\u{1f1e9}\u{1f1ea}', '\u{1f44d}\u{1f3fd}', '\u{1f44d}']),
  },
  {
    id: 'unicode.zero-width',
    check: 'contract',
    title: 'zero-width characters are kept: "ab", "a\\u200bb", "a\\u200db", "a\\ufeffb" are four keys',
    ref: 'platform-kv-behaviour §D6 (zero-width)',
    run: (context) => distinctKeys(context, ['ab', 'a\u200bb', 'a\u200db', 'a\ufeffb', 'a\u2060b']),
  },
  {
    id: 'unicode.rtl',
    check: 'contract',
    title: 'right-to-left keys and bidi overrides round-trip unchanged',
    ref: 'platform-kv-behaviour §D6 (RTL)',
    run: (context) => distinctKeys(context, ['\u05e9\u05dc\u05d5\u05dd', '\u0645\u0631\u062d\u0628\u0627', 'a\u202eb', 'a\u200fb', 'a\u061cb']),
  },
  {
    id: 'unicode.noncharacters',
    check: 'contract',
    title: 'noncharacters U+FFFE, U+FFFF, U+FDD0 and U+10FFFF are valid inside keys',
    ref: 'contract §2.2 key rule 5; platform-kv-behaviour §C0 (Viceroy: single-char U+FFFE/U+FFFF keys)',
    run: (context) => distinctKeys(context, ['a\ufffe', 'a\uffff', 'a\ufdd0', 'a\u{10ffff}', 'a\ufffd']),
  },
  {
    id: 'unicode.lone-surrogate.high',
    check: 'contract',
    title: 'a key with a lone high surrogate (U+D800) is rejected by the client',
    ref: 'contract/rules.ts (a Rust &str cannot hold a lone surrogate)',
    run: (context) => expectKeyRejected(context, context.key('x\ud800y'), LONE_SURROGATE),
  },
  {
    id: 'unicode.lone-surrogate.low',
    check: 'contract',
    title: 'a key with a lone low surrogate (U+DC00) is rejected by the client',
    ref: 'contract/rules.ts',
    run: (context) => expectKeyRejected(context, context.key('x\udc00'), LONE_SURROGATE),
  },
  {
    id: 'unicode.lone-surrogate.reversed-pair',
    check: 'contract',
    title: 'a low surrogate followed by a high one (a pair the wrong way round) is rejected',
    ref: 'contract/rules.ts',
    run: (context) => expectKeyRejected(context, context.key('\udc00\ud800'), LONE_SURROGATE),
  },
  {
    id: 'unicode.lone-surrogate.prefix',
    check: 'contract',
    title: 'a list prefix ending in half a surrogate pair is rejected by the client',
    ref: 'contract/rules.ts prefixProblem',
    async run({ kv, ns }) {
      const { handle, calls } = spiedHandle(kv);
      await expectValidation('list_keys_page', () => handle.listKeysPage(ns + '\ud83d', null, 10), 'prefix contains a lone surrogate (not valid UTF-8)');
      ok(calls.length === 0, 'a lone-surrogate prefix reached the provider');
    },
  },
  {
    id: 'unicode.native.lone-surrogate',
    check: 'probe',
    title: 'what the platform does with a lone surrogate in a key: refuse it, keep it, or store U+FFFD',
    ref: 'platform-kv-behaviour §C1 "Could not URL-decode key name" (lone surrogates); §D6',
    async run({ kv, key, ns }) {
      const lone = key('x\ud800y');
      const put = await attempt(() => kv.put(lone, bytes('lone')));
      if (!put.ok) return { put };
      const get = await outcome(() => kv.get(lone));
      const replacement = await outcome(() => kv.get(key('x\ufffdy')));
      const listed = await outcome(() => kv.list({ prefix: ns }));
      return {
        put,
        getSameKey: get.ok ? (get.value ? 'found' : 'missing') : get,
        getWithReplacementChar: replacement.ok ? (replacement.value ? 'found' : 'missing') : replacement,
        listedAs: listed.ok ? listed.value.keys.map((k) => codeUnits(k.slice(ns.length))) : listed,
      };
    },
  },
]);

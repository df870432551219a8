/**
 * Keys: the contract's domain (1..512 UTF-8 bytes, not "." or "..", no control
 * characters) must work whole, everything outside it is refused by the client
 * before the provider, and probes record what each platform accepts itself.
 */
import { defineCases, type CaseContext, type CaseDefinition } from '../case.ts';
import { distinctKeys, equal, expectKeyRejected, keysUnder, lifeOfKey, must, ok } from '../expect.ts';
import { ACME_PREFIX, CHAR_OF_WIDTH, CONTROL_CHARS, FASTLY_FORBIDDEN, WIDTH_NAME, charId, keyOfBytes, type CharWidth } from '../edge-keys.ts';
import { attempt, attemptPuts, tally } from '../probe.ts';
import { searchLimit } from '../limit-search.ts';
import { utf8Length } from '../../contract/rules.ts';
import type { LimitFact } from '../../results/facts.ts';
import { outcome } from '../observe.ts';
import { WIDER, showChar } from '../key-alphabet.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const WIDTHS: CharWidth[] = [1, 2, 3, 4];
const CONTROL_MESSAGE = 'key contains invalid control characters';
const DOT_MESSAGE = "key cannot be exactly '.' or '..'";
/** The names the contract refuses whatever they hold: empty, and the dot segments. */
const RESERVED_KEYS = ['', '.', '..'];


const controlCases: CaseDefinition[] = CONTROL_CHARS.map((char) => ({
  id: `keys.control.${charId(char)}`,
  check: 'contract',
  title: `a key containing U+${charId(char).slice(1).toUpperCase()} is rejected`,
  ref: 'contract §2.2 key rule 4 (char::is_control)',
  run: (context) => expectKeyRejected(context, context.key(`a${char}b`), CONTROL_MESSAGE),
}));

const maxKeyProbes: CaseDefinition[] = WIDTHS.map((width) => ({
  id: `keys.native.max-bytes.${WIDTH_NAME[width]}-chars`,
  check: 'probe',
  title: `the longest key the platform accepts, in bytes of ${WIDTH_NAME[width]} characters (searched from 21 B to 64 KiB)`,
  ref: width === 1 ? 'platform-kv-behaviour §C0 key length' : 'platform-kv-behaviour §C1 "length is UTF-8 bytes"; §C2 "check is on encoded length"',
  contract: { value: 512 },
  timeoutMs: 300_000,
  run: (context) => probeKeyBytes(context, width),
}));

const maxBytesCases: CaseDefinition[] = WIDTHS.map((width) => ({
  id: `keys.max-bytes.${WIDTH_NAME[width]}-chars`,
  check: 'contract',
  title: `a key of exactly 512 bytes of ${WIDTH_NAME[width]} characters works`,
  ref: 'contract §2.2 key rule 2 "A key of exactly 512 bytes is accepted"',
  run: (context) => lifeOfKey(context, keyOfBytes(context.ns, 512, width)),
}));

const overMaxCases: CaseDefinition[] = WIDTHS.map((width) => ({
  id: `keys.over-max.${WIDTH_NAME[width]}-chars`,
  check: 'contract',
  title: `a key of 513 bytes of ${WIDTH_NAME[width]} characters is rejected`,
  ref: 'contract §2.2 key rule 2; §6.2 validation_rejects_long_keys',
  run: (context) => expectKeyRejected(context, keyOfBytes(context.ns, 513, width), 'key length 513 exceeds limit of 512 bytes'),
}));

const fastlyForbiddenCases: CaseDefinition[] = FASTLY_FORBIDDEN.map(({ id, char }) => ({
  id: `keys.fastly-forbidden.${id}`,
  check: 'contract',
  title: `a key containing "${char}" is a valid contract key and works, distinct from the key cut at "${char}"`,
  ref: 'contract §2.2 key rule 5 ("#", "?", "|" allowed); §7.4 Fastly key rules',
  async run(context) {
    // A store that cuts the key at the character (a URL's "?" or "#") makes these one key: get shows it.
    await distinctKeys(context, [`a${char}b`, `a${char}c`, 'a']);
    await lifeOfKey(context, context.key(`a${char}d`));
  },
}));

/** Dot segments inside a longer key: only the whole keys "." and ".." are refused. Beside each, the key a path resolver would make of it (none for "..."). */
const DOT_SEGMENTS: Array<[string, string, string | null]> = [
  ['three-dots', '...', null],
  ['dot-slash', './a', 'a'],
  ['ends-with-dot', 'a/.', 'a/'],
  ['ends-with-dotdot', 'a/..', ''],
  ['dotdot-inside', 'a/../b', 'b'],
];

const dotSegmentCases: CaseDefinition[] = DOT_SEGMENTS.map(([id, suffix, resolved]) => ({
  id: `keys.dot-segment.${id}`,
  check: 'contract',
  title: `a key ending in "${suffix}" works${resolved === null ? '' : ` and stays apart from one ending in "${resolved}"`} (only "." and ".." as whole keys are refused)`,
  ref: 'contract §2.2 key rule 3 (\'"...", "./a" and "a/.." are accepted\')',
  async run(context) {
    // A store that resolves path segments makes these one key: get shows it.
    if (resolved !== null) await distinctKeys(context, [suffix, resolved]);
    await lifeOfKey(context, context.key(suffix));
  },
}));

export default defineCases('keys', [
  {
    id: 'keys.empty',
    check: 'contract',
    title: 'the empty key is rejected by every operation',
    ref: 'contract §2.2 key rule 1; §6.2 empty_key_rejected',
    run: (context) => expectKeyRejected(context, '', 'key cannot be empty'),
  },
  {
    id: 'keys.dot',
    check: 'contract',
    title: 'the key "." is rejected by every operation',
    ref: 'contract §2.2 key rule 3; §6.2 validation_rejects_dot_keys',
    run: (context) => expectKeyRejected(context, '.', DOT_MESSAGE),
  },
  {
    id: 'keys.dotdot',
    check: 'contract',
    title: 'the key ".." is rejected by every operation',
    ref: 'contract §2.2 key rule 3; §6.2 validation_rejects_dot_keys',
    run: (context) => expectKeyRejected(context, '..', DOT_MESSAGE),
  },
  ...dotSegmentCases,
  ...controlCases,
  ...maxBytesCases,
  ...overMaxCases,
  {
    id: 'keys.over-max.bytes-not-chars',
    check: 'contract',
    title: 'the limit counts UTF-8 bytes: 200 three-byte characters (200 UTF-16 units) are rejected',
    ref: 'contract §2.2 key rule 2 (key.len() is bytes)',
    run: (context) => expectKeyRejected(context, context.key('\u20ac'.repeat(200)), 'key length 620 exceeds limit of 512 bytes'),
  },
  {
    id: 'keys.max-bytes.single-char-key',
    check: 'contract',
    title: 'a one-character key works',
    ref: 'contract §2.2 (1..512 bytes)',
    run: (context) => lifeOfKey(context, context.key('x')),
  },
  ...fastlyForbiddenCases,
  {
    id: 'keys.fastly-forbidden.acme-prefix',
    check: 'contract',
    title: 'a key starting with ".well-known/acme-challenge/" is a valid contract key and works',
    ref: 'contract §2.2 "There is no check for Fastly\'s forbidden .well-known/acme-challenge/ prefix"; §7.4',
    async run(context) {
      const key = ACME_PREFIX + context.ns + 'token';
      context.track(key);
      await lifeOfKey(context, key);
    },
  },
  {
    id: 'keys.sibling.path-prefix',
    check: 'contract',
    title: 'keys "a" and "a/b" live side by side, and deleting one keeps the other',
    ref: 'platform-kv-behaviour §D5 (cloudflare/miniflare#167)',
    async run(context) {
      const { handle, key } = context;
      await distinctKeys(context, ['a', 'a/b', 'a/b/c']);
      await must('delete', () => handle.delete(key('a')));
      equal(await handle.getBytes(key('a/b')), bytes('value 1'), 'get_bytes("a/b") after delete of "a"');
      await must('delete', () => handle.delete(key('a/b/c')));
      equal(await handle.getBytes(key('a/b')), bytes('value 1'), 'get_bytes("a/b") after delete of "a/b/c"');
    },
  },
  {
    id: 'keys.percent-encoding.distinct',
    check: 'contract',
    title: 'keys are never URL-decoded: "a/b", "a%2Fb", "a%2fb" and "a%b" are four keys',
    ref: 'platform-kv-behaviour §D6 (miniflare#326, workers-sdk#961)',
    run: (context) => distinctKeys(context, ['a/b', 'a%2Fb', 'a%2fb', 'a%b', 'a%25b', 'a+b', 'a b']),
  },
  {
    id: 'keys.case-sensitive',
    check: 'contract',
    title: 'keys differing only in case are distinct',
    ref: 'platform-kv-behaviour §C1 "keys case-sensitive"',
    // é beside É where the store takes them: a store that takes neither diverges on the keys about characters.
    run: (context) => distinctKeys(context, context.keys.only(['key', 'Key', 'KEY', '\u00e9', '\u00c9'])),
  },
  {
    id: 'keys.whitespace',
    check: 'contract',
    title: 'spaces and non-breaking spaces are kept, leading and trailing too: each key stays apart from its trimmed form',
    ref: 'contract §2.2 key rule 5 "spaces ... allowed"',
    run: (context) => distinctKeys(context, [' lead', 'lead', 'trail ', 'trail', 'in side', 'inside', 'nb\u00a0sp', 'nb sp', '  ', ' ']),
  },
  {
    id: 'keys.slashes',
    check: 'contract',
    title: 'empty path segments are kept: "a//b", "a/", "/" and "//" are distinct keys',
    ref: 'contract §2.2 key rule 5 ("/" allowed)',
    run: (context) => distinctKeys(context, ['a//b', 'a/b', 'a/', '/', '//', '/a']),
  },
  {
    id: 'keys.ascii-printable',
    check: 'contract',
    title: 'every printable ASCII character works inside a key (Fastly-forbidden ones have their own cases)',
    ref: 'contract §2.2 key rule 5',
    async run(context) {
      const forbidden = new Set(FASTLY_FORBIDDEN.map(({ char }) => char));
      const chars = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).filter((char) => !forbidden.has(char));
      await distinctKeys(context, chars.map((char) => `c${char}`));
    },
  },
  ...maxKeyProbes,
  {
    id: 'keys.native.alphabet',
    check: 'probe',
    title: 'which characters the platform takes in a key (every printable ASCII character, and some of 2, 3 and 4 UTF-8 bytes, each inside a key)',
    ref: 'contract §2.2 key rule 5 (every character but controls); platform-kv-behaviour §C0',
    // Informational, as keys.native.fastly-forbidden: the contract checks about characters judge it.
    // Observed once a run, before the first case: the cases about other rules wrote names of this alphabet.
    run: async (context) => context.keys.fact,
  },
  {
    id: 'keys.native.reserved',
    check: 'probe',
    title: 'whether the platform itself refuses put, get and delete of "", "." and ".." (never keys under the contract)',
    ref: 'contract §2.2 key rules 1 and 3; platform-kv-behaviour §C0 "Empty / . / .."; §C1 workerd validateKeyName; Miniflare "get/put/delete: validates key"',
    contract: { accepted: [] },
    async run(context) {
      const { kv } = context;
      // Outside the namespace by nature: tracked, so the engine deletes whatever the platform took.
      const answers: Record<string, unknown> = {};
      const accepted: string[] = [];
      for (const key of RESERVED_KEYS) {
        context.track(key);
        const name = JSON.stringify(key);
        const put = await attempt(() => kv.put(key, bytes('v')));
        const get = await outcome(() => kv.get(key));
        const del = await attempt(() => kv.delete(key));
        answers[name] = { put, get: get.ok ? { ok: true, found: get.value !== null } : get, delete: del };
        for (const [op, result] of [['put', put], ['get', get], ['delete', del]] as const) if (result.ok) accepted.push(`${op} ${name}`);
      }
      return { accepted, answers };
    },
  },
  {
    id: 'keys.native.control-chars',
    check: 'probe',
    title: 'which control characters the platform accepts inside a key',
    ref: 'platform-kv-behaviour §D7 (NUL inside keys, js-compute-runtime#1464)',
    async run({ kv, key }) {
      const results = await attemptPuts(kv, CONTROL_CHARS.map((char) => ({ key: key(`a${char}b`), value: bytes('v') })));
      return tally(CONTROL_CHARS.map(charId), results);
    },
  },
  {
    id: 'keys.native.fastly-forbidden',
    check: 'probe',
    title: 'which of Fastly\'s forbidden key contents the platform refuses',
    ref: 'platform-kv-behaviour §C0, §C2 (KVStore key can not contain ...), §D7',
    async run(context) {
      const { kv, key } = context;
      const entries: Array<[string, string]> = [
        ...FASTLY_FORBIDDEN.map(({ id, char }): [string, string] => [id, key(`a${char}b`)]),
        ['carriage-return', key('a\rb')],
        ['line-feed', key('a\nb')],
        ['acme-prefix', ACME_PREFIX + context.ns + 'x'],
        ['acme-prefix-without-slash', '.well-known/acme-challenge' + context.ns.slice(0, -1) + 'x'],
      ];
      for (const [, k] of entries) context.track(k);
      const results = await attemptPuts(kv, entries.map(([, k]) => ({ key: k, value: bytes('v') })));
      return tally(entries.map(([label]) => label), results);
    },
  },
  {
    id: 'keys.native.dot-segments',
    check: 'probe',
    title: 'which dot segments inside a key the platform refuses',
    ref: 'platform-kv-behaviour §C0 (Viceroy: keys containing "./", "../" or ending "/." "/..")',
    async run({ kv, key }) {
      const results = await attemptPuts(kv, DOT_SEGMENTS.map(([, suffix]) => ({ key: key(suffix), value: bytes('v') })));
      return tally(DOT_SEGMENTS.map(([id]) => id), results);
    },
  },
  {
    id: 'keys.rejected.leaves-store-alone',
    check: 'contract',
    title: 'a refused key next to a stored one leaves the stored one as it was',
    ref: 'contract §1.1 "Pre-validation contract"',
    async run(context) {
      const { handle, key } = context;
      await must('put_bytes', () => handle.putBytes(key('kept'), bytes('kept')));
      await expectKeyRejected({ kv: context.kv, ns: key('nothing-here/') }, key('kept\u0000'), CONTROL_MESSAGE);
      equal(await handle.getBytes(key('kept')), bytes('kept'), 'get_bytes of the stored key');
      ok((await keysUnder(handle, context.ns)).length === 1, 'only the stored key is listed');
    },
  },
]);

/**
 * The longest key the platform takes, in UTF-8 bytes of one character width, searched from the
 * namespace's 21 bytes to 64 KiB. Accepted means written and read back under that very name, so a
 * store that cuts long keys short does not pass for one without a limit. Where the store takes no
 * character of this width, there is no length to find: "none accepted", with its refusal.
 */
async function probeKeyBytes(context: CaseContext, width: CharWidth): Promise<LimitFact> {
  const { kv, ns } = context;
  let char = context.keys.charOfWidth(width);
  const from = utf8Length(ns) + width;
  const refusal = char === null ? await attempt(() => kv.put(keyOfBytes(ns, from, width), bytes('v'))) : undefined;
  if (refusal?.ok) char = CHAR_OF_WIDTH[width];
  if (char === null) {
    const tried = WIDER[width as 2 | 3 | 4].map(showChar).join(' ');
    return {
      fact: 'limit', bound: 'max', unit: 'B', value: null, accepted: null, refused: null,
      ...(refusal && !refusal.ok ? { error: refusal.error } : {}),
      from, to: 64 * 1024, how: `one ${WIDTH_NAME[width]} character in a key of ${from} B, after the run found none taken (${tried} tried)`,
      stopped: `none accepted: the platform takes no ${WIDTH_NAME[width]} character in a key (${tried} tried)`,
      probes: 1,
    };
  }
  return searchLimit({
    bound: 'max',
    unit: 'B',
    from: utf8Length(ns) + 1,
    to: 64 * 1024,
    hint: 512,
    bytesAt: (size) => size,
    async accepts(size) {
      const key = keyOfBytes(ns, size, width, char);
      const put = await attempt(() => kv.put(key, bytes('v')));
      if (!put.ok) return put;
      // Every accepted probe key lives under ns, so the engine's cleanup removes it.
      const read = await outcome(() => kv.get(key));
      if (!read.ok) return { ok: false, error: `written, then not read back: ${read.error}`, class: read.class };
      return read.value ? { ok: true } : { ok: false, error: 'written, then not found under its name', class: 'not-found' };
    },
  });
}

/**
 * Metadata (providers with the `metadata` capability): a JSON value stored beside
 * the value. EdgeZero's contract has none, so these run on the native API; the
 * round trips are prescribed by the capability, the size limit is only observed.
 */
import { isDeepStrictEqual } from 'node:util';
import { defineCases, type CaseContext, type CaseDefinition } from '../case.ts';
import type { JsonValue } from '../../api/index.ts';
import { attempt } from '../probe.ts';
import { searchLimit } from '../limit-search.ts';
import { outcome } from '../observe.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Native put with `metadata`, then get: did the same JSON come back? */
async function metadataRoundTrip(context: CaseContext, metadata: JsonValue, ttlSeconds?: number) {
  const { kv, key } = context;
  const put = await attempt(() => kv.put(key('m'), bytes('v'), { metadata, ...(ttlSeconds ? { ttlSeconds } : {}) }));
  if (!put.ok) return { equal: false, put };
  const got = await outcome(() => kv.get(key('m')));
  if (!got.ok) return { equal: false, get: got };
  const entry = got.value;
  return {
    equal: entry !== null && isDeepStrictEqual(entry.metadata, metadata),
    got: entry === null ? 'missing' : { metadata: entry.metadata, value: new TextDecoder().decode(entry.value) },
  };
}

const FALSY: Array<[string, JsonValue]> = [
  ['empty-string', ''],
  ['zero', 0],
  ['false', false],
  ['null', null],
  ['empty-array', []],
  ['empty-object', {}],
];

const falsyCases: CaseDefinition[] = FALSY.map(([id, metadata]) => ({
  id: `metadata.falsy.${id}`,
  check: 'probe',
  title: `metadata ${JSON.stringify(metadata)} comes back as ${JSON.stringify(metadata)}`,
  ref: 'platform-kv-behaviour §D1 (workers-sdk#14594, #14835: falsy metadata lost)',
  requires: ['metadata'],
  contract: { equal: true },
  run: (context) => metadataRoundTrip(context, metadata),
}));

export default defineCases('metadata', [
  {
    id: 'metadata.round-trip',
    check: 'probe',
    title: 'a JSON object stored as metadata comes back equal',
    ref: 'platform-kv-behaviour §C1 getWithMetadata; §C2 metadataText()',
    requires: ['metadata'],
    contract: { equal: true },
    run: (context) => metadataRoundTrip(context, { a: 1, s: 'x', nested: { list: [1, 2, 3], flag: true, none: null } }),
  },
  {
    id: 'metadata.absent-is-null',
    check: 'probe',
    title: 'a value written without metadata reads back with metadata null',
    ref: 'platform-kv-behaviour §C1 "metadata: null if absent"',
    requires: ['metadata'],
    contract: { metadata: null },
    async run({ kv, key }) {
      await kv.put(key('m'), bytes('v'));
      const entry = await kv.get(key('m'));
      return { metadata: entry ? entry.metadata : 'missing' };
    },
  },
  ...falsyCases,
  {
    id: 'metadata.unicode-string',
    check: 'probe',
    title: 'metadata holding non-ASCII text comes back equal',
    ref: 'platform-kv-behaviour §C2 (metadata "must be a valid HTTP header value")',
    requires: ['metadata'],
    contract: { equal: true },
    run: (context) => metadataRoundTrip(context, { text: '\u65e5\u672c\u8a9e \u{1f600} caf\u00e9' }),
  },
  {
    id: 'metadata.number-precision',
    check: 'probe',
    title: 'metadata numbers keep their value (2^53 − 1, −0.5, 1e-7)',
    ref: 'platform-kv-behaviour §C1 "JSON-serializable"',
    requires: ['metadata'],
    contract: { equal: true },
    run: (context) => metadataRoundTrip(context, { big: Number.MAX_SAFE_INTEGER, negative: -0.5, tiny: 1e-7 }),
  },
  {
    id: 'metadata.with-ttl',
    check: 'probe',
    title: 'metadata written with a TTL comes back with the value',
    ref: 'platform-kv-behaviour §C1',
    requires: ['metadata', 'ttl'],
    contract: { equal: true },
    run: (context) => metadataRoundTrip(context, { with: 'ttl' }, 300),
  },
  {
    id: 'metadata.native.max-bytes',
    check: 'probe',
    title: 'the largest metadata the platform accepts, in bytes of serialized JSON (searched from 2 B to 64 KiB)',
    ref: 'platform-kv-behaviour §C0 "Metadata" (CF 1024 B; Fastly 2000/1000/2048 B; Viceroy no limit)',
    requires: ['metadata'],
    timeoutMs: 300_000,
    run: ({ kv, key }) =>
      // A JSON string of n − 2 letters serializes to exactly n bytes; "" (2 bytes) is the smallest.
      searchLimit({
        bound: 'max',
        unit: 'B',
        from: 2,
        to: 64 * 1024,
        hint: 1024,
        bytesAt: (size) => size,
        accepts: (size) => attempt(() => kv.put(key('m'), bytes('v'), { metadata: 'm'.repeat(size - 2) })),
      }),
  },
]);

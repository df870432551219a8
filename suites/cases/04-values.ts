/**
 * Values: any bytes from 0 to 25 MiB round-trip unchanged; 25 MiB + 1 is refused
 * by the client; probes find what the platform itself takes.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { defineCases, type CaseContext } from '../case.ts';
import { equal, expectNothingUnder, expectValidation, fail, must, ok, spiedHandle } from '../expect.ts';
import { attempt } from '../probe.ts';
import { searchLimit } from '../limit-search.ts';
import { checkProperty } from '../property.ts';

const MAX = 25 * 1024 * 1024;
/** How much longer the key of the second value search is, to see whether the value limit moves with it. */
const LONGER_KEY = 64;
const bytes = (text: string) => new TextEncoder().encode(text);

/** Compares two byte arrays and says where they first differ (large values stay out of the message). */
function sameBytes(got: Uint8Array | null, expected: Uint8Array, what: string): void {
  if (got === null) fail(`${what}: got null, expected ${expected.byteLength} bytes`);
  if (got.byteLength !== expected.byteLength) fail(`${what}: got ${got.byteLength} bytes, expected ${expected.byteLength}`, { bytes: got.byteLength });
  if (Buffer.compare(Buffer.from(got), Buffer.from(expected)) !== 0) {
    const at = got.findIndex((byte, i) => byte !== expected[i]);
    fail(`${what}: bytes differ from offset ${at} (got 0x${got[at].toString(16)}, expected 0x${expected[at].toString(16)})`, {
      sha256: createHash('sha256').update(got).digest('hex'),
    });
  }
}

/** A deterministic, incompressible-looking value of `size` bytes from the case seed. */
function patterned(size: number, seed: number): Uint8Array {
  const value = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    value[i] = state & 0xff;
  }
  return value;
}

async function roundTrip(context: CaseContext, value: Uint8Array, what: string): Promise<void> {
  const { handle, key } = context;
  await must(`put_bytes of ${what}`, () => handle.putBytes(key('v'), value));
  sameBytes(await must('get_bytes', () => handle.getBytes(key('v'))), value, `get_bytes of ${what}`);
}

export default defineCases('values', [
  {
    id: 'values.empty',
    check: 'contract',
    title: 'a value of zero bytes comes back as zero bytes, not as missing',
    ref: 'contract §2.2 value "Size 0 is allowed"; platform-kv-behaviour §C1 (miniflare#703)',
    async run(context) {
      await roundTrip(context, new Uint8Array(0), 'an empty value');
      equal(await context.handle.exists(context.key('v')), true, 'exists of an empty value');
    },
  },
  {
    id: 'values.all-byte-values',
    check: 'contract',
    title: 'all 256 byte values round-trip in order',
    ref: 'contract §1.2 "Raw bytes are stored verbatim"',
    run: (context) => roundTrip(context, Uint8Array.from({ length: 256 }, (_, i) => i), 'bytes 0x00..0xff'),
  },
  {
    id: 'values.all-byte-values.reversed',
    check: 'contract',
    title: 'all 256 byte values, high first, round-trip (no text decoding, no NUL truncation)',
    ref: 'contract §1.2',
    run: (context) => roundTrip(context, Uint8Array.from({ length: 256 }, (_, i) => 255 - i), 'bytes 0xff..0x00'),
  },
  {
    id: 'values.utf8-bom-and-crlf',
    check: 'contract',
    title: 'a BOM, CRLF and trailing whitespace are kept as they are',
    ref: 'contract §1.2',
    run: (context) => roundTrip(context, bytes('\ufeffline one\r\nline two\r\n  \t'), 'text with BOM and CRLF'),
  },
  {
    id: 'values.1-mib',
    check: 'contract',
    title: 'a 1 MiB value round-trips',
    ref: 'contract §5 "Large values"; §6.2 large_value_roundtrip',
    run: (context) => roundTrip(context, patterned(1024 * 1024, context.seed), '1 MiB'),
  },
  {
    id: 'values.max.exactly-25-mib',
    heavy: 'a 25 MiB value written and read back',
    check: 'contract',
    title: 'a value of exactly 25 MiB (26,214,400 bytes) round-trips',
    ref: 'contract §2.1 MAX_VALUE_SIZE',
    timeoutMs: 300_000,
    run: (context) => roundTrip(context, patterned(MAX, context.seed), 'exactly 25 MiB'),
  },
  {
    id: 'values.over-max.25-mib-plus-1',
    check: 'contract',
    title: 'a value of 25 MiB + 1 byte is rejected before the provider',
    ref: 'contract §2.2 value; §6.2 validation_rejects_large_values',
    async run({ kv, ns, key }) {
      const { handle, calls } = spiedHandle(kv);
      const value = new Uint8Array(MAX + 1);
      const message = 'value size 26214401 exceeds limit of 26214400 bytes';
      await expectValidation('put_bytes', () => handle.putBytes(key('v'), value), message);
      await expectValidation('put_bytes_with_ttl', () => handle.putBytesWithTtl(key('v'), value, 60), message);
      ok(calls.length === 0, `a rejected value still reached the provider (${calls.join(', ')})`);
      await expectNothingUnder(kv, ns, 'after a 25 MiB + 1 value');
    },
  },
  {
    id: 'values.over-max.typed-json',
    heavy: 'a 25 MiB string encoded as JSON, twice',
    check: 'contract',
    title: 'a typed value whose JSON encoding is 25 MiB + 1 byte is rejected (the JSON size counts)',
    ref: 'contract §2.2 "For typed put, the size checked is that of the JSON encoding"',
    async run({ kv, ns, key }) {
      const { handle, calls } = spiedHandle(kv);
      const value = 'a'.repeat(MAX - 1); // plus two quotes: MAX + 1 bytes of JSON
      const message = 'value size 26214401 exceeds limit of 26214400 bytes';
      await expectValidation('put', () => handle.put(key('v'), value), message);
      await expectValidation('put_with_ttl', () => handle.putWithTtl(key('v'), value, 60), message);
      ok(calls.length === 0, `a rejected value still reached the provider (${calls.join(', ')})`);
      await expectNothingUnder(kv, ns, 'after an oversize typed value');
    },
  },
  {
    id: 'values.overwrite.large-with-small',
    check: 'contract',
    title: 'a 1 MiB value overwritten with 3 bytes reads back as 3 bytes',
    ref: 'contract §5 overwrite',
    async run(context) {
      await roundTrip(context, patterned(1024 * 1024, context.seed), '1 MiB');
      await roundTrip(context, bytes('abc'), '3 bytes over 1 MiB');
    },
  },
  {
    id: 'values.property.round-trip',
    check: 'property',
    title: 'arbitrary byte values (0..64 KiB) round-trip',
    ref: 'contract §1.2',
    async run(context) {
      let run = 0;
      await checkProperty(
        context,
        fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1000, maxLength: 65_536 })), async (value) => {
          const k = context.key(`r${run++}`);
          await must('put_bytes', () => context.handle.putBytes(k, value));
          sameBytes(await context.handle.getBytes(k), value, 'get_bytes');
        }),
        { numRuns: Math.min(context.runs, 30) },
      );
    },
  },
  {
    id: 'values.native.max',
    heavy: 'values up to 64 MiB, up to 1 GiB moved',
    check: 'probe',
    title: 'the largest value the platform accepts (searched from 1 B to 64 MiB, at most 1 GiB moved), and whether it moves with the key',
    ref: 'platform-kv-behaviour §C0 value size; §D10',
    contract: { value: MAX },
    timeoutMs: 900_000,
    async run({ kv, key }) {
      // One buffer, viewed at each size: probes move megabytes, so none is built twice.
      const buffer = new Uint8Array(64 * 1024 * 1024);
      const search = (name: string, from: number, to: number, hint?: number) =>
        searchLimit({
          bound: 'max',
          unit: 'B',
          from,
          to,
          ...(hint ? { hint } : {}),
          bytesAt: (size) => size,
          budget: { bytes: 1024 * 1024 * 1024 },
          async accepts(size) {
            const result = await attempt(() => kv.put(key(name), buffer.subarray(0, size)));
            if (result.ok) await kv.delete(key(name));
            return result;
          },
        });
      const fact = await search('big', 1, buffer.byteLength, MAX);
      if (fact.value === null || fact.value <= LONGER_KEY) return fact;
      // A limit on the request, not the value, moves with the key: the same search with a longer key.
      const longer = 'big' + 'x'.repeat(LONGER_KEY);
      const moved = await attempt(() => kv.put(key(longer), buffer.subarray(0, fact.value!)));
      if (moved.ok) {
        await kv.delete(key(longer));
        return fact;
      }
      const other = await search(longer, fact.value - 2 * LONGER_KEY, fact.value);
      const at = Buffer.byteLength(key('big'));
      const total = other.value !== null && fact.value - other.value === LONGER_KEY ? { total: fact.value + at } : {};
      return { ...fact, movesWith: { input: 'key' as const, at, by: LONGER_KEY, value: other.value, ...total }, probes: fact.probes + other.probes + 1, moved: (fact.moved ?? 0) + (other.moved ?? 0) + fact.value };
    },
  },
]);

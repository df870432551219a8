/**
 * Validation: every invalid input is refused by the client with EdgeZero's exact
 * message, in EdgeZero's order of checks, before one call reaches the provider,
 * and the store is left as it was. (Key, TTL, value, limit and cursor edges have
 * their own cases in keys, ttl, values and pagination; these are the rest.)
 */
import { defineCases, type CaseContext, type CaseDefinition } from '../case.ts';
import { KvHandle, type ContractHandle } from '../../contract/handle.ts';
import { isKvError, KvError, type KvErrorKind } from '../../contract/errors.ts';
import { NativeError, type NativeErrorClass } from '../../api/index.ts';
import { equal, expectNothingUnder, fail, must, ok, show, spiedHandle } from '../expect.ts';
import { keyOfBytes } from '../edge-keys.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const MAX_VALUE = 25 * 1024 * 1024;

interface Invalid {
  id: string;
  title: string;
  ref: string;
  call(handle: ContractHandle, context: CaseContext): Promise<unknown>;
  /** The exact message, or a pattern where the text comes from JavaScript itself. */
  message: string | RegExp;
  kind?: KvErrorKind;
}

/** A case: the call is refused with `kind` and `message`, the provider sees no call, nothing is stored. */
function refused(spec: Invalid): CaseDefinition {
  return {
    id: `validation.${spec.id}`,
    check: 'contract',
    title: spec.title,
    ref: spec.ref,
    async run(context) {
      const kind = spec.kind ?? 'Validation';
      const { handle, calls } = spiedHandle(context.kv);
      let returned: unknown;
      try {
        returned = await spec.call(handle, context);
      } catch (error) {
        if (!isKvError(error, kind)) fail(`expected KvError ${kind}, got ${(error as Error)?.name}: ${(error as Error)?.message}`, error);
        const matches = typeof spec.message === 'string' ? error.detail === spec.message : spec.message.test(error.detail);
        ok(matches, `expected the message ${show(String(spec.message))}, got ${show(error.detail)}`, error);
        ok(calls.length === 0, `the refused call still reached the provider (${calls.join(', ')})`, calls);
        await expectNothingUnder(context.kv, context.ns, 'after a refused call');
        return;
      }
      fail(`expected KvError ${kind}, but the call succeeded`, returned);
    },
  };
}

const key = (context: CaseContext) => context.key('k');
const limitMessage = (limit: number) => `list limit ${limit} is not a whole number`;

export default defineCases('validation', [
  refused({
    id: 'order.key-before-ttl',
    title: 'an empty key with a 10 s TTL reports the key, checked first',
    ref: 'contract §1.2 put_bytes_with_ttl "key → TTL → value size"',
    call: (handle) => handle.putBytesWithTtl('', bytes('v'), 10),
    message: 'key cannot be empty',
  }),
  refused({
    id: 'order.key-before-value',
    title: 'a "." key with a 25 MiB + 1 value reports the key',
    ref: 'contract §1.2 put_bytes "key → value size"',
    call: (handle) => handle.putBytes('.', new Uint8Array(MAX_VALUE + 1)),
    message: "key cannot be exactly '.' or '..'",
  }),
  refused({
    id: 'order.ttl-before-value',
    title: 'a 10 s TTL with a 25 MiB + 1 value reports the TTL',
    ref: 'contract §1.2 put_bytes_with_ttl "key → TTL → value size"',
    call: (handle, context) => handle.putBytesWithTtl(key(context), new Uint8Array(MAX_VALUE + 1), 10),
    message: 'TTL 10s is less than minimum of at least 60 seconds',
  }),
  refused({
    id: 'order.ttl-before-serialization',
    title: 'a typed put_with_ttl of an unserializable value with a 10 s TTL reports the TTL',
    ref: 'contract §1.2 put_with_ttl "key → TTL → serialize → value size"',
    call: (handle, context) => handle.putWithTtl(key(context), 10n, 10),
    message: 'TTL 10s is less than minimum of at least 60 seconds',
  }),
  refused({
    id: 'order.length-before-control',
    title: 'a 513-byte key with a control character reports the length',
    ref: 'contract §2.2 key rules in order (empty, length, dots, control)',
    call: (handle, context) => handle.getBytes(keyOfBytes(context.key('\n'), 513)),
    message: 'key length 513 exceeds limit of 512 bytes',
  }),
  refused({
    id: 'order.prefix-before-limit',
    title: 'a 513-byte prefix with limit 0 reports the prefix',
    ref: 'contract §1.2 list_keys_page "prefix → limit → cursor decode"',
    call: (handle, context) => handle.listKeysPage(keyOfBytes(context.ns, 513), null, 0),
    message: 'prefix length 513 exceeds limit of 512 bytes',
  }),
  refused({
    id: 'order.limit-before-cursor',
    title: 'limit 0 with a malformed cursor reports the limit',
    ref: 'contract §1.2 list_keys_page "prefix → limit → cursor decode"',
    call: (handle, context) => handle.listKeysPage(context.ns, 'garbage', 0),
    message: 'list limit must be greater than zero',
  }),
  refused({
    id: 'ttl.negative',
    title: 'a TTL of −60 s is refused',
    ref: 'contract §2.2 TTL minimum (a negative Duration cannot exist in Rust; the port refuses it the same way)',
    call: (handle, context) => handle.putBytesWithTtl(key(context), bytes('v'), -60),
    message: 'TTL -60s is less than minimum of at least 60 seconds',
  }),
  refused({
    id: 'ttl.nan',
    title: 'a TTL of NaN is refused',
    ref: 'contract §2.2 TTL',
    call: (handle, context) => handle.putBytesWithTtl(key(context), bytes('v'), Number.NaN),
    message: /^TTL NaN /,
  }),
  refused({
    id: 'ttl.infinity',
    title: 'a TTL of Infinity is refused',
    ref: 'contract §2.2 TTL',
    call: (handle, context) => handle.putWithTtl(key(context), 1, Number.POSITIVE_INFINITY),
    message: /^TTL Infinity /,
  }),
  refused({
    id: 'ttl.hundred-years',
    title: 'a TTL of 100 years is refused',
    ref: 'contract §2.2 TTL maximum',
    call: (handle, context) => handle.putBytesWithTtl(key(context), bytes('v'), 100 * 365 * 24 * 3600),
    message: 'TTL 3153600000s exceeds maximum of 1 year',
  }),
  refused({
    id: 'limit.negative',
    title: 'a page size of −1 is refused',
    ref: 'contract §2.2 list limit (usize in Rust)',
    call: (handle, context) => handle.listKeysPage(context.ns, null, -1),
    message: limitMessage(-1),
  }),
  refused({
    id: 'limit.fractional',
    title: 'a page size of 1.5 is refused',
    ref: 'contract §2.2 list limit (usize in Rust)',
    call: (handle, context) => handle.listKeysPage(context.ns, null, 1.5),
    message: limitMessage(1.5),
  }),
  refused({
    id: 'limit.nan',
    title: 'a page size of NaN is refused',
    ref: 'contract §2.2 list limit',
    call: (handle, context) => handle.listKeysPage(context.ns, null, Number.NaN),
    message: limitMessage(Number.NaN),
  }),
  refused({
    id: 'limit.2-pow-32',
    title: 'a page size of 2^32 is refused as over the maximum',
    ref: 'contract §2.2 list limit; §2.2 "list limit exceeds u32" cannot happen after validation',
    call: (handle, context) => handle.listKeysPage(context.ns, null, 2 ** 32),
    message: 'list limit 4294967296 exceeds maximum of 1000',
  }),
  refused({
    id: 'prefix.too-long',
    title: 'a 513-byte prefix is refused',
    ref: 'contract §2.2 prefix; §6.2 validation_rejects_long_prefix',
    call: (handle, context) => handle.listKeysPage(keyOfBytes(context.ns, 513), null, 10),
    message: 'prefix length 513 exceeds limit of 512 bytes',
  }),
  refused({
    id: 'prefix.too-long.4-byte-chars',
    title: 'a prefix of 513 bytes of 4-byte characters is refused (bytes, not characters)',
    ref: 'contract §2.2 prefix',
    call: (handle, context) => handle.listKeysPage(keyOfBytes(context.ns, 513, 4), null, 10),
    message: 'prefix length 513 exceeds limit of 512 bytes',
  }),
  ...['\n', '\u0000', '\u007f', '\u009f'].map((char) =>
    refused({
      id: `prefix.control.u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
      title: `a prefix containing U+${char.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()} is refused`,
      ref: 'contract §2.2 prefix; §6.2 validation_rejects_control_chars_in_prefix',
      call: (handle, context) => handle.listKeysPage(context.key(`bad${char}prefix`), null, 10),
      message: 'prefix contains invalid control characters',
    }),
  ),
  refused({
    id: 'serialization.bigint',
    title: 'a typed put of a BigInt is a Serialization error, and nothing is written',
    ref: 'contract §1.2 put "serde_json::to_vec"; §2.3 Serialization',
    call: (handle, context) => handle.put(key(context), { n: 1n }),
    message: /BigInt/,
    kind: 'Serialization',
  }),
  refused({
    id: 'serialization.undefined',
    title: 'a typed put of undefined is a Serialization error, and nothing is written',
    ref: 'contract §2.3 Serialization',
    call: (handle, context) => handle.put(key(context), undefined),
    message: 'undefined is not serializable to JSON',
    kind: 'Serialization',
  }),
  refused({
    id: 'serialization.symbol',
    title: 'a typed put of a symbol is a Serialization error, and nothing is written',
    ref: 'contract §2.3 Serialization (JSON has no symbol); keyv "value can not be symbol"',
    call: (handle, context) => handle.put(key(context), Symbol('value')),
    message: 'symbol is not serializable to JSON',
    kind: 'Serialization',
  }),
  refused({
    id: 'serialization.cycle',
    title: 'a typed put of a cyclic object is a Serialization error, and nothing is written',
    ref: 'contract §2.3 Serialization',
    call: (handle, context) => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      return handle.put(key(context), cyclic);
    },
    message: /circular/i,
    kind: 'Serialization',
  }),
  {
    id: 'validation.prefix.max-accepted',
    check: 'contract',
    title: 'a prefix of exactly 512 bytes is accepted',
    ref: 'contract §2.2 prefix',
    async run(context) {
      equal(await must('list_keys_page', () => context.handle.listKeysPage(keyOfBytes(context.ns, 512, 3), null, 10)), { keys: [], cursor: null }, 'page for a 512-byte prefix');
    },
  },
  {
    id: 'validation.prefix.dots-accepted',
    check: 'contract',
    title: 'prefixes "." and ".." are accepted (the dot rule is for keys only)',
    ref: 'contract §2.2 prefix "There is no ./.. check on prefixes"',
    async run({ handle }) {
      for (const prefix of ['.', '..']) await must(`list_keys_page(${JSON.stringify(prefix)})`, () => handle.listKeysPage(prefix, null, 1));
    },
  },
  {
    id: 'validation.prefix.empty-accepted',
    check: 'contract',
    title: 'the empty prefix is accepted',
    ref: 'contract §2.2 prefix "An empty prefix is allowed and means all keys"',
    async run({ handle }) {
      // Accepted, not refused. Which keys it lists is pagination.prefix.empty's rule: a walk of the whole store
      // meets other cases' keys, expired runs included, so a paging or expiry fault would fail here too.
      await must("list_keys_page('')", () => handle.listKeysPage('', null, 1));
    },
  },
  {
    id: 'validation.refused-write-keeps-old-value',
    check: 'contract',
    title: 'refused writes over a stored key leave its value and its lack of expiry alone',
    ref: 'contract §1.1 "Pre-validation contract"',
    async run({ handle, key, clock }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('original')));
      const attempts: Array<() => Promise<unknown>> = [
        () => handle.putBytes(key('k'), new Uint8Array(MAX_VALUE + 1)),
        () => handle.putBytesWithTtl(key('k'), bytes('short-lived'), 59),
        () => handle.putWithTtl(key('k'), 'too long', 365 * 24 * 3600 + 1),
      ];
      for (const attempt of attempts) {
        const error = await attempt().then(
          () => null,
          (e: unknown) => e,
        );
        ok(isKvError(error, 'Validation'), 'an invalid write over a stored key was not refused', error);
      }
      if (clock) await clock.advance(120);
      equal(await handle.getBytes(key('k')), bytes('original'), 'the stored value after refused writes');
    },
  },
  {
    id: 'validation.http-mapping',
    check: 'contract',
    title: 'a Validation error maps to HTTP 400, kind bad_request, with "kv validation error: <message>"',
    ref: 'contract §2.3 KvError → EdgeError (bad_request, deliberately not 422); error body kind since upstream e483723 (docs/upstream-changes.md)',
    async run({ handle }) {
      const error = await handle.getBytes('').then(
        () => null,
        (e: unknown) => e,
      );
      ok(isKvError(error, 'Validation'), 'the empty key was not refused', error);
      equal(error.httpStatus, 400, 'HTTP status');
      equal(error.toResponseBody(), { error: { kind: 'bad_request', message: 'kv validation error: key cannot be empty', status: 400 } }, 'response body');
      equal(error.message, 'validation error: key cannot be empty', 'Display text');
    },
  },
  {
    id: 'validation.http-mapping.every-kind',
    check: 'contract',
    title: 'every KvError kind maps to its HTTP status and body, its text included: NotFound 404, Unavailable 503, Serialization 500, Internal 500, LimitExceeded 503, Unsupported 501',
    ref: 'contract §2.3 KvError → EdgeError; upstream e483723 (LimitExceeded, Unsupported); EdgeZero kv_error_*_converts_to_* tests',
    async run({ key }) {
      // A platform refusal of each class, through the client as a provider's would come: the kind it becomes, and what a handler answers.
      const refusing = (errorClass: NativeErrorClass) => {
        const refuse = async (): Promise<never> => {
          throw new NativeError(`refused (${errorClass})`, errorClass);
        };
        return new KvHandle({ get: refuse, put: refuse, delete: refuse, list: refuse });
      };
      const expected: Array<[NativeErrorClass, KvErrorKind, number, string, string]> = [
        ['unavailable', 'Unavailable', 503, 'service_unavailable', 'kv store unavailable'],
        ['internal', 'Internal', 500, 'internal', 'internal error: refused (internal)'],
        ['limit-exceeded', 'LimitExceeded', 503, 'service_unavailable', 'kv backend limit exceeded: refused (limit-exceeded)'],
        ['unsupported', 'Unsupported', 501, 'not_implemented', 'kv operation not supported by backend: refused (unsupported)'],
      ];
      for (const [errorClass, kind, status, bodyKind, message] of expected) {
        const error = await refusing(errorClass).getBytes(key('k')).then(() => null, (e: unknown) => e);
        ok(isKvError(error, kind), `a native ${errorClass} refusal became ${(error as Error)?.message ?? 'no error'}, not KvError ${kind}`, error);
        equal(error.toResponseBody(), { error: { kind: bodyKind, message, status } }, `the response to KvError ${kind}`);
      }
      const serialization = await new KvHandle({ get: async () => ({ value: bytes('not json {'), metadata: null }), put: async () => {}, delete: async () => {}, list: async () => ({ keys: [], cursor: null, complete: true }) })
        .get(key('k'))
        .then(() => null, (e: unknown) => e);
      ok(isKvError(serialization, 'Serialization'), 'a typed get of non-JSON bytes is not KvError Serialization', serialization);
      // Status, kind and text: EdgeZero's kv_error_serialization_converts_to_internal looks for "serialization" in the message.
      equal(serialization.toResponseBody(), { error: { kind: 'internal', message: `internal error: kv serialization error: ${serialization.detail}`, status: 500 } }, 'the response to KvError Serialization');
      // No store produces NotFound (delete of a missing key is Ok); its mapping still holds.
      const notFound = new KvError('NotFound', key('k'));
      equal(notFound.toResponseBody(), { error: { kind: 'not_found', message: `no route matched path: kv key: ${key('k')}`, status: 404 } }, 'the response to KvError NotFound');
    },
  },
]);

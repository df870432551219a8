import { add, multiply } from '../../contract/handle.ts';
import { defineCases } from '../case.ts';
import { equal, must, ok, rejects } from '../expect.ts';
import { outcome } from '../observe.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

export default defineCases('crud', [
  {
    id: 'crud.round-trip',
    check: 'contract',
    title: 'put_bytes then get_bytes returns the same bytes',
    ref: 'contract §6.1 contract_put_and_get',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('v')));
      equal(await handle.getBytes(key('k')), bytes('v'), 'get_bytes after put_bytes');
    },
  },
  {
    id: 'crud.missing-is-null',
    check: 'contract',
    title: 'get_bytes of a key never written is null',
    ref: 'contract §6.1 contract_get_missing_returns_none',
    async run({ handle, key }) {
      equal(await handle.getBytes(key('missing')), null, 'get_bytes of a missing key');
    },
  },
  {
    id: 'crud.typed.round-trip',
    check: 'contract',
    title: 'put then get of a JSON value returns an equal value',
    ref: 'contract §6.2 typed_get_put_roundtrip',
    async run({ handle, key }) {
      const value = { count: 3, name: 'n', tags: ['a', 'b'], nested: { ok: true, none: null } };
      await must('put', () => handle.put(key('typed'), value));
      equal(await handle.get(key('typed')), value, 'get after put');
      equal(await handle.getBytes(key('typed')), bytes(JSON.stringify(value)), 'the stored bytes are the JSON encoding');
    },
  },
  {
    id: 'crud.typed.numbers-exact',
    check: 'contract',
    title: 'typed numbers come back exactly: doubles whose shortest form has 16 or 17 digits and a large exponent, the largest exact integer, the smallest subnormal',
    ref: 'contract §1.2 typed values are JSON, whose numbers are IEEE doubles (RFC 8259 §6); unicode.property.typed-json found 5.011117802270461e+125 read back one unit in the last place off',
    async run({ handle, key }) {
      const value = [5.011117802270461e125, 1.7976931348623157e308, 2.2250738585072014e-308, 9007199254740991, 5e-324, 0.1];
      await must('put', () => handle.put(key('numbers'), value));
      equal(await handle.get(key('numbers')), value, 'get after put');
    },
  },
  {
    id: 'crud.typed.missing-is-null',
    check: 'contract',
    title: 'typed get of a missing key is null',
    ref: 'contract §6.2 typed_get_missing_returns_none',
    async run({ handle, key }) {
      equal(await handle.get(key('missing')), null, 'get of a missing key');
    },
  },
  {
    id: 'crud.typed.get-or-default',
    check: 'contract',
    title: 'get_or of a missing key returns the default',
    ref: 'contract §6.2 typed_get_or_returns_default',
    async run({ handle, key }) {
      equal(await handle.getOr(key('missing'), { n: 7 }), { n: 7 }, 'get_or of a missing key');
    },
  },
  {
    id: 'crud.typed.get-or-existing',
    check: 'contract',
    title: 'get_or of a present key returns the stored value',
    ref: 'contract §6.2 typed_get_or_returns_existing',
    async run({ handle, key }) {
      await must('put', () => handle.put(key('k'), 42));
      equal(await handle.getOr(key('k'), 0), 42, 'get_or of a present key');
    },
  },
  {
    id: 'crud.typed.falsy',
    check: 'contract',
    title: 'typed 0, false, "", [] and {} come back from get and get_or as themselves, never as missing',
    ref: 'contract §1.2 get_or "missing → default"; unstorage testDriver "getItem - return falsy values", keyv "value can be false"',
    async run({ handle, key }) {
      for (const [name, value] of [['zero', 0], ['false', false], ['empty-string', ''], ['empty-array', []], ['empty-object', {}]] as Array<[string, unknown]>) {
        await must(`put(${name})`, () => handle.put(key(name), value));
        equal(await handle.get(key(name)), value, `get of ${JSON.stringify(value)}`);
        equal(await handle.getOr<unknown>(key(name), 'default'), value, `get_or of ${JSON.stringify(value)}`);
        equal(await handle.exists(key(name)), true, `exists of ${JSON.stringify(value)}`);
      }
    },
  },
  {
    id: 'crud.typed.null',
    check: 'contract',
    title: 'a typed null is stored as JSON null: its bytes are "null", get gives null and the key exists',
    ref: 'contract §1.2 put "serde_json::to_vec" (None is null); keyv "value can be null"',
    async run({ handle, key }) {
      await must('put(null)', () => handle.put(key('null'), null));
      // A stored null is a value, not a missing key: exists tells them apart where get cannot.
      equal(await handle.getBytes(key('null')), bytes('null'), 'the bytes stored for null');
      equal(await handle.get(key('null')), null, 'get of a stored null');
      equal(await handle.exists(key('null')), true, 'exists of a stored null');
    },
  },
  {
    id: 'crud.typed.to-json',
    check: 'contract',
    title: 'a typed value is stored as what it serializes to: one whose toJSON gives "SERIALIZED" reads back as "SERIALIZED", one giving an object as that object',
    ref: 'contract §1.2 put "serde_json::to_vec" (a type\'s own Serialize decides its JSON: toJSON in JavaScript); unstorage testDriver "serialize (lossy object with toJSON())"',
    async run({ handle, key }) {
      class Lossy {
        toJSON() {
          return 'SERIALIZED';
        }
      }
      class Shaped {
        kept = 'not in the JSON';
        toJSON() {
          return { serializedObj: 'works' };
        }
      }
      await must('put', () => handle.put(key('lossy'), new Lossy()));
      equal(await handle.get(key('lossy')), 'SERIALIZED', 'get of a value whose toJSON gives a string');
      await must('put', () => handle.put(key('shaped'), new Shaped()));
      equal(await handle.get(key('shaped')), { serializedObj: 'works' }, 'get of a value whose toJSON gives an object');
    },
  },
  {
    id: 'crud.typed.bad-json',
    check: 'contract',
    title: 'typed get of bytes that are not JSON is a Serialization error',
    ref: 'contract §6.2 typed_get_bad_json_returns_serialization_error',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('raw'), bytes('not json {')));
      await rejects(() => handle.get(key('raw')), 'Serialization');
    },
  },
  {
    id: 'crud.overwrite.last-write-wins',
    check: 'contract',
    title: 'a second put replaces the first',
    ref: 'contract §5 overwrite; §6.1 contract_put_overwrites',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('first')));
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('second')));
      equal(await handle.getBytes(key('k')), bytes('second'), 'get_bytes after two puts');
    },
  },
  {
    id: 'crud.overwrite.shorter-value',
    check: 'contract',
    title: 'overwriting with a shorter value leaves no trailing bytes',
    ref: 'contract §5 overwrite',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('a much longer first value')));
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('x')));
      equal(await handle.getBytes(key('k')), bytes('x'), 'get_bytes after a shorter overwrite');
    },
  },
  {
    id: 'crud.overwrite.type-change',
    check: 'contract',
    title: 'a typed put may change the JSON type stored under a key',
    ref: 'contract §5 type overwrite; §6.2 put_overwrite_changes_type',
    async run({ handle, key }) {
      await must('put', () => handle.put(key('flex'), 42));
      await must('put', () => handle.put(key('flex'), 'now a string'));
      equal(await handle.getOr(key('flex'), ''), 'now a string', 'get_or after the type changed');
      await must('put', () => handle.put(key('flex'), [1, { a: null }]));
      equal(await handle.get(key('flex')), [1, { a: null }], 'get after a change to an array');
    },
  },
  {
    id: 'crud.overwrite.replaces-metadata',
    check: 'probe',
    title: 'a put without metadata over a key with metadata leaves none',
    ref: 'platform-kv-behaviour §C1 "overwrite replaces value and metadata/expiration"',
    requires: ['metadata'],
    contract: { metadataAfterOverwrite: null },
    async run({ kv, key }) {
      await kv.put(key('k'), bytes('one'), { metadata: { tag: 'first' } });
      await kv.put(key('k'), bytes('two'));
      const entry = await kv.get(key('k'));
      return { value: entry && new TextDecoder().decode(entry.value), metadataAfterOverwrite: entry?.metadata ?? null };
    },
  },
  {
    id: 'crud.exists',
    check: 'contract',
    title: 'exists is false, then true after put, then false after delete',
    ref: 'contract §6.1 contract_exists',
    async run({ handle, key }) {
      equal(await handle.exists(key('k')), false, 'exists before put');
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('v')));
      equal(await handle.exists(key('k')), true, 'exists after put');
      await must('delete', () => handle.delete(key('k')));
      equal(await handle.exists(key('k')), false, 'exists after delete');
    },
  },
  {
    id: 'crud.exists.empty-value',
    check: 'contract',
    title: 'a key holding zero bytes exists',
    ref: 'contract §2.2 "Size 0 is allowed"',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('empty'), new Uint8Array(0)));
      equal(await handle.exists(key('empty')), true, 'exists of a key with an empty value');
    },
  },
  {
    id: 'crud.delete',
    check: 'contract',
    title: 'delete removes the key',
    ref: 'contract §6.1 contract_delete_removes_key',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('v')));
      await must('delete', () => handle.delete(key('k')));
      equal(await handle.getBytes(key('k')), null, 'get_bytes after delete');
    },
  },
  {
    id: 'crud.delete.only-that-key',
    check: 'contract',
    title: 'delete leaves its neighbours alone',
    ref: 'contract §5',
    async run({ handle, key }) {
      for (const k of ['a', 'ab', 'a/b', 'b']) await must('put_bytes', () => handle.putBytes(key(k), bytes(k)));
      await must('delete', () => handle.delete(key('a')));
      for (const k of ['ab', 'a/b', 'b']) equal(await handle.getBytes(key(k)), bytes(k), `get_bytes(${k}) after delete of its neighbour`);
    },
  },
  {
    id: 'crud.delete-missing',
    check: 'contract',
    title: 'delete of a key that does not exist succeeds',
    ref: 'contract §5 delete a missing key; §6.1 contract_delete_nonexistent_ok',
    async run({ handle, key }) {
      await must('delete of a missing key', () => handle.delete(key('never-written')));
    },
  },
  {
    id: 'crud.delete.twice',
    check: 'contract',
    title: 'deleting the same key twice succeeds both times',
    ref: 'contract §5 "idempotent"; platform-kv-behaviour §D8',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('v')));
      await must('first delete', () => handle.delete(key('k')));
      await must('second delete', () => handle.delete(key('k')));
    },
  },
  {
    id: 'crud.put-after-delete',
    check: 'contract',
    title: 'a key deleted and written again holds the new value',
    ref: 'contract §5',
    async run({ handle, key }) {
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('old')));
      await must('delete', () => handle.delete(key('k')));
      await must('put_bytes', () => handle.putBytes(key('k'), bytes('new')));
      equal(await handle.getBytes(key('k')), bytes('new'), 'get_bytes after delete and put');
    },
  },
  {
    id: 'crud.native-delete-missing',
    check: 'probe',
    title: 'what the platform itself does on delete of a missing key',
    ref: 'platform-kv-behaviour §C0 "Delete missing key"; §D8',
    contract: { ok: true },
    async run({ kv, key }) {
      const result = await outcome(() => kv.delete(key('never-written')));
      return result.ok ? { ok: true } : result;
    },
  },
  {
    id: 'crud.rmw.increments',
    check: 'contract',
    title: 'read_modify_write returns and stores the new value',
    ref: 'contract §6.2 update_increments_counter',
    async run({ handle, key }) {
      await must('put', () => handle.put(key('counter'), 0));
      equal(await must('rmw', () => handle.readModifyWrite(key('counter'), 0, add(1))), 1, 'first read_modify_write');
      equal(await must('rmw', () => handle.readModifyWrite(key('counter'), 0, add(1))), 2, 'second read_modify_write');
      equal(await handle.get(key('counter')), 2, 'stored counter');
    },
  },
  {
    id: 'crud.rmw.default',
    check: 'contract',
    title: 'read_modify_write starts from the default when the key is missing',
    ref: 'contract §6.2 update_uses_default_when_missing',
    async run({ handle, key }) {
      equal(await must('rmw', () => handle.readModifyWrite(key('missing'), 10, multiply(2))), 20, 'read_modify_write from the default');
      equal(await handle.get(key('missing')), 20, 'stored value');
    },
  },
  {
    id: 'crud.binary-safe-key-value',
    check: 'contract',
    title: 'values are returned byte for byte, never decoded as text',
    ref: 'contract §1.2 "Raw bytes are stored verbatim"',
    async run({ handle, key }) {
      const value = new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28, 0xed, 0xa0, 0x80]); // invalid UTF-8 on purpose
      await must('put_bytes', () => handle.putBytes(key('bin'), value));
      const got = await handle.getBytes(key('bin'));
      ok(got !== null, 'get_bytes returned null for a stored binary value');
      equal(got, value, 'get_bytes of invalid UTF-8 bytes');
    },
  },
]);

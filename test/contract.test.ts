// The contract client's validation, rule by rule: each with EdgeZero's message, at and beyond each bound,
// and always before the provider is called.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { test as prop, fc } from '@fast-check/vitest';
import { KvHandle } from '../contract/handle.ts';
import { KV_ERROR_KINDS, KvError } from '../contract/errors.ts';
import { CONTRACT_LIMITS as L } from '../contract/limits.ts';
import { encodeCursor } from '../contract/cursor.ts';
import { formatDuration } from '../contract/rules.ts';
import { KvModel } from '../contract/model.ts';
import type { KvInstance, ListPage } from '../api/index.ts';
import { walk } from '../suites/expect.ts';
import { classifyNativeMessage } from '../api/index.ts';
import { CONTRACT_COMMIT } from '../contract/upstream.js';

/** A store that records every call, so a test can prove validation happened before the provider. */
function recordingStore() {
  const model = new KvModel();
  const calls: string[] = [];
  const store: Pick<KvInstance, 'get' | 'put' | 'delete' | 'list'> = {
    get: async (key) => (calls.push(`get ${key}`), model.get(key)),
    put: async (key, value, options) => (calls.push(`put ${key}`), model.put(key, value, options)),
    delete: async (key) => (calls.push(`delete ${key}`), model.delete(key)),
    list: async (options) => (calls.push(`list ${options.prefix ?? ''}`), model.list(options)),
  };
  return { handle: new KvHandle(store), calls, model };
}

async function validation(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => expect.fail('expected a Validation error'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KvError);
  expect((error as KvError).kind).toBe('Validation');
  expect((error as KvError).httpStatus).toBe(400);
  return (error as KvError).detail;
}

const bytes = (n: number) => new Uint8Array(n);
const ascii = (n: number) => 'k'.repeat(n);

describe('key rules', () => {
  it.each([
    ['', 'key cannot be empty'],
    [ascii(513), 'key length 513 exceeds limit of 512 bytes'],
    ['é'.repeat(257), 'key length 514 exceeds limit of 512 bytes'],
    ['.', "key cannot be exactly '.' or '..'"],
    ['..', "key cannot be exactly '.' or '..'"],
    ['key\nwith\nnewline', 'key contains invalid control characters'],
    ['\u0000', 'key contains invalid control characters'],
    ['a\u001f', 'key contains invalid control characters'],
    ['a\u007f', 'key contains invalid control characters'],
    ['a\u009f', 'key contains invalid control characters'],
    ['a\ud800', 'key contains a lone surrogate (not valid UTF-8)'],
  ])('rejects %j with its message, before the provider', async (key, message) => {
    const { handle, calls } = recordingStore();
    for (const call of [handle.getBytes(key), handle.putBytes(key, bytes(1)), handle.delete(key), handle.exists(key), handle.get(key), handle.put(key, 1)]) {
      expect(await validation(call)).toBe(message);
    }
    expect(calls).toEqual([]);
  });

  it.each([ascii(512), '𝄞'.repeat(128), 'é'.repeat(256), '...', './a', 'a/..', 'a\u00a0', '#;?^|', '日本語キー', '\u00a0'])('accepts %j', async (key) => {
    const { handle } = recordingStore();
    await handle.putBytes(key, bytes(1));
    expect(await handle.exists(key)).toBe(true);
  });

  it('counts UTF-8 bytes, not UTF-16 units: 128 four-byte chars are 512 bytes, 129 are 516', async () => {
    const { handle } = recordingStore();
    await handle.putBytes('😀'.repeat(128), bytes(0));
    expect(await validation(handle.putBytes('😀'.repeat(129), bytes(0)))).toBe('key length 516 exceeds limit of 512 bytes');
  });
});

describe('value rule', () => {
  it('accepts exactly 25 MiB and rejects 25 MiB + 1 with the message, before the provider', async () => {
    const { handle, calls } = recordingStore();
    await handle.putBytes('k', bytes(L.maxValueBytes));
    expect(await validation(handle.putBytes('k2', bytes(L.maxValueBytes + 1)))).toBe('value size 26214401 exceeds limit of 26214400 bytes');
    expect(await validation(handle.putBytesWithTtl('k2', bytes(L.maxValueBytes + 1), 60))).toBe('value size 26214401 exceeds limit of 26214400 bytes');
    expect(calls).toEqual(['put k']);
  });

  it('checks the JSON encoding for typed puts', async () => {
    const { handle } = recordingStore();
    expect(await validation(handle.put('k', 'x'.repeat(L.maxValueBytes - 1)))).toBe('value size 26214401 exceeds limit of 26214400 bytes');
  });
});

describe('TTL rule', () => {
  it.each([
    [59, 'TTL 59s is less than minimum of at least 60 seconds'],
    [10, 'TTL 10s is less than minimum of at least 60 seconds'],
    [0.5, 'TTL 500ms is less than minimum of at least 60 seconds'],
    [0, 'TTL 0ns is less than minimum of at least 60 seconds'],
    [L.maxTtlSeconds + 1, 'TTL 31536001s exceeds maximum of 1 year'],
  ])('rejects %s s with its message, before the provider', async (ttl, message) => {
    const { handle, calls } = recordingStore();
    expect(await validation(handle.putBytesWithTtl('k', bytes(1), ttl))).toBe(message);
    expect(await validation(handle.putWithTtl('k', 1, ttl))).toBe(message);
    expect(calls).toEqual([]);
  });

  it('accepts exactly 60 s and exactly one year', async () => {
    const { handle } = recordingStore();
    await handle.putBytesWithTtl('a', bytes(1), 60);
    await handle.putBytesWithTtl('b', bytes(1), L.maxTtlSeconds);
  });

  it('validates the key before the TTL, and the TTL before the value', async () => {
    const { handle } = recordingStore();
    expect(await validation(handle.putBytesWithTtl('', bytes(L.maxValueBytes + 1), 1))).toBe('key cannot be empty');
    expect(await validation(handle.putBytesWithTtl('k', bytes(L.maxValueBytes + 1), 1))).toMatch(/^TTL/);
  });

  it('formats durations like Rust Debug', () => {
    expect(formatDuration(1.5)).toBe('1.5s');
    expect(formatDuration(0.001)).toBe('1ms');
  });
});

describe('list rules', () => {
  it.each([
    [ascii(513), 10, 'prefix length 513 exceeds limit of 512 bytes'],
    ['bad\nprefix', 10, 'prefix contains invalid control characters'],
    ['p', 0, 'list limit must be greater than zero'],
    ['p', 1001, 'list limit 1001 exceeds maximum of 1000'],
    ['p', 1.5, 'list limit 1.5 is not a whole number'],
  ])('rejects prefix %j limit %s with its message', async (prefix, limit, message) => {
    const { handle, calls } = recordingStore();
    expect(await validation(handle.listKeysPage(prefix, null, limit))).toBe(message);
    expect(calls).toEqual([]);
  });

  it('accepts limit 1 and 1000, a 512-byte prefix, and an empty prefix', async () => {
    const { handle } = recordingStore();
    await handle.listKeysPage('', null, 1);
    await handle.listKeysPage(ascii(512), null, 1000);
  });

  it.each([
    ['not-json', 'list cursor is invalid or corrupted'],
    ['[]', 'list cursor is invalid or corrupted'],
    ['{"prefix":"app/"}', 'list cursor is invalid or corrupted'],
    [encodeCursor('other/', 'x'), 'list cursor does not match the requested prefix'],
    [encodeCursor('app/', ''), 'list cursor payload cannot be empty'],
  ])('rejects cursor %j with its message', async (cursor, message) => {
    const { handle, calls } = recordingStore();
    expect(await validation(handle.listKeysPage('app/', cursor, 10))).toBe(message);
    expect(calls).toEqual([]);
  });

  it('wraps the backend cursor in a prefix-bound envelope and ends with a null cursor', async () => {
    const { handle } = recordingStore();
    for (const k of ['app/a', 'app/b', 'app/c', 'other/d']) await handle.putBytes(k, bytes(1));
    const first = await handle.listKeysPage('app/', null, 2);
    expect(first.keys).toEqual(['app/a', 'app/b']);
    expect(first.cursor).not.toBe('app/b');
    expect(JSON.parse(first.cursor!)).toMatchObject({ prefix: 'app/' });
    const second = await handle.listKeysPage('app/', first.cursor, 2);
    expect(second).toEqual({ keys: ['app/c'], cursor: null });
    expect(await validation(handle.listKeysPage('other/', first.cursor, 2))).toBe('list cursor does not match the requested prefix');
  });

  it('writes the envelope as {"cursor","prefix"} (upstream 7ec2ad1) and reads either field order', async () => {
    expect(encodeCursor('app/', 'm1.x')).toBe('{"cursor":"m1.x","prefix":"app/"}');
    const { handle } = recordingStore();
    for (const k of ['app/a', 'app/b', 'app/c']) await handle.putBytes(k, bytes(1));
    const first = await handle.listKeysPage('app/', null, 1);
    expect(Object.keys(JSON.parse(first.cursor!))).toEqual(['cursor', 'prefix']);
    const { cursor: backend } = JSON.parse(first.cursor!);
    const pr165Order = JSON.stringify({ prefix: 'app/', cursor: backend });
    expect((await handle.listKeysPage('app/', pr165Order, 1)).keys).toEqual(['app/b']);
  });

  it('an empty page with a cursor is not the end: the client and walk() go on until the cursor is null', async () => {
    // Upstream's KvPage (7ec2ad1): "A page with keys: vec![] and cursor: Some(_) is a valid intermediate result";
    // axum's store answers one when its scan cap is hit while skipping expired keys.
    const pages: Record<string, ListPage> = {
      start: { keys: ['p/a'], cursor: 'c1', complete: false },
      c1: { keys: [], cursor: 'c2', complete: false },
      c2: { keys: [], cursor: 'c3', complete: false },
      c3: { keys: ['p/b'], cursor: null, complete: true },
    };
    const handle = new KvHandle({
      get: async () => null,
      put: async () => {},
      delete: async () => {},
      list: async (options) => pages[options.cursor ?? 'start'],
    });
    const first = await handle.listKeysPage('p/', null, 5);
    const empty = await handle.listKeysPage('p/', first.cursor, 5);
    expect(empty.keys).toEqual([]);
    expect(empty.cursor).not.toBeNull();
    expect(await walk(handle, 'p/', 5)).toEqual({ keys: ['p/a', 'p/b'], pageSizes: [1, 0, 0, 1], trailingEmptyPage: false });
  });

  it('accepts unknown extra fields in the envelope', async () => {
    const { handle } = recordingStore();
    await handle.putBytes('app/a', bytes(1));
    const cursor = JSON.stringify({ prefix: 'app/', cursor: 'm1.' + Buffer.from('app/').toString('base64url'), extra: 1 });
    expect((await handle.listKeysPage('app/', cursor, 2)).keys).toEqual(['app/a']);
  });
});

describe('typed values, errors and read_modify_write', () => {
  it('maps each error kind to its HTTP status, error-body kind and message', () => {
    expect(new KvError('Validation', 'x').toResponseBody()).toEqual({ error: { kind: 'bad_request', status: 400, message: 'kv validation error: x' } });
    expect(new KvError('NotFound', 'k').toResponseBody()).toEqual({ error: { kind: 'not_found', status: 404, message: 'no route matched path: kv key: k' } });
    expect(new KvError('Unavailable', '').toResponseBody()).toEqual({ error: { kind: 'service_unavailable', status: 503, message: 'kv store unavailable' } });
    expect(new KvError('Serialization', 'eof').toResponseBody()).toEqual({ error: { kind: 'internal', status: 500, message: 'internal error: kv serialization error: eof' } });
    expect(new KvError('Internal', 'boom').toResponseBody()).toEqual({ error: { kind: 'internal', status: 500, message: 'internal error: boom' } });
    expect(new KvError('Validation', 'x').message).toBe('validation error: x');
  });

  it('has the two variants upstream added in e483723, with their Display text, status and kind', () => {
    const limit = new KvError('LimitExceeded', '4 keys match prefix "", exceeding max_list_keys=2');
    expect(limit.message).toBe('kv backend limit exceeded: 4 keys match prefix "", exceeding max_list_keys=2');
    expect(limit.toResponseBody()).toEqual({ error: { kind: 'service_unavailable', status: 503, message: 'kv backend limit exceeded: 4 keys match prefix "", exceeding max_list_keys=2' } });
    const unsupported = new KvError('Unsupported', 'put_bytes_with_ttl');
    expect(unsupported.message).toBe('kv operation not supported by backend: put_bytes_with_ttl');
    expect(unsupported.toResponseBody()).toEqual({ error: { kind: 'not_implemented', status: 501, message: 'kv operation not supported by backend: put_bytes_with_ttl' } });
    expect(KV_ERROR_KINDS).toEqual(['Validation', 'NotFound', 'Unavailable', 'Serialization', 'Internal', 'LimitExceeded', 'Unsupported']);
  });

  it('writes error bodies with sorted keys, as serde_json does: kind, message, status', () => {
    expect(JSON.stringify(new KvError('Unsupported', 'put_bytes_with_ttl').toResponseBody())).toBe(
      '{"error":{"kind":"not_implemented","message":"kv operation not supported by backend: put_bytes_with_ttl","status":501}}',
    );
  });

  it('typed get of non-JSON bytes is a Serialization error; type changes are allowed', async () => {
    const { handle } = recordingStore();
    await handle.putBytes('raw', new TextEncoder().encode('not json'));
    await expect(handle.get('raw')).rejects.toMatchObject({ kind: 'Serialization', httpStatus: 500 });
    await handle.put('flex', 42);
    await handle.put('flex', 'now a string');
    expect(await handle.getOr('flex', '')).toBe('now a string');
  });

  it('read_modify_write returns the new value and uses the default when missing', async () => {
    const { handle } = recordingStore();
    expect(await handle.readModifyWrite('n', 10, (n) => n * 2)).toBe(20);
    expect(await handle.readModifyWrite('n', 0, (n) => n + 1)).toBe(21);
  });

  it('read_modify_write is not atomic: concurrent calls can lose updates', async () => {
    const { handle } = recordingStore();
    await Promise.all(Array.from({ length: 10 }, () => handle.readModifyWrite('c', 0, (n) => n + 1)));
    expect(await handle.get<number>('c')).toBeLessThan(10);
  });

  it('maps native unavailable, limit-exceeded and unsupported failures to their variants, and others to Internal', async () => {
    const failing = (errorClass: string) =>
      new KvHandle({
        get: async () => Promise.reject(Object.assign(new Error('down'), { name: 'NativeError', errorClass })),
        put: async () => {},
        delete: async () => {},
        list: async () => ({ keys: [], cursor: null, complete: true }),
      });
    await expect(failing('unavailable').getBytes('k')).rejects.toMatchObject({ kind: 'Unavailable', httpStatus: 503 });
    await expect(failing('limit-exceeded').getBytes('k')).rejects.toMatchObject({ kind: 'LimitExceeded', httpStatus: 503, httpKind: 'service_unavailable', message: 'kv backend limit exceeded: down' });
    await expect(failing('unsupported').getBytes('k')).rejects.toMatchObject({ kind: 'Unsupported', httpStatus: 501, httpKind: 'not_implemented' });
    await expect(failing('internal').getBytes('k')).rejects.toMatchObject({ kind: 'Internal', detail: 'down' });
  });
});

describe('native error classes behind LimitExceeded and Unsupported', () => {
  it.each([
    ['KV PUT failed: 429 Too Many Requests', 'limit-exceeded'],
    ["OOM command not allowed when used memory > 'maxmemory'.", 'limit-exceeded'],
    ['rate limit exceeded for this key', 'limit-exceeded'],
    ['operation not supported by this store', 'unsupported'],
    ['501 Not Implemented', 'unsupported'],
    ['KVStore delete: Not found.', 'not-found'],
    ['list limit exceeds u32', 'invalid-argument'],
  ])('%j is %s', (message, errorClass) => {
    expect(classifyNativeMessage(message)).toBe(errorClass);
  });
});

describe('the reference model', () => {
  prop.prop([fc.uniqueArray(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), { maxLength: 30 }), fc.integer({ min: 1, max: 7 })])(
    'a walk returns every key once, in UTF-8 byte order',
    (keys, limit) => {
      const model = new KvModel();
      const valid = keys.filter((k) => !/[\u0000-\u001f\u007f-\u009f]/.test(k) && k !== '.' && k !== '..');
      for (const k of valid) model.put(k, bytes(1));
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = model.list({ limit, cursor });
        expect(page.keys.length).toBeLessThanOrEqual(limit);
        seen.push(...page.keys);
        if (page.complete) break;
        expect(page.keys.length).toBe(limit); // never an empty page before the end
        cursor = page.cursor!;
      }
      expect(seen).toEqual([...valid].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    },
  );

  it('expires at exactly the TTL', () => {
    const model = new KvModel();
    model.put('k', bytes(1), { ttlSeconds: 60 });
    model.advance(59);
    expect(model.get('k')).not.toBeNull();
    model.advance(1);
    expect(model.get('k')).toBeNull();
  });
});

describe('docs/upstream-changes.md', () => {
  const doc = readFileSync(new URL('../docs/upstream-changes.md', import.meta.url), 'utf8');

  it('names the pinned commit', () => {
    expect(doc).toContain(`\`${CONTRACT_COMMIT.slice(0, 7)}\``);
  });

  it('every test it names as covering a change exists, under that name, in that file', () => {
    const followed = doc.slice(doc.indexOf('## Changes that kvparity follows'), doc.indexOf('## Changes with nothing to follow'));
    const rows = followed.split('\n').filter((line) => /^\| \d+ \|/.test(line));
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const row of rows) {
      const covered = row.split('|').at(-2)!;
      const refs = [...covered.matchAll(/`(test\/[\w.-]+\.ts)` ((?:› [^;`|]+?)+)(?=;|$|\s*$)/g)];
      expect(refs.length, `row without a named test: ${row.slice(0, 60)}`).toBeGreaterThan(0);
      for (const [, file, names] of refs) {
        const source = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
        for (const name of names.split('›').map((n) => n.trim().replace(/[,…]+$/, '').replace(/…$/, '').trim()).filter(Boolean)) {
          expect(source, `${file} has no test named "${name}"`).toContain(name.replace(/\\\|/g, '|'));
        }
      }
    }
  });
});

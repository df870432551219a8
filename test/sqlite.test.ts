// The embedded SQLite store: byte order, lazy expiry on an injected clock, opaque cursor, durability across reopen.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteKvStore } from '../runners/sqlite/store.ts';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvparity-sqlite-test-'));
  dirs.push(dir);
  return join(dir, 'kv.sqlite');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const v = (text: string) => new TextEncoder().encode(text);

describe('SqliteKvStore', () => {
  it('orders keys by UTF-8 bytes, not JavaScript string order', () => {
    const store = new SqliteKvStore(fresh());
    // U+FFFF sorts before U+10000 in UTF-8 (EF BF BF < F0 90 80 80) but after it in UTF-16 (FFFF > D800).
    for (const key of ['\u{10000}', '\uffff', 'a', 'B']) store.put(key, v('x'));
    expect(store.list({}).keys).toEqual(['B', 'a', '\uffff', '\u{10000}']);
    expect(['\u{10000}', '\uffff'].sort()).toEqual(['\u{10000}', '\uffff']);
    store.close();
  });

  it('expires lazily against the injected clock, at exactly the TTL', () => {
    let now = 1_000_000;
    const store = new SqliteKvStore(fresh(), { now: () => now });
    store.put('k', v('x'), { ttlSeconds: 60 });
    store.put('other', v('y'));
    now += 59_000;
    expect(store.get('k')).not.toBeNull();
    now += 1_000;
    expect(store.get('k')).toBeNull();
    expect(store.list({}).keys).toEqual(['other']);
    store.close();
  });

  it('pages with an opaque cursor, never an empty last page, and refuses a malformed cursor', () => {
    const store = new SqliteKvStore(fresh());
    for (const key of ['p/1', 'p/2', 'p/3', 'q/1']) store.put(key, v('x'));
    const first = store.list({ prefix: 'p/', limit: 2 });
    expect(first).toMatchObject({ keys: ['p/1', 'p/2'], complete: false });
    expect(first.cursor).not.toContain('p/2');
    expect(store.list({ prefix: 'p/', limit: 2, cursor: first.cursor! })).toEqual({ keys: ['p/3'], cursor: null, complete: true });
    expect(() => store.list({ cursor: 'garbage' })).toThrow(/invalid cursor/);
    store.close();
  });

  it('keeps data, metadata and expiry across close and reopen', () => {
    const path = fresh();
    let now = 5_000;
    const first = new SqliteKvStore(path, { now: () => now });
    first.put('k', v('durable'), { metadata: { a: 1 } });
    first.put('t', v('x'), { ttlSeconds: 60 });
    first.close();
    now += 60_000;
    const second = new SqliteKvStore(path, { now: () => now });
    expect(second.get('k')).toEqual({ value: v('durable'), metadata: { a: 1 } });
    expect(second.get('t')).toBeNull();
    second.close();
  });

  it('treats a prefix as bytes, so a prefix ending mid-character matches nothing it should not', () => {
    const store = new SqliteKvStore(fresh());
    for (const key of ['é1', 'é2', 'e1']) store.put(key, v('x'));
    expect(store.list({ prefix: 'é' }).keys).toEqual(['é1', 'é2']);
    store.close();
  });
});

/**
 * The cloudflare-do provider against a SQLite-backed Durable Object's storage in Miniflare's
 * workerd: the storage API's own texts come through verbatim, pages follow startAfter, and no
 * workerd is left behind. Skipped (with the reason) when miniflare or workerd is missing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownInstances, type OwnInstance } from './fixtures/own-instances.ts';
import cloudflareDo from '../providers/cloudflare-do.ts';
import type { CloudflareDo } from '../runners/miniflare/do-store.ts';
import { rejection } from './fixtures/rejection.ts';

const availability = await cloudflareDo.availability!();
const bytes = (text: string) => new TextEncoder().encode(text);
/** workerd 1.20260426's SQLITE_LIMIT_LENGTH: one storage row (key + serialized value) is at most this. */
const ROW_LIMIT = 2_200_000;

/** Alive = exists and is not a zombie. */
const alive = (pid: number) => existsSync(`/proc/${pid}/stat`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

const { start, stopAndRemove, stopAll } = ownInstances<CloudflareDo>(cloudflareDo);

describe.skipIf(!availability.available)(`cloudflare-do provider${availability.available ? '' : ` (skipped: ${(availability as { reason: string }).reason})`}`, () => {
  let main: OwnInstance<CloudflareDo>;

  beforeAll(async () => {
    main = await start();
  }, 60_000);
  afterAll(stopAll);

  it('reports the real workerd version, and round-trips bytes', async () => {
    expect(main.kv.runtime.name).toBe('workerd');
    expect(main.kv.runtime.version).toMatch(/^1\.\d{8}\.\d+$/);
    await main.kv.put('r/bin', new Uint8Array([0, 255, 1]));
    expect(await main.kv.get('r/bin')).toEqual({ value: new Uint8Array([0, 255, 1]), metadata: null });
    await main.kv.delete('r/bin');
    await main.kv.delete('r/bin'); // a missing key deletes fine
    expect(await main.kv.get('r/bin')).toBeNull();
  });

  it("passes the storage's own limit through: one SQLite row of key and value, not Cloudflare's advertised 2 MB", async () => {
    await main.kv.put('v/2mb', new Uint8Array(2 * 1024 * 1024));
    const over = await rejection(main.kv.put('v/row', new Uint8Array(ROW_LIMIT)));
    expect([over.message, over.errorClass]).toEqual(['string or blob too big: SQLITE_TOOBIG', 'too-large']);
    await main.kv.put('k'.repeat(4096), bytes('x')); // the key-value backend's 2 KiB key limit is not enforced locally
    const ttl = await rejection(main.kv.put('t', bytes('x'), { ttlSeconds: 60 }));
    expect(ttl.message).toBe('Durable Object storage has no expiry: put() takes no TTL');
    const metadata = await rejection(main.kv.put('m', bytes('x'), { metadata: {} }));
    expect(metadata.message).toBe('Durable Object storage keeps no metadata beside a value');
  });

  it('stores a batched value as its own bytes, not as the whole batch it arrived in', async () => {
    // Three 1 MiB values in one /ops body: stored as views into that body, each would be a 3 MiB row (SQLITE_TOOBIG).
    const mib = (fill: number) => new Uint8Array(1024 * 1024).fill(fill);
    const results = await main.kv.batch!([1, 2, 3].map((n) => ({ op: 'put' as const, key: `b/${n}`, value: mib(n) })));
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
    expect(await main.kv.get('b/2')).toEqual({ value: mib(2), metadata: null });
  });

  it('lists by string prefix in UTF-8 byte order, pages continuing after the last key', async () => {
    const keys = ['p/a', 'p/ab', 'p/b', 'p/é', 'p/\uffff', 'p/😀'];
    for (const key of [...keys].reverse()) await main.kv.put(key, bytes(key));
    await main.kv.put('p0', bytes('p0'));
    const first = await main.kv.list({ prefix: 'p/', limit: 4 });
    expect(first).toEqual({ keys: keys.slice(0, 4), cursor: 'p/é', complete: false });
    expect(await main.kv.list({ prefix: 'p/', limit: 4, cursor: first.cursor! })).toEqual({ keys: keys.slice(4), cursor: null, complete: true });
    const zero = await rejection(main.kv.list({ prefix: 'p/', limit: 0 }));
    expect([zero.nativeName, zero.message]).toEqual(['TypeError', 'List limit must be positive.']);
  });

  it('keeps lone surrogates apart in storage, but list() decodes each one as three U+FFFD and folds them into one key', async () => {
    await main.kv.put('s/\ud800', bytes('first'));
    await main.kv.put('s/\udfff', bytes('second'));
    expect(new TextDecoder().decode((await main.kv.get('s/\ud800'))!.value)).toBe('first');
    expect(new TextDecoder().decode((await main.kv.get('s/\udfff'))!.value)).toBe('second');
    expect((await main.kv.list({ prefix: 's/' })).keys).toEqual(['s/\ufffd\ufffd\ufffd']);
  });

  it('keeps its data across a workerd restart on the same storage, and leaves no workerd behind after stop()', async () => {
    const own = await start({ token: 'sekret-token' });
    const pids = own.kv.bridge.pids();
    await own.kv.put('d', bytes('kept'));
    expect((await fetch(`${own.kv.bridge.url}/health`)).status).toBe(401);
    await own.kv.bridge.restart();
    expect(new TextDecoder().decode((await own.kv.get('d'))!.value)).toBe('kept');
    const restarted = own.kv.bridge.pids();
    await stopAndRemove(own);
    expect([...pids, ...restarted].filter(alive)).toEqual([]);
  }, 60_000);
});

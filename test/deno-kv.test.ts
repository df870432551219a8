/**
 * The deno-kv provider against Deno's own engine (@deno/kv's napi denokv) in its child process:
 * the engine's limits and error texts come through verbatim, string prefixes map onto Deno's
 * key ranges, expiry follows the libfaketime clock, and nothing is left behind.
 * Skipped (with the reason) when @deno/kv is not installed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownInstances, type OwnInstance } from './fixtures/own-instances.ts';
import type { KvInstance } from '../api/index.ts';
import denoKv, { runtimeProcess } from '../providers/deno-kv.ts';
import { faketimeLibrary } from '../runners/faketime.ts';
import { storeDir } from '../runners/process.ts';
import { newestRuntime } from './fixtures/runtime-providers.ts';
import { rejection } from './fixtures/rejection.ts';

const availability = await denoKv.availability!();
const bytes = (text: string) => new TextEncoder().encode(text);

const { start, stopAndRemove, stopAll } = ownInstances(denoKv);

describe.skipIf(!availability.available)(`deno-kv provider${availability.available ? '' : ` (skipped: ${(availability as { reason: string }).reason})`}`, () => {
  let main: OwnInstance<KvInstance>;

  beforeAll(async () => {
    main = await start();
  }, 60_000);
  afterAll(stopAll);

  it('reports the engine and its version, and round-trips bytes', async () => {
    expect(main.kv.runtime).toMatchObject({ name: 'denokv', version: '0.14.0' });
    await main.kv.put('r/bin', new Uint8Array([0, 255, 1]));
    expect(await main.kv.get('r/bin')).toEqual({ value: new Uint8Array([0, 255, 1]), metadata: null });
    await main.kv.delete('r/bin');
    await main.kv.delete('r/bin'); // a missing key deletes fine
    expect(await main.kv.get('r/bin')).toBeNull();
  });

  it("passes the engine's own limits and texts through: 2048-byte serialized keys, 65,536-byte values", async () => {
    await main.kv.put('k'.repeat(2046), bytes('x')); // + 2 bytes of framing = 2048
    const key = await rejection(main.kv.put('k'.repeat(2047), bytes('x')));
    expect([key.message, key.errorClass]).toEqual(['KeyTooLong', 'invalid-key']); // no backtrace appended
    await main.kv.put('v/max', new Uint8Array(65_536));
    const value = await rejection(main.kv.put('v/over', new Uint8Array(65_537)));
    expect([value.message, value.errorClass]).toEqual(['ValueTooLong', 'too-large']);
    const metadata = await rejection(main.kv.put('m', bytes('x'), { metadata: { a: 1 } }));
    expect(metadata.message).toBe('Deno KV stores no metadata beside a value');
  });

  it('takes TTLs in whole milliseconds, as Deno does', async () => {
    await main.kv.put('t/1ms', bytes('x'), { ttlSeconds: 0.001 });
    await main.kv.put('t/7ms', bytes('x'), { ttlSeconds: 0.007 }); // 0.007 × 1000 is not 7 in binary floating point
    const half = await rejection(main.kv.put('t/half', bytes('x'), { ttlSeconds: 0.0005 }));
    expect(half.message).toBe("Bad 'expireIn', expected optional positive integer, found 0.5");
    const zero = await rejection(main.kv.put('t/zero', bytes('x'), { ttlSeconds: 0 }));
    expect(zero.message).toBe("Bad 'expireIn', expected optional positive integer, found 0");
  });

  it('lists a string prefix as a key range, in UTF-8 byte order, pages of `limit` behind Deno’s cursor', async () => {
    const keys = ['p/a', 'p/a\u0000', 'p/ab', 'p/b', 'p/é', 'p/\uffff', 'p/😀', 'p0', 'q']; // UTF-8: U+FFFF < U+1F600
    for (const key of keys) await main.kv.put(key, bytes(key));
    const all = await main.kv.list({ prefix: 'p/' });
    expect(all).toEqual({ keys: keys.slice(0, 7), cursor: null, complete: true });
    expect((await main.kv.list({ prefix: 'p/a' })).keys).toEqual(['p/a', 'p/a\u0000', 'p/ab']);
    const first = await main.kv.list({ prefix: 'p/', limit: 4 });
    expect(first).toMatchObject({ keys: keys.slice(0, 4), complete: false });
    const second = await main.kv.list({ prefix: 'p/', limit: 4, cursor: first.cursor! });
    expect(second).toEqual({ keys: keys.slice(4, 7), cursor: null, complete: true });
    // The range's end skips the surrogates after U+D7FF, and carries over a last U+10FFFF.
    for (const key of ['x/\ud7ffa', 'x/\ue000', 'x/\u{10ffff}b', 'x0']) await main.kv.put(key, bytes(key));
    expect((await main.kv.list({ prefix: 'x/\ud7ff' })).keys).toEqual(['x/\ud7ffa']);
    expect((await main.kv.list({ prefix: 'x/\u{10ffff}' })).keys).toEqual(['x/\u{10ffff}b']);
    const zero = await rejection(main.kv.list({ prefix: 'p/', limit: 0 }));
    expect(zero.message).toBe("Bad 'limit': 0");
    const cursor = await rejection(main.kv.list({ prefix: 'p/', cursor: 'not a cursor' }));
    expect(cursor.message).toBe('Invalid cursor');
  });

  it('stores keys as UTF-8: two different lone surrogates are one key (U+FFFD)', async () => {
    await main.kv.put('s/\ud800', bytes('first'));
    await main.kv.put('s/\udfff', bytes('second'));
    expect((await main.kv.list({ prefix: 's/' })).keys).toEqual(['s/\ufffd']);
    expect(new TextDecoder().decode((await main.kv.get('s/\ud800'))!.value)).toBe('second');
  });

  it.skipIf(!faketimeLibrary())('expires on the libfaketime clock: never before the TTL, by the sweep at most a second after it', async () => {
    await main.kv.put('e/60', bytes('x'), { ttlSeconds: 60 });
    await main.kv.clock!.advance(59.999);
    expect(await main.kv.get('e/60')).not.toBeNull();
    await main.kv.clock!.advance(1.001);
    expect(await main.kv.get('e/60')).toBeNull();
    const year = 365 * 86_400;
    await main.kv.put('e/year', bytes('x'), { ttlSeconds: year });
    await main.kv.clock!.advance(year - 1);
    expect(await main.kv.get('e/year')).not.toBeNull();
    await main.kv.clock!.advance(2);
    expect(await main.kv.get('e/year')).toBeNull();
  });

  it.skipIf(!faketimeLibrary())('deletes a short TTL only at the next sweep, up to a minute late, as the engine does in real time', async () => {
    await main.kv.clock!.advance(61); // a sweep runs now and schedules the next one for +60 s
    await main.kv.put('e/1s', bytes('x'), { ttlSeconds: 1 });
    await main.kv.clock!.advance(2);
    expect(await main.kv.get('e/1s')).not.toBeNull();
    await main.kv.clock!.advance(60);
    expect(await main.kv.get('e/1s')).toBeNull();
  });

  it.skipIf(!faketimeLibrary())("leaves no libfaketime files in /dev/shm when its host is killed", async () => {
    const own = await start();
    const host = newestRuntime(runtimeProcess)!;
    const files = [`/dev/shm/faketime_shm_${host.pid}`, `/dev/shm/sem.faketime_sem_${host.pid}`];
    expect(files.filter((file) => existsSync(file))).toEqual(files); // libfaketime made them for the host
    process.kill(host.pid, 'SIGKILL'); // so it cannot remove them itself
    for (let i = 0; i < 100 && (await own.kv.alive!()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await stopAndRemove(own);
    expect(files.filter((file) => existsSync(file))).toEqual([]);
  }, 30_000);

  it('stops its host process with stop()', async () => {
    const own = await start();
    const host = newestRuntime(runtimeProcess);
    expect(host).toBeDefined();
    await own.kv.put('x', bytes('x'));
    // The database lives in the run's store directory (on tmpfs when there is one), which the kit removes.
    expect(readdirSync(storeDir(own.dir, 'deno-kv'))).toContain('kv.sqlite3');
    await stopAndRemove(own);
    expect(existsSync(`/proc/${host!.pid}`)).toBe(false);
  }, 30_000);
});

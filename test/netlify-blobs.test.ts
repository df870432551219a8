/**
 * The netlify-blobs provider against Netlify's own local BlobsServer and client in their child
 * process: the client's checks and texts come through verbatim, the server's file-per-key store
 * shows, a listing is one complete page, and nothing is left behind.
 * Skipped (with the reason) when @netlify/blobs is not installed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownInstances, type OwnInstance } from './fixtures/own-instances.ts';
import type { KvInstance } from '../api/index.ts';
import netlifyBlobs, { runtimeProcess } from '../providers/netlify-blobs.ts';
import { newestRuntime } from './fixtures/runtime-providers.ts';
import { rejection } from './fixtures/rejection.ts';
import { storeDir } from '../runners/process.ts';
import { sideBySide } from '../runners/netlify-blobs/side-by-side.js';

const availability = await netlifyBlobs.availability!();
const bytes = (text: string) => new TextEncoder().encode(text);
const INTERNAL_500 = 'Netlify Blobs has generated an internal error (500 status code)';

const { start, stopAndRemove, stopAll } = ownInstances(netlifyBlobs);

describe.skipIf(!availability.available)(`netlify-blobs provider${availability.available ? '' : ` (skipped: ${(availability as { reason: string }).reason})`}`, () => {
  let main: OwnInstance<KvInstance>;

  beforeAll(async () => {
    main = await start();
  }, 60_000);
  afterAll(stopAll);

  it('reports the package version, and round-trips bytes and metadata as the client returns them', async () => {
    expect(main.kv.runtime).toMatchObject({ name: 'netlify-blobs-server', version: '10.7.13' });
    await main.kv.put('r/m', new Uint8Array([0, 255]), { metadata: { a: 1 } });
    expect(await main.kv.get('r/m')).toEqual({ value: new Uint8Array([0, 255]), metadata: { a: 1 } });
    await main.kv.put('r/none', bytes('x'));
    expect((await main.kv.get('r/none'))!.metadata).toEqual({}); // no metadata reads back as {}
    await main.kv.delete('r/none');
    await main.kv.delete('r/none'); // a missing key deletes fine
    expect(await main.kv.get('r/none')).toBeNull();
  });

  it("passes the client's own checks through verbatim: empty keys, 600-byte keys, 2 KiB of metadata", async () => {
    expect((await rejection(main.kv.put('', bytes('x')))).message).toBe('Blob key must not be empty.');
    expect((await rejection(main.kv.put('/a', bytes('x')))).message).toBe('Blob key must not start with forward slash (/).');
    const long = await rejection(main.kv.put('k'.repeat(601), bytes('x')));
    expect(long.message).toBe('Blob key must be a sequence of Unicode characters whose UTF-8 encoding is at most 600 bytes long.');
    // The header is "b64;" + base64(JSON), at most 2048 with its name: JSON of 1515 bytes fits, 1516 does not.
    await main.kv.put('m/fits', bytes('x'), { metadata: 'x'.repeat(1513) });
    const metadata = await rejection(main.kv.put('m/over', bytes('x'), { metadata: 'x'.repeat(1514) }));
    expect([metadata.message, metadata.errorClass]).toEqual(['Metadata object exceeds the maximum size', 'too-large']);
    expect((await rejection(main.kv.put('t', bytes('x'), { ttlSeconds: 60 }))).message).toBe('Netlify Blobs has no expiry: set() takes no TTL');
  });

  it('shows the local server storing each key as a file: 255-byte names, a key cannot also be a directory', async () => {
    await main.kv.put('f/' + 'n'.repeat(255), bytes('x'));
    expect((await rejection(main.kv.put('f/' + 'n'.repeat(256), bytes('x')))).message).toBe(INTERNAL_500);
    await main.kv.put('f/dir', bytes('x'));
    expect((await rejection(main.kv.put('f/dir/child', bytes('x')))).message).toBe(INTERNAL_500);
  });

  it('shows the client putting keys into the URL unescaped: "?" ends the key, non-ASCII lists percent-encoded', async () => {
    await main.kv.put('u/a?b', bytes('q'));
    expect(await main.kv.get('u/a')).not.toBeNull();
    await main.kv.put('u/é', bytes('e'));
    expect(await main.kv.get('u/é')).not.toBeNull();
    expect((await main.kv.list({ prefix: 'u/' })).keys).toEqual(['u/%C3%A9', 'u/a']);
  });

  it('writes the puts of a batch side by side only where order cannot matter: a key and its folder stay in order', async () => {
    const put = (key: string) => ({ key, value: bytes(key), options: {} });
    const groups = (keys: string[]) => sideBySide(keys.map(put)).map((group) => group.map((p) => p.key));
    expect(groups(['b/1', 'b/2', 'b/1/x', 'b/3', 'b/2', 'b x', 'b/4'])).toEqual([['b/1', 'b/2'], ['b/1/x', 'b/3', 'b/2'], ['b x'], ['b/4']]);
    expect(groups(['b/1/x', 'b/1'])).toEqual([['b/1/x'], ['b/1']]);
    expect(groups(Array.from({ length: 10 }, (_, i) => `n/${i}`)).map((group) => group.length)).toEqual([8, 2]);
    // Through the real server: as one at a time, the key first written wins and the other fails.
    const results = await main.kv.batch!([
      { op: 'put', key: 'o/dir', value: bytes('x') },
      { op: 'put', key: 'o/dir/child', value: bytes('y') },
      { op: 'put', key: 'o/other', value: bytes('z') },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect((await main.kv.list({ prefix: 'o/' })).keys).toEqual(['o/dir', 'o/other']);
  });

  it('lists every key under a prefix as one complete page: no limit, no cursor', async () => {
    for (const key of ['l/c', 'l/a', 'l/b']) await main.kv.put(key, bytes(key));
    expect(await main.kv.list({ prefix: 'l/', limit: 1 })).toEqual({ keys: ['l/a', 'l/b', 'l/c'], cursor: null, complete: true });
  });

  it('stops its host process with stop()', async () => {
    const own = await start();
    const host = newestRuntime(runtimeProcess);
    expect(host).toBeDefined();
    await own.kv.put('x', bytes('x'));
    // The blobs live in the run's store directory (on tmpfs when there is one), which the kit removes.
    expect(readdirSync(storeDir(own.dir, 'blobs')).length).toBeGreaterThan(0);
    await stopAndRemove(own);
    expect(existsSync(`/proc/${host!.pid}`)).toBe(false);
  }, 30_000);
});

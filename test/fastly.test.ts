/**
 * The fastly provider against real Viceroy + the js-compute bridge. Skipped (with the
 * reason) when Viceroy cannot be found or built on this machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fastly from '../providers/fastly.ts';
import type { KvInstance } from '../api/index.ts';
import { BridgeClient } from '../runners/bridge/client.ts';
import { MAX_BODY_BYTES, PROTOCOL_VERSION } from '../runners/bridge/handler.js';
import { buildProgress, buildsFile, expectedBuild, findViceroy } from '../runners/viceroy/install.ts';
import { compileCacheDir } from '../runners/viceroy/compile-cache.ts';
import { rejection } from './fixtures/rejection.ts';
import { uploadAnswer } from './fixtures/upload.ts';
import { SHARED_START_MS, sharedBridge, type TestBridge } from './fixtures/shared-bridge.ts';

const availability = await fastly.availability!();
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);

interface Started {
  kv: KvInstance;
  logs: string[];
  dir: string;
  url: string;
}

async function start(options: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'kvparity-fastly-test-'));
  const logs: string[] = [];
  const kv = await fastly.start({ tmpDir: dir, log: (line) => logs.push(line), options, signal: new AbortController().signal });
  return { kv, logs, dir, url: kv.runtime.detail!.split(' ')[0] };
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started) return;
  await started.kv.stop();
  rmSync(started.dir, { recursive: true, force: true });
}

/** Live viceroy processes serving one of `dirs` (others on this machine belong to other runs). */
function viceroyPids(dirs: string[]): string[] {
  let pids: string[];
  try {
    pids = execFileSync('pgrep', ['-x', 'viceroy'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return pids.filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return dirs.some((dir) => cmdline.includes(dir));
    } catch {
      return false; // gone meanwhile
    }
  });
}

describe.skipIf(!availability.available)(`fastly provider${availability.available ? '' : ` (skipped: ${(availability as { reason: string }).reason})`}`, () => {
  // The shared Viceroy (test/fixtures/pool-setup.ts) for what leaves a runtime as it was; one of
  // this file's own for the clock, the token it is started with, a panic and stop().
  let shared: TestBridge;
  let kv: BridgeClient;
  let key: (suffix: string) => string;

  beforeAll(async () => {
    shared = await sharedBridge('fastly');
    ({ client: kv, key } = shared);
  }, SHARED_START_MS);

  it('reports the real Viceroy version', async () => {
    expect(shared.runtime.name).toBe('viceroy');
    expect(shared.runtime.version).toMatch(/^\d+\.\d+\.\d+/);
    const health = await kv.health();
    expect(health).toMatchObject({ ok: true, protocol: PROTOCOL_VERSION, runtime: { name: 'viceroy', version: shared.runtime.version } });
  });

  it('round-trips a value and its metadata', async () => {
    await kv.put(key('round'), bytes('hello'), { metadata: { a: 1, s: 'x' } });
    const entry = await kv.get(key('round'));
    expect(text(entry!.value)).toBe('hello');
    expect(entry!.metadata).toEqual({ a: 1, s: 'x' });
    await kv.put(key('plain'), new Uint8Array([0, 255, 1]));
    expect(await kv.get(key('plain'))).toEqual({ value: new Uint8Array([0, 255, 1]), metadata: null });
    expect(await kv.get(key('absent'))).toBeNull();
  });

  it('accepts a 1024-byte key and rejects 1025 with the guest runtime text', async () => {
    const ofBytes = (n: number) => key('k'.repeat(n - key('').length));
    await kv.put(ofBytes(1024), bytes('v'));
    expect(text((await kv.get(ofBytes(1024)))!.value)).toBe('v');
    const error = await rejection(kv.put(ofBytes(1025), bytes('v')));
    expect(error.message).toBe('KVStore key can not be more than 1024 characters');
    expect(error.nativeName).toBe('TypeError');
    expect(error.errorClass).toBe('invalid-key');
    // Measured in UTF-8 bytes: fewer than 1024 characters, but 3-byte ones, over 1024 bytes.
    const wide = key('€'.repeat(338));
    expect([wide.length < 1024, Buffer.byteLength(wide) > 1024]).toEqual([true, true]);
    expect((await rejection(kv.put(wide, bytes('v')))).message).toBe('KVStore key can not be more than 1024 characters');
  });

  it('rejects # in a key', async () => {
    const error = await rejection(kv.put(key('a#b'), bytes('v')));
    expect(error.message).toBe('KVStore key can not contain # character');
    expect(error.nativeName).toBe('TypeError');
  });

  it('records the rejections that come from Viceroy rather than the guest runtime', async () => {
    // js-compute lets these through; Viceroy's is_valid_key refuses them at the hostcall (so they write nothing).
    for (const refused of ['a/./b', 'a/..', '.well-known/acme-challenge', ' ']) {
      const error = await rejection(kv.put(refused, bytes('v')));
      expect(error.message).toBe('put: Invalid argument.\n');
      expect(error.nativeName).toBe('Error');
    }
    const emptyPrefix = await rejection(kv.list({ prefix: '' }));
    expect(emptyPrefix.message).toBe('list: Invalid argument.\n');
    const badCursor = await rejection(kv.list({ cursor: '!!!' }));
    expect(badCursor.message).toBe('KVStore list: Bad request.');
  });

  it('accepts a TTL of 59 seconds', async () => {
    await kv.put(key('ttl59'), bytes('v'), { ttlSeconds: 59 });
    expect(text((await kv.get(key('ttl59')))!.value)).toBe('v');
  });

  it('runs a batch in order, one failure not stopping it', async () => {
    const results = await kv.batch([
      { op: 'put', key: key('b/1'), value: bytes('one') },
      { op: 'put', key: key('b/x?y'), value: bytes('bad') },
      { op: 'get', key: key('b/1') },
      { op: 'list', options: { prefix: key('b/') } },
      { op: 'delete', key: key('b/1') },
      { op: 'get', key: key('b/1') },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true, true, true]);
    expect(!results[1].ok && results[1].error.message).toBe('KVStore key can not contain ? character');
    expect(results[2].ok && text(results[2].entry!.value)).toBe('one');
    expect(results[3].ok && results[3].page).toEqual({ keys: [key('b/1')], cursor: null, complete: true });
    expect(results[5].ok && results[5].entry).toBeNull();
  });

  it('lists in pages with a native cursor', async () => {
    for (const suffix of ['p/c', 'p/a', 'p/b']) await kv.put(key(suffix), bytes(suffix));
    const first = await kv.list({ prefix: key('p/'), limit: 2 });
    expect(first).toMatchObject({ keys: [key('p/a'), key('p/b')], complete: false });
    const second = await kv.list({ prefix: key('p/'), limit: 2, cursor: first.cursor! });
    expect(second).toEqual({ keys: [key('p/c')], cursor: null, complete: true });
  });

  it('records what a delete of a missing key does', async () => {
    // Viceroy 0.22.0 answers NotFound for a missing key and js-compute 3.46.0 rejects with it.
    const error = await rejection(kv.delete(key('never-written')));
    expect(error.message).toBe('KVStore delete: Not found.');
    expect(error.errorClass).toBe('not-found');
  });

  it('answers malformed batches with 400 and oversize bodies with 413', async () => {
    const malformed = await rejection(kv.request('POST', '/ops', { ops: [{ op: 'put', key: key('malformed'), size: '!!' }] }));
    expect(malformed.status).toBe(400);
    expect(malformed.message).toContain("ops[0].size must be the value's length in bytes");
    const auth = { authorization: `Bearer ${shared.token}` };
    const notJson = await fetch(`${shared.url}/ops`, { method: 'POST', body: '{', headers: auth });
    expect(notJson.status).toBe(400);
    // Viceroy reads a whole body before the guest answers: sent whole, then the answer is read.
    const huge = await uploadAnswer(`${shared.url}/ops`, MAX_BODY_BYTES + 1, { headers: auth, early: false });
    expect(huge.status).toBe(413);
    expect((JSON.parse(huge.body) as { error: { status: number } }).error.status).toBe(413);
    expect((await kv.list({ prefix: key('malformed') })).keys).toEqual([]);
  }, 60_000);

  describe('a start of its own (with a token)', () => {
    let own: Started;
    beforeAll(async () => {
      own = await start({ token: 'sekrit-token' });
    }, 40 * 60_000);
    afterAll(() => stop(own)); // a second stop() is a no-op: this covers a failure before the last test

    // The kit's build of Viceroy keeps the compiled guest in wasmtime's cache: by now the shared
    // Viceroy (or an earlier run) compiled it, so this start only loaded it. Compiling costs about 12
    // CPU-seconds here; loading well under one. A Viceroy from PATH or VICEROY_BIN has no such cache.
    it.skipIf(findViceroy()?.source !== 'cache')('loads the compiled bridge from the compile cache instead of compiling it again', () => {
      const [pid] = viceroyPids([own.dir]);
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
      expect(cpuSeconds, `Viceroy ${pid} spent ${cpuSeconds} CPU-s to get ready`).toBeLessThan(4);
      expect(readdirSync(compileCacheDir(), { recursive: true }).length).toBeGreaterThan(0);
    });

    it('reuses the Viceroy binary and the built wasm, and demands its token', async () => {
      expect(viceroyPids([own.dir])).toHaveLength(1);
      expect(own.logs.some((line) => /^reusing Viceroy \S+ at /.test(line))).toBe(true);
      expect(own.logs.some((line) => /^reusing built bridge wasm [0-9a-f]{12}$/.test(line))).toBe(true);
      // No header → 401, a wrong one → 401, the provider's client (which sends it) → served.
      expect((await fetch(`${own.url}/health`)).status).toBe(401);
      expect((await fetch(`${own.url}/health`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      await own.kv.put('tok', bytes('v'));
      expect(text((await own.kv.get('tok'))!.value)).toBe('v');
    });

    // On this runtime only: a test never moves the shared runtime's clock under other files' keys.
    it.skipIf(!fastly.capabilities.clock)('expires by the advanced clock (60 s and 1 year)', async () => {
      const clock = own.kv.clock!;
      await own.kv.put('t/exp60', bytes('v'), { ttlSeconds: 60 });
      await clock.advance(59);
      expect(await own.kv.get('t/exp60')).not.toBeNull();
      await clock.advance(1);
      expect(await own.kv.get('t/exp60')).toBeNull();

      const year = 365 * 24 * 3600;
      await own.kv.put('t/exp1y', bytes('v'), { ttlSeconds: year });
      await clock.advance(year - 1);
      expect(await own.kv.get('t/exp1y')).not.toBeNull();
      await clock.advance(1);
      expect(await own.kv.get('t/exp1y')).toBeNull();
    });

    it('carries Viceroy\'s own account of a panic, then stop() leaves no viceroy behind', async () => {
      // Viceroy 0.22.0 panics on list limit 0 (object_store.rs indexes list[-1]) and poisons the
      // store lock; the failure carries Viceroy's own account. Done last: the store is unusable after.
      try {
        const panic = await rejection(own.kv.list({ limit: 0 }));
        expect(panic.errorClass).toBe('unavailable');
        // Which of Viceroy's two panics is read first is a race: the index panic or the poisoned lock after it.
        expect(panic.message).toMatch(/index out of bounds|lock was poisoned/);
        const after = await rejection(own.kv.get('tok'));
        expect(after.message).toContain('lock was poisoned');
      } finally {
        await stop(own);
      }
      expect(viceroyPids([own.dir])).toEqual([]);
    }, 60_000);
  });
});

describe('the one-time Viceroy build', () => {
  it('says how long it will take: the last build recorded here, else the typical time', () => {
    const cache = mkdtempSync(join(tmpdir(), 'kvparity-viceroy-cache-'));
    const saved = process.env.KVPARITY_CACHE;
    process.env.KVPARITY_CACHE = cache;
    try {
      expect(expectedBuild()).toMatchObject({ seconds: 1060, crates: 310, where: 'the typical time on 2 cores' });
      writeFileSync(buildsFile(), JSON.stringify([{ version: '0.22.0', seconds: 700, crates: 300, date: '2026-11-30T05:36:00.000Z', cpus: 2 }]));
      expect(expectedBuild()).toEqual({ seconds: 700, crates: 300, where: 'the last build here (2026-11-30, Viceroy 0.22.0)' });
    } finally {
      if (saved === undefined) delete process.env.KVPARITY_CACHE;
      else process.env.KVPARITY_CACHE = saved;
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it("reports progress in cargo's crates and the time left", () => {
    const log = '    Updating crates.io index\n   Compiling libc v0.2.1\n   Compiling cfg-if v1.0.0\n   Compiling wasmtime v46.0.3\n';
    const expected = { seconds: 1060, crates: 310, where: 'the typical time on 2 cores' };
    expect(buildProgress(log, 300, expected)).toBe('Compiling wasmtime v46.0.3 (crate 3 of about 310; 5 min of about 18 min, about 13 min left)');
    expect(buildProgress(log, 1100, expected)).toMatch(/taking longer than expected\)$/);
  });
});

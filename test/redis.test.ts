/**
 * The redis provider against a real Redis: the redis-server fallback (forced
 * with KVPARITY_REDIS=server where a container runtime exists), binary values,
 * SCAN with glob characters in the prefix, TTLs as Redis takes them, and no
 * redis-server left behind. Skipped (with the reason) where Redis cannot run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import redis from '../providers/redis.ts';
import { KvHandle } from '../contract/handle.ts';
import { isNativeError, type KvInstance } from '../api/index.ts';
import { detectContainerRuntime } from '../runners/redis/container.ts';
import { planRedis, redisAvailability } from '../runners/redis/runtime.ts';
import { escapeGlob, expiryArguments, startRedisKv, type RedisKv, type RedisKvStore } from '../runners/redis/store.ts';
import { faketimeLibrary } from '../runners/faketime.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const availability = await redisAvailability();
const containerRuntime = await detectContainerRuntime();
const silent = () => {};

/** Where a container runtime exists, force the fallback: this file tests the redis-server path. */
function forceServerWhereContainersRun(): () => void {
  if (!containerRuntime.available) return () => {};
  const before = process.env.KVPARITY_REDIS;
  process.env.KVPARITY_REDIS = 'server';
  return () => (before === undefined ? delete process.env.KVPARITY_REDIS : (process.env.KVPARITY_REDIS = before));
}

/** Live redis-server processes (a killed one whose parent is gone lingers as a zombie until init reaps it). */
function redisServerPids(): number[] {
  try {
    return execFileSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number).filter(running);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Running and not a zombie. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function walk(kv: Pick<KvInstance, 'list'>, prefix: string, limit?: number): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages < 10_000; pages++) {
    const page = await kv.list({ prefix, limit, cursor });
    keys.push(...page.keys);
    if (page.complete) return { keys, pages };
    cursor = page.cursor!;
  }
  throw new Error('SCAN did not finish in 10000 pages');
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('container runtime detection', () => {
  it('says why there is none when no runtime is even hinted at, without importing testcontainers', async () => {
    const started = performance.now();
    expect(await detectContainerRuntime({}, () => false)).toEqual({
      available: false,
      reason: 'DOCKER_HOST is unset and /var/run/docker.sock does not exist',
    });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it("passes on testcontainers' own reason when DOCKER_HOST points nowhere", async () => {
    const result = await detectContainerRuntime({ DOCKER_HOST: 'tcp://127.0.0.1:1' }, () => false);
    expect(result).toEqual({
      available: false,
      reason: 'testcontainers: Could not find a working container runtime strategy (looked at DOCKER_HOST=tcp://127.0.0.1:1)',
    });
  });

  it('falls back to redis-server and says why in the plan', async () => {
    const plan = await planRedis({ env: { PATH: process.env.PATH }, exists: () => false });
    if (plan.via === 'server') expect(plan.why).toBe('DOCKER_HOST is unset and /var/run/docker.sock does not exist');
    else expect(plan).toMatchObject({ via: 'none' }); // no redis-server on this machine
  });

  it('is unavailable with the install command when neither exists', async () => {
    expect(await redisAvailability({ env: { PATH: '/nonexistent' }, exists: () => false })).toEqual({
      available: false,
      reason: 'no container runtime (DOCKER_HOST is unset and /var/run/docker.sock does not exist) and no redis-server binary on PATH',
      enable: 'apt-get install -y redis-server (or start Docker, so testcontainers can run redis:7)',
    });
  });

  it('refuses an unknown KVPARITY_REDIS', async () => {
    expect(await planRedis({ env: { KVPARITY_REDIS: 'docker' } })).toEqual({ via: 'none', reason: 'KVPARITY_REDIS must be "server" or "container" (got "docker")' });
  });
});

describe('the pieces that shape Redis commands', () => {
  it('escapes every glob special of SCAN MATCH', () => {
    expect(escapeGlob('a*b?c[d]e\\f/')).toBe('a\\*b\\?c\\[d\\]e\\\\f/');
    expect(escapeGlob('plain/')).toBe('plain/');
  });

  it('uses EX for whole seconds and PX for fractions, passing the number on as it is', () => {
    expect(expiryArguments(undefined)).toEqual(['', '']);
    expect(expiryArguments(60)).toEqual(['EX', '60']);
    expect(expiryArguments(0)).toEqual(['EX', '0']);
    expect(expiryArguments(-5)).toEqual(['EX', '-5']);
    expect(expiryArguments(1.1)).toEqual(['PX', '1100']);
    expect(expiryArguments(0.0004)).toEqual(['PX', '0.4']);
  });
});

describe.skipIf(!availability.available)(`redis provider${availability.available ? '' : ` (skipped: ${(availability as { reason: string }).reason})`}`, () => {
  let dir: string;
  let running: RedisKv;
  let kv: RedisKvStore;
  /** A second, plain client on the same server, to see what the provider really stored. */
  let raw: Redis;
  let restore: () => void;

  beforeAll(async () => {
    restore = forceServerWhereContainersRun();
    dir = mkdtempSync(join(tmpdir(), 'kvparity-redis-test-'));
    running = await startRedisKv({ tmpDir: dir, log: silent });
    kv = running.store;
    raw = new Redis({ host: running.server.host, port: running.server.port, lazyConnect: true });
    await raw.connect();
  }, 60_000);

  afterAll(async () => {
    await raw?.quit();
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
    restore();
  });

  it('starts redis-server as the fallback through the provider and reports its real version', async () => {
    const started = await redis.start({ tmpDir: dir, log: silent, options: {}, signal: new AbortController().signal });
    try {
      const reason = containerRuntime.available ? 'KVPARITY_REDIS=server' : containerRuntime.reason;
      const version = /redis_version:(\S+)/.exec(await raw.info('server'))![1];
      const clock = faketimeLibrary() ? '; libfaketime, frozen clock moved by the kit' : '; real clock (libfaketime not installed: expiry cases need it)';
      expect(started.runtime).toEqual({ name: 'redis', version, detail: `redis-server ${version} (no container runtime: ${reason})${clock}` });
      expect(!!started.clock).toBe(faketimeLibrary() !== null);
      expect(await started.alive!()).toBe(true);
    } finally {
      await started.stop();
    }
    expect(await started.alive!()).toBe(false);
  });

  it('round-trips every byte value, the empty value and metadata', async () => {
    const all = new Uint8Array(256).map((_, i) => i);
    await kv.put('bin/all', all, { metadata: { note: 'ü', n: [1, null] } });
    await kv.put('bin/empty', new Uint8Array(0));
    expect(await kv.get('bin/all')).toEqual({ value: all, metadata: { note: 'ü', n: [1, null] } });
    expect(await kv.get('bin/empty')).toEqual({ value: new Uint8Array(0), metadata: null });
    expect(await kv.get('bin/never')).toBeNull();
    // The value is a plain Redis string; the metadata a key of the same name in database 1.
    expect(await raw.getBuffer('bin/all')).toEqual(Buffer.from(all));
    expect(await raw.type('bin/all')).toBe('string');
    await raw.select(1);
    expect(await raw.get('bin/all')).toBe('{"note":"ü","n":[1,null]}');
    await raw.select(0);
    await kv.delete('bin/all');
    expect(await raw.exists('bin/all')).toBe(0);
  });

  it('lists with SCAN MATCH of the escaped prefix: * ? [ ] \\ match only themselves', async () => {
    const prefix = 'g*l?o[b]\\/';
    const inside = [`${prefix}1`, `${prefix}2`];
    // Each of these would match the prefix if it were used as a glob unescaped.
    const outside = ['gXl?o[b]\\/1', 'g*lZo[b]\\/1', 'g*l?ob\\/1', 'g*l?o[b]/1', 'g*l?o[b]\\X1'];
    for (const key of [...inside, ...outside]) await kv.put(key, bytes('v'));
    const { keys } = await walk(kv, prefix, 2);
    expect(new Set(keys)).toEqual(new Set(inside)); // a Set: SCAN may repeat a key, this test is about MATCH
    const unescaped = await raw.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
    expect(unescaped[1]).not.toEqual(expect.arrayContaining(inside)); // the raw glob misses the literal keys
  });

  it('pages as Redis does: its cursor, "0" ends the walk, a bad cursor is its own error', async () => {
    for (let i = 0; i < 40; i++) await kv.put(`page/${i}`, bytes('v'));
    const first = await kv.list({ prefix: 'page/', limit: 5 });
    expect(first.complete).toBe(false);
    expect(first.cursor).toMatch(/^[1-9]\d*$/);
    const { keys } = await walk(kv, 'page/', 5);
    expect(new Set(keys).size).toBe(40);
    const error = await kv.list({ cursor: 'not-a-number' }).catch((e: unknown) => e);
    expect(isNativeError(error) && [error.message, error.errorClass]).toEqual(['ERR invalid cursor', 'invalid-argument']);
  });

  it('passes TTLs to SET: EX for whole seconds, PX for fractions, no minimum, and Redis refuses 0 and negatives', async () => {
    await kv.put('ttl/whole', bytes('v'), { ttlSeconds: 5, metadata: { m: 1 } });
    await kv.put('ttl/fraction', bytes('v'), { ttlSeconds: 1.5 });
    const whole = await raw.pttl('ttl/whole');
    expect(whole).toBeGreaterThan(4000);
    expect(whole).toBeLessThanOrEqual(5000);
    expect(await raw.pttl('ttl/fraction')).toBeGreaterThan(1000);
    expect(await raw.pttl('ttl/fraction')).toBeLessThanOrEqual(1500);
    await raw.select(1);
    expect(await raw.pttl('ttl/whole')).toBeGreaterThan(4000); // the metadata expires with the value
    await raw.select(0);
    for (const ttlSeconds of [0, -1]) {
      const error = await kv.put('ttl/refused', bytes('v'), { ttlSeconds }).catch((e: unknown) => e);
      expect(isNativeError(error) && [error.message, error.errorClass]).toEqual(["ERR invalid expire time in 'set' command", 'invalid-ttl']);
    }
    expect(await kv.get('ttl/refused')).toBeNull();
  });

  it('past maxmemory (noeviction) a put is Redis\'s OOM, class limit-exceeded, and the contract client answers LimitExceeded (503)', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
    await raw.config('SET', 'maxmemory-policy', 'noeviction');
    await raw.config('SET', 'maxmemory', String(used + 64 * 1024));
    try {
      const error = await kv.put('oom/big', new Uint8Array(1024 * 1024)).catch((e: unknown) => e);
      expect(isNativeError(error) && error.errorClass).toBe('limit-exceeded');
      expect((error as Error).message).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
      const viaContract = await new KvHandle(kv).putBytes('oom/big', new Uint8Array(1024 * 1024)).catch((e: unknown) => e);
      expect(viaContract).toMatchObject({ kind: 'LimitExceeded', httpStatus: 503, httpKind: 'service_unavailable' });
      expect((viaContract as Error).message).toMatch(/^kv backend limit exceeded: OOM command not allowed/);
    } finally {
      await raw.config('SET', 'maxmemory', '0');
    }
    expect(await kv.get('oom/big')).toBeNull();
  });

  it.skipIf(!faketimeLibrary())('moves expiry by its frozen clock, lazily on access and by active expiry, without waiting for the TTL', async () => {
    const clock = running.clock!;
    await kv.put('clock/lazy', bytes('v'), { ttlSeconds: 60 });
    await kv.batch(Array.from({ length: 50 }, (_, i) => ({ op: 'put' as const, key: `clock/active/${i}`, value: bytes('v'), options: { ttlSeconds: 60 } })));
    const stored = await raw.dbsize();
    // Keys with an expiry in database 0 (these 51, and the few-second ones of earlier tests): all gone after 60 s.
    const volatile = Number(/db0:keys=\d+,expires=(\d+)/.exec(await raw.info('keyspace'))![1]);
    await clock.advance(59);
    expect(await raw.pttl('clock/lazy')).toBe(1000); // frozen: no real time passes between calls
    await clock.advance(1);
    // Redis expires when now > when (db.c keyIsExpired): at exactly the TTL the key is still there, a millisecond later it is not.
    expect(await kv.get('clock/lazy')).not.toBeNull();
    await clock.advance(0.001);
    expect(await kv.get('clock/lazy')).toBeNull();
    // The 50 keys nobody touches go by Redis's own active expiry cycle (every 100 ms of the real, monotonic clock).
    const deadline = Date.now() + 5000;
    while ((await raw.dbsize()) > stored - volatile && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await raw.dbsize()).toBe(stored - volatile);
    expect(Number(/expired_keys:(\d+)/.exec(await raw.info('stats'))![1])).toBeGreaterThanOrEqual(51);
  });

  it('leaves value and metadata untouched when Redis refuses a put', async () => {
    await kv.put('keep', bytes('old'), { metadata: { old: true } });
    await expect(kv.put('keep', bytes('new'), { ttlSeconds: 0 })).rejects.toThrow('invalid expire time');
    expect(await kv.get('keep')).toEqual({ value: bytes('old'), metadata: { old: true } });
  });
});

describe.skipIf(!availability.available)('redis-server lifetime', () => {
  it('leaves no redis-server after stop', async () => {
    const restore = forceServerWhereContainersRun();
    const dir = mkdtempSync(join(tmpdir(), 'kvparity-redis-test-'));
    let started: RedisKv | undefined;
    // Its own process, by pid: other test files start and stop redis-servers at the same time, so a count of them all says nothing.
    try {
      started = await startRedisKv({ tmpDir: dir, log: silent });
      expect(started.server.via).toBe('server');
      expect(running(started.server.pid!)).toBe(true);
      expect(redisServerPids()).toContain(started.server.pid);
    } finally {
      await started?.stop();
      rmSync(dir, { recursive: true, force: true });
      restore();
    }
    expect(running(started!.server.pid!)).toBe(false);
    expect(redisServerPids()).not.toContain(started!.server.pid);
  });

  it('stops redis-server when a command line that took the signals is interrupted with SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvparity-redis-sigint-'));
    const script = join(dir, 'hold.mts');
    writeFileSync(
      script,
      `import { startRedis } from ${JSON.stringify(join(root, 'runners/redis/runtime.ts'))};
import { exitOnSignals } from ${JSON.stringify(join(root, 'runners/process.ts'))};
exitOnSignals(); // as the command line does: signals are a command line's, never an import's
const started = await startRedis({ tmpDir: ${JSON.stringify(dir)}, log: () => {} });
console.log(JSON.stringify({ pid: started.pid }));
setInterval(() => {}, 1000);\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, KVPARITY_REDIS: 'server' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk) => {
          out += chunk;
          const line = /\{"pid":(\d+)\}/.exec(out);
          if (line) resolve(Number(line[1]));
        });
        child.once('exit', (code) => reject(new Error(`the child exited (${code}) before starting redis-server`)));
      });
      expect(running(pid)).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      // SIGKILL is sent before the child exits; the kernel may take a moment to finish the process.
      for (const deadline = Date.now() + 5000; running(pid) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(running(pid)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

/**
 * The fallback when there is no container runtime: a real redis-server binary
 * (Debian package redis-server) on a free loopback port, persistence off,
 * tracked by runners/process.ts so it is stopped on every exit path.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort, recordStart, spawnTracked, waitUntil, type Spawned } from '../process.ts';
import { fakeClock, glibcMallocLibrary, removeFaketimeFiles, type FakeClock } from '../faketime.ts';

export const INSTALL_COMMAND = 'apt-get install -y redis-server';

export interface RedisServer {
  host: string;
  port: number;
  binary: string;
  /** From `redis-server --version` (the server's INFO is what reports show). */
  version: string;
  spawned: Spawned;
  /** Present when redis-server runs under libfaketime: its clock is frozen and moved by advance(). */
  clock?: FakeClock;
  stop(): Promise<void>;
}

/** The redis-server binary: $KVPARITY_REDIS_SERVER, else the first on PATH. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.KVPARITY_REDIS_SERVER) return executable(env.KVPARITY_REDIS_SERVER) ? env.KVPARITY_REDIS_SERVER : null;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'redis-server');
    if (executable(candidate)) return candidate;
  }
  return null;
}

export function redisServerVersion(binary: string): string {
  const text = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const match = /\bv=(\d+\.\d+\.\d+)/.exec(text);
  if (!match) throw new Error(`${binary} --version printed no version: ${text.trim()}`);
  return match[1];
}

/**
 * `fakeTime`: run under libfaketime with a frozen clock that only `clock.advance()` moves, so
 * expiry (lazy on access and Redis's active expiry cycle alike) is checked without waiting.
 * glibc's allocator is preloaded first (see runners/faketime.ts): without it Debian's
 * jemalloc-linked redis-server hangs at start under libfaketime. Redis's expiry, SCAN and
 * command code are unchanged; only where malloc goes.
 */
export async function startRedisServer({ binary, tmpDir, signal, fakeTime = false }: { binary: string; tmpDir: string; signal?: AbortSignal; fakeTime?: boolean }): Promise<RedisServer> {
  const version = redisServerVersion(binary);
  const malloc = glibcMallocLibrary();
  const clock = fakeTime ? fakeClock(tmpDir, 'frozen', { preload: malloc ? [malloc] : [] }) : null;
  if (fakeTime && !clock) throw new Error('fakeTime asked for, but libfaketime is not installed');
  // freePort() closes its probe socket before redis binds, so another process can take the port in between: retry then.
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const port = await freePort();
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tmpDir, '--daemonize', 'no'];
    const started = performance.now();
    const spawned = spawnTracked(binary, args, clock ? { env: { ...process.env, ...clock.env } } : {});
    try {
      await waitUntil(`redis-server on 127.0.0.1:${port}${clock ? ' under libfaketime' : ''}`, () => ping('127.0.0.1', port), { timeoutMs: 10_000, intervalMs: 25, spawned });
    } catch (error) {
      await spawned.stop();
      if (attempt < 3 && /Address already in use/.test(spawned.output())) continue;
      throw error;
    }
    // libfaketime removes its /dev/shm files on a normal exit only: also after a kill.
    if (clock) void spawned.exited.then(() => removeFaketimeFiles(spawned.child.pid!));
    recordStart('redis-server', performance.now() - started);
    return { host: '127.0.0.1', port, binary, version, spawned, ...(clock ? { clock } : {}), stop: () => spawned.stop() };
  }
}

/** One PING over a raw socket, answered +PONG within a second. */
export function ping(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

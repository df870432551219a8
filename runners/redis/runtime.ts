/**
 * Picks how to run Redis here: testcontainers' redis:7 where a container runtime
 * exists, else the redis-server binary. KVPARITY_REDIS=server|container forces one.
 */
import { existsSync } from 'node:fs';
import type { Availability, Clock } from '../../api/index.ts';
import { faketimeLibrary } from '../faketime.ts';
import { REDIS_IMAGE, detectContainerRuntime, startRedisContainer } from './container.ts';
import { INSTALL_COMMAND, findRedisServer, startRedisServer } from './server.ts';

/** A running Redis server, by container or binary. */
export interface RunningRedis {
  via: 'container' | 'server';
  host: string;
  port: number;
  /** The redis-server process (server path only). */
  pid?: number;
  /** How it runs, in words (reports show it). */
  detail: string;
  /** Present when redis-server runs under libfaketime (the server path only: a container has no preload). */
  clock?: Clock;
  stop(): Promise<void>;
}

/** What this machine offers; `env` and `exists` are injectable so tests can describe other machines. */
export interface Machine {
  env?: NodeJS.ProcessEnv;
  exists?: (path: string) => boolean;
}

type Plan = { via: 'container' } | { via: 'server'; binary: string; why: string } | { via: 'none'; reason: string };

export async function planRedis({ env = process.env, exists = existsSync }: Machine = {}): Promise<Plan> {
  const forced = env.KVPARITY_REDIS;
  if (forced && forced !== 'server' && forced !== 'container') {
    return { via: 'none', reason: `KVPARITY_REDIS must be "server" or "container" (got "${forced}")` };
  }
  const runtime = forced === 'server' ? { available: false as const, reason: 'KVPARITY_REDIS=server' } : await detectContainerRuntime(env, exists);
  if (runtime.available) return { via: 'container' };
  const binary = forced === 'container' ? null : findRedisServer(env);
  if (binary) return { via: 'server', binary, why: runtime.reason };
  return { via: 'none', reason: `no container runtime (${runtime.reason}) and no redis-server binary on PATH` };
}

export async function redisAvailability(machine: Machine = {}): Promise<Availability> {
  const plan = await planRedis(machine);
  if (plan.via !== 'none') return { available: true };
  return { available: false, reason: plan.reason, enable: `${INSTALL_COMMAND} (or start Docker, so testcontainers can run ${REDIS_IMAGE})` };
}

/** `fakeTime`: under libfaketime (default: where it is installed; a server that will not start under it runs on the real clock and says why). */
export async function startRedis({ tmpDir, log, signal, fakeTime }: { tmpDir: string; log(line: string): void; signal?: AbortSignal; fakeTime?: boolean }): Promise<RunningRedis> {
  const plan = await planRedis();
  if (plan.via === 'none') throw new Error(`${plan.reason}; install it with: ${INSTALL_COMMAND}`);
  if (plan.via === 'container') {
    log(`starting ${REDIS_IMAGE} with testcontainers …`);
    return { via: 'container', ...(await startRedisContainer()), detail: `testcontainers ${REDIS_IMAGE}` };
  }
  const wantClock = fakeTime ?? faketimeLibrary() !== null;
  let clockNote = wantClock ? '' : '; real clock (libfaketime not installed: expiry cases need it)';
  let started;
  try {
    started = await startRedisServer({ binary: plan.binary, tmpDir, signal, fakeTime: wantClock });
  } catch (error) {
    if (!wantClock || fakeTime) throw error;
    clockNote = `; real clock (under libfaketime it did not start: ${(error as Error).message.split('\n')[0]})`;
    started = await startRedisServer({ binary: plan.binary, tmpDir, signal });
  }
  const clock = started.clock;
  return {
    via: 'server',
    host: started.host,
    port: started.port,
    pid: started.spawned.child.pid,
    detail: `redis-server ${started.version} (no container runtime: ${plan.why})${clock ? `; ${clock.describe}` : clockNote}`,
    ...(clock ? { clock: { advance: (seconds: number) => clock.advance(seconds) } } : {}),
    stop: () => started.stop(),
  };
}

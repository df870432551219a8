/**
 * Redis as a KV store, with Redis's own semantics left showing: SCAN listing
 * (unordered, COUNT only a hint, repeats possible), SET EX/PX expiry with no
 * minimum, 512 MB strings. Runs testcontainers' redis:7 where a container
 * runtime exists, else a redis-server binary (runners/redis/).
 */
import { defineProvider } from '../api/index.ts';
import { missingPackage } from '../runners/optional.ts';
import { faketimeLibrary } from '../runners/faketime.ts';

// ioredis (and testcontainers) are optional peer dependencies: the runner is imported only when this provider is used.
const runtime = () => import('../runners/redis/runtime.ts');
const store = () => import('../runners/redis/store.ts');

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'redis-server';

export default defineProvider({
  id: 'redis',
  title: 'Redis 7 (SET/GET/DEL/SCAN through ioredis)',
  kind: 'local',
  runtime: 'redis:7 via testcontainers, else redis-server',
  capabilities: {
    ttl: true,
    // Metadata is a second key of the same name in database 1, written atomically with the value.
    metadata: true,
    // redis-server under libfaketime, frozen and moved by the kit (runners/faketime.ts); the
    // container path has no clock, and the engine skips clock cases for an instance without one.
    clock: faketimeLibrary() !== null,
    durable: false,
    strongConsistency: true,
  },
  docs: 'https://redis.io/docs/latest/commands/scan/',
  availability: async () => missingPackage('ioredis', 'the redis provider') ?? (await runtime()).redisAvailability(),
  start: async ({ tmpDir, log, signal, options }) => (await store()).startRedisKv({ tmpDir, log, signal, fakeTime: options.faketime === '0' ? false : undefined }),
});

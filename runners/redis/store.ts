/**
 * The KV operations on a real Redis, as a Redis user would write them (ioredis,
 * binary-safe). Nothing here smooths Redis over: listing is SCAN (unordered,
 * COUNT is a hint, repeats possible), TTLs go to SET as they are, and Redis's
 * own error text is kept verbatim.
 *
 * Layout: the value is a plain string at the key itself in database 0; the
 * metadata (JSON) is a second key of the same name in database 1, so SCAN in
 * database 0 only ever sees user keys. Both are written by one Lua script
 * (atomic, same expiry), and the value's SET runs first, so a SET that Redis
 * refuses changes nothing.
 */
import { Redis, ReplyError } from 'ioredis';
import type { Entry, JsonValue, KvInstance, ListOptions, ListPage, NativeOp, NativeOpResult, PutOptions } from '../../api/index.ts';
import { NativeError, type NativeErrorClass } from '../../api/index.ts';
import { startRedis, type RunningRedis } from './runtime.ts';

export const METADATA_DB = 1;

const PUT = `
local set = {'SET', KEYS[1], ARGV[1]}
if ARGV[3] ~= '' then set[4] = ARGV[3]; set[5] = ARGV[4] end
local reply = redis.pcall(unpack(set))
if type(reply) == 'table' and reply.err then return reply end
redis.call('SELECT', ${METADATA_DB})
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else set[3] = ARGV[2]; redis.call(unpack(set)) end
return 'OK'`;

// SELECT inside a script only changes the script's own database, never the connection's.
const GET = `
local value = redis.call('GET', KEYS[1])
redis.call('SELECT', ${METADATA_DB})
return {value, redis.call('GET', KEYS[1])}`;

const DELETE = `
redis.call('DEL', KEYS[1])
redis.call('SELECT', ${METADATA_DB})
redis.call('DEL', KEYS[1])
return 'OK'`;

type Scripted = Redis & {
  kvPut(key: string, value: Buffer, metadata: string, unit: string, amount: string): Promise<string>;
  kvGetBuffer(key: string): Promise<[Buffer | null, Buffer | null]>;
  kvDelete(key: string): Promise<string>;
};

export class RedisKvStore {
  private constructor(private readonly redis: Scripted) {}

  /** Connects (bounded) and defines the scripts. */
  static async connect(host: string, port: number): Promise<RedisKvStore> {
    const redis = new Redis({
      host,
      port,
      lazyConnect: true,
      connectTimeout: 5000,
      commandTimeout: 60_000, // a hung server becomes a 'timeout' error, not a stuck call
      // A dead server should fail the operation, not hang the run retrying.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => (times > 3 ? null : 100),
    }) as Scripted;
    redis.on('error', () => {}); // surfaced per operation instead
    redis.defineCommand('kvPut', { numberOfKeys: 1, lua: PUT });
    redis.defineCommand('kvGet', { numberOfKeys: 1, lua: GET });
    redis.defineCommand('kvDelete', { numberOfKeys: 1, lua: DELETE });
    await redis.connect();
    return new RedisKvStore(redis);
  }

  /** redis_version from INFO server: the version of the server actually answering. */
  async version(): Promise<string> {
    const info = await call(() => this.redis.info('server'));
    const match = /^redis_version:(.+)$/m.exec(info);
    if (!match) throw new Error(`INFO server has no redis_version line:\n${info.slice(0, 500)}`);
    return match[1].trim();
  }

  async ping(): Promise<boolean> {
    return this.redis.ping().then(
      (reply) => reply === 'PONG',
      () => false,
    );
  }

  async get(key: string): Promise<Entry | null> {
    const [value, metadata] = await call(() => this.redis.kvGetBuffer(key));
    if (value === null) return null;
    return { value: new Uint8Array(value), metadata: metadata === null ? null : (JSON.parse(metadata.toString('utf8')) as JsonValue) };
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<void> {
    const [unit, amount] = expiryArguments(options.ttlSeconds);
    const metadata = options.metadata === undefined || options.metadata === null ? '' : JSON.stringify(options.metadata);
    await call(() => this.redis.kvPut(key, toBuffer(value), metadata, unit, amount), options.ttlSeconds !== undefined);
  }

  async delete(key: string): Promise<void> {
    await call(() => this.redis.kvDelete(key));
  }

  /** One SCAN call: the cursor is Redis's own ("0" starts and ends a walk). */
  async list(options: ListOptions = {}): Promise<ListPage> {
    const args: (string | number)[] = [];
    if (options.prefix) args.push('MATCH', escapeGlob(options.prefix) + '*');
    if (options.limit !== undefined) args.push('COUNT', options.limit);
    const [next, keys] = await call(() => this.redis.call('SCAN', options.cursor ?? '0', ...args) as Promise<[string, string[]]>);
    const complete = next === '0';
    return { keys, cursor: complete ? null : next, complete };
  }

  /** A pipeline: one round trip, ops in order, each with its own result. */
  async batch(ops: NativeOp[]): Promise<NativeOpResult[]> {
    const results: NativeOpResult[] = [];
    for (let i = 0; i < ops.length; i += 1000) {
      results.push(...(await Promise.all(ops.slice(i, i + 1000).map((op) => this.settle(op)))));
    }
    return results;
  }

  /** Drops the connection at once: QUIT would wait for an answer a hung server never gives. */
  async close(): Promise<void> {
    this.redis.disconnect();
  }

  // ioredis queues commands issued in the same tick into one write, so this pipelines.
  private async settle(op: NativeOp): Promise<NativeOpResult> {
    try {
      switch (op.op) {
        case 'get':
          return { ok: true, entry: await this.get(op.key) };
        case 'put':
          await this.put(op.key, op.value, op.options);
          return { ok: true };
        case 'delete':
          await this.delete(op.key);
          return { ok: true };
        case 'list':
          return { ok: true, page: await this.list(op.options) };
      }
    } catch (error) {
      if (error instanceof NativeError) return { ok: false, error };
      throw error;
    }
  }
}

/**
 * SET's expiry: EX for whole seconds, PX for fractions (EX takes integers only).
 * The number goes to Redis as it is: Redis itself refuses 0, negatives and
 * fractions of a millisecond, with its own message.
 */
export function expiryArguments(ttlSeconds: number | undefined): [string, string] {
  if (ttlSeconds === undefined) return ['', ''];
  if (Number.isInteger(ttlSeconds)) return ['EX', String(ttlSeconds)];
  // 1.1 * 1000 is 1100.0000000000002 in binary floating point: that is ours, not Redis's, so round it away.
  const ms = ttlSeconds * 1000;
  return ['PX', String(Math.abs(ms - Math.round(ms)) < 1e-6 ? Math.round(ms) : ms)];
}

/** A prefix as a literal in a SCAN MATCH glob: * ? [ ] and \ are escaped with a backslash. */
export const escapeGlob = (prefix: string) => prefix.replace(/[*?[\]\\]/g, '\\$&');

const toBuffer = (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/** Runs one Redis call; a Redis or connection failure becomes a NativeError with Redis's text. */
async function call<T>(operation: () => Promise<T>, ttlGiven = false): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    throw new NativeError(message, classify(error, message, ttlGiven), { nativeName: (error as Error)?.name });
  }
}

function classify(error: unknown, message: string, ttlGiven: boolean): NativeErrorClass {
  if (!(error instanceof ReplyError)) return /timed? ?out/i.test(message) ? 'timeout' : 'unavailable';
  // maxmemory reached under the noeviction policy: a backend limit, not a bad request.
  if (/^OOM /.test(message)) return 'limit-exceeded';
  if (/expire time/.test(message) || (ttlGiven && /not an integer/.test(message))) return 'invalid-ttl';
  if (/max(imum)? allowed size|bulk length|proto-max-bulk-len/i.test(message)) return 'too-large';
  if (/cursor|syntax error|not an integer/i.test(message)) return 'invalid-argument';
  return 'internal';
}

/** The Redis KvInstance: a server started here (runtime.ts), reached through RedisKvStore. */
export interface RedisKv extends KvInstance {
  store: RedisKvStore;
  server: RunningRedis;
}

export async function startRedisKv(options: { tmpDir: string; log(line: string): void; signal?: AbortSignal; fakeTime?: boolean }): Promise<RedisKv> {
  const server = await startRedis(options);
  let store: RedisKvStore;
  let version: string;
  try {
    store = await RedisKvStore.connect(server.host, server.port);
    version = await store.version();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    runtime: { name: 'redis', version, detail: server.detail },
    store,
    server,
    get: (key) => store.get(key),
    put: (key, value, putOptions) => store.put(key, value, putOptions),
    delete: (key) => store.delete(key),
    list: (listOptions) => store.list(listOptions),
    batch: (ops) => store.batch(ops),
    ...(server.clock ? { clock: server.clock } : {}),
    alive: () => store.ping(),
    async stop() {
      await store.close();
      await server.stop();
    },
  };
}

/**
 * etcd as a KV store under the contract: a real etcd server, no clock to move. TTLs are leases,
 * so the kit measures expiry in real time when asked (--real-time=SECONDS).
 *   npx kvparity test --provider=./examples/etcd/etcd.ts --real-time=75
 * Needs Debian's etcd-server (the etcd binary on PATH) and the etcd3 client (npm i -D etcd3 cockatiel).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { classifyNativeMessage, defineProvider, NativeError, type Entry, type KvInstance, type ListPage, type NativeOp, type NativeOpResult, type PutOptions } from 'kvparity';

/** The etcd binary on PATH, or null. */
function etcdBinary(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'etcd'))) return join(dir, 'etcd');
  return null;
}

/** A loopback port nobody listens on (etcd binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The store's own error, verbatim, classed as the kit classes any message. */
function native(error: unknown): NativeError {
  const { message, name } = error as Error;
  return new NativeError(message, classifyNativeMessage(message), { nativeName: name });
}

async function call<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw native(error);
  }
}

/** etcd's end of a prefix range: the prefix with its last byte below 0xff raised by one ("\0": every key). */
function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) return Buffer.concat([end.subarray(0, i), Buffer.from([end[i] + 1])]);
  }
  return Buffer.from([0]);
}

export default defineProvider({
  id: 'etcd',
  title: 'etcd (a real server, TTLs as leases)',
  kind: 'local',
  runtime: "etcd (Debian's etcd-server) through the etcd3 client",
  // No clock: etcd counts leases on its own time, so expiry is measured in real time when asked.
  capabilities: { ttl: true, metadata: false, clock: false, durable: true, strongConsistency: true },
  docs: 'https://etcd.io/docs/v3.4/learning/api/',

  async availability() {
    if (!etcdBinary()) return { available: false, reason: 'no etcd binary on PATH', enable: 'apt-get install etcd-server' };
    return { available: true };
  },

  async start({ tmpDir, signal }) {
    const binary = etcdBinary();
    if (!binary) throw new Error('no etcd binary on PATH: apt-get install etcd-server');
    const [client, peer] = [await freePort(), await freePort()];
    // The data on tmpfs where there is one (etcd syncs every write, and the kit writes 10,001 keys for a
    // probe), the same for the same tmpDir: a new start() finds what the last one wrote.
    const shm = `/dev/shm/kvparity-etcd-${createHash('sha256').update(tmpDir).digest('hex').slice(0, 16)}`;
    const dataDir = existsSync('/dev/shm') ? shm : join(tmpDir, 'etcd');
    mkdirSync(dataDir, { recursive: true });
    const log = join(tmpDir, 'etcd.log');
    const peerUrl = `http://127.0.0.1:${peer}`;
    const clientUrl = `http://127.0.0.1:${client}`;
    const server: ChildProcess = spawn(
      binary,
      ['--name', 'kvparity', '--data-dir', dataDir, '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl, '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `kvparity=${peerUrl}`],
      { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] },
    );
    // The kit leaves through process.exit on every path: the server and its data go with it.
    const kill = () => server.kill('SIGKILL');
    process.on('exit', kill);
    if (dataDir === shm) process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
    let exited = false;
    server.once('exit', () => void (exited = true));
    // No retries and no circuit breaker (etcd3's defaults, through cockatiel): the kit must see the store's own answer to
    // every call, and a refused 25 MiB value must not make the client refuse the calls after it.
    const etcd = new Etcd3({ hosts: clientUrl, faultHandling: { host: () => noop, global: noop } });
    const stop = async () => {
      etcd.close();
      if (!exited) {
        const gone = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await gone;
      }
      process.off('exit', kill);
    };

    // Ready when it answers; a server that exits or never answers says why, from its own log.
    let version = '';
    for (const deadline = Date.now() + 30_000; !version; ) {
      if (exited || signal.aborted || Date.now() > deadline) {
        await stop();
        const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join('\n') : '';
        throw new Error(`etcd did not answer on ${clientUrl}${exited ? ' (it exited)' : ''}: ${tail}`);
      }
      version = await etcd.maintenance.status().then((status) => status.version, () => '');
      if (!version) await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const instance: KvInstance = {
      runtime: { name: 'etcd', version, detail: clientUrl },

      async get(key: string): Promise<Entry | null> {
        const value = await call(() => etcd.get(key).buffer());
        return value === null ? null : { value: new Uint8Array(value), metadata: null };
      },

      // A TTL is a lease of its own, granted as asked (etcd decides what it honours); a put without one detaches the key from any lease.
      async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<void> {
        const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        if (options.ttlSeconds === undefined) {
          await call(() => etcd.put(key).value(bytes).exec());
          return;
        }
        const ttl = options.ttlSeconds;
        await call(() => etcd.lease(ttl, { autoKeepAlive: false }).put(key).value(bytes).exec());
      },

      async delete(key: string): Promise<void> {
        await call(() => etcd.delete().key(key).exec());
      },

      // One range read: keys in byte order from after the cursor (the last key of the page before) to the prefix's end.
      async list({ prefix = '', limit, cursor }): Promise<ListPage> {
        const start = cursor === undefined ? Buffer.from(prefix) : Buffer.concat([Buffer.from(cursor, 'base64url'), Buffer.from([0])]);
        const response = await call(() =>
          etcd.kv.range({ key: start.length ? start : Buffer.from([0]), range_end: prefixEnd(Buffer.from(prefix)), keys_only: true, ...(limit !== undefined ? { limit } : {}) }),
        );
        const keys = response.kvs.map((kv) => kv.key.toString('utf8'));
        const last = response.kvs[response.kvs.length - 1]?.key;
        return { keys, cursor: response.more && last ? last.toString('base64url') : null, complete: !response.more };
      },

      // Many operations at once: a run of writes to distinct keys (or of reads) goes side by side, since
      // their order cannot matter; anything else in order. The kit writes 10,001 keys for its page probes.
      async batch(ops: NativeOp[]): Promise<NativeOpResult[]> {
        const results: NativeOpResult[] = [];
        const one = async (op: NativeOp): Promise<NativeOpResult> => {
          try {
            if (op.op === 'get') return { ok: true, entry: await instance.get(op.key) };
            if (op.op === 'put') await instance.put(op.key, op.value, op.options);
            else if (op.op === 'delete') await instance.delete(op.key);
            else return { ok: true, page: await instance.list(op.options) };
            return { ok: true };
          } catch (error) {
            if (error instanceof NativeError) return { ok: false, error };
            throw error;
          }
        };
        for (let i = 0; i < ops.length; ) {
          const group = [ops[i]];
          const keys = new Set(ops[i].op === 'list' ? [] : [(ops[i] as { key: string }).key]);
          const reads = ops[i].op === 'get';
          for (let j = i + 1; j < ops.length && group.length < 256 && ops[i].op !== 'list'; j++) {
            const op = ops[j];
            if (op.op === 'list' || (op.op === 'get') !== reads || (!reads && keys.has(op.key))) break;
            group.push(op);
            keys.add(op.key);
          }
          results.push(...(await Promise.all(group.map(one))));
          i += group.length;
        }
        return results;
      },

      alive: async () => !exited && (await etcd.maintenance.status().then(() => true, () => false)),
      stop,
    };
    return instance;
  },
});

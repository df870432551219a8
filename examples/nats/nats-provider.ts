/**
 * NATS JetStream KV as a provider, written as an author outside the kit writes one: the public
 * API only. It starts a real nats-server with JetStream (Debian's `nats-server`) in the run's
 * temp directory, on a free loopback port, and stops it afterwards. Keys go to NATS as they are:
 * NATS takes only `[-/_=.a-zA-Z0-9]`, and the kit runs every case that is not about characters
 * with keys of that alphabet, so the alphabet is one divergence and everything else is tested.
 *   npm test -- --config=examples/nats/kvparity.config.json
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { classifyNativeMessage, compareUtf8, defineProvider, NativeError, type Entry, type ListPage, type PutOptions } from 'kvparity';

/** nats-server on the PATH, or where Debian's package puts it (/usr/sbin is not on every user's PATH). */
function findServer(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  return dirs.filter(Boolean).map((dir) => join(dir, 'nats-server')).find((path) => existsSync(path)) ?? null;
}

/** A port nothing listens on now, on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The client's errors as the store's own: its message verbatim, with the kit's best-effort class. */
function nativeError(error: unknown): NativeError {
  const message = (error as Error).message ?? String(error);
  const errorClass = /^invalid key/.test(message) ? 'invalid-key' : /max_payload|control line/.test(message) ? 'too-large' : classifyNativeMessage(message);
  return new NativeError(message, errorClass, { nativeName: (error as Error).name });
}

/**
 * The server answers a request it cannot parse (a subject over its control line) by closing the
 * connection; the client reconnects. The requests in flight would wait for their timeout: they
 * fail at once instead, with what the server said, and the next ones wait for the reconnection.
 */
function serverErrors(nc: NatsConnection): <T>(call: () => Promise<T>) => Promise<T> {
  const inFlight = new Set<(error: Error) => void>();
  let connected: Promise<void> = Promise.resolve();
  let reconnected = () => {};
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'error') {
        const said = new Error(`the server closed the connection: ${status.error.message}`);
        for (const reject of inFlight) reject(said);
        const before = reconnected;
        connected = new Promise((resolve) => (reconnected = () => (before(), resolve())));
      } else if (status.type === 'reconnect' || status.type === 'close') reconnected();
    }
  })();
  return async (call) => {
    await connected;
    let reject!: (error: Error) => void;
    const closed = new Promise<never>((_, r) => (reject = r));
    inFlight.add(reject);
    try {
      return await Promise.race([call(), closed]);
    } catch (error) {
      throw nativeError(error);
    } finally {
      inFlight.delete(reject);
    }
  };
}

async function connectWhenUp(port: number, server: ChildProcess): Promise<NatsConnection> {
  for (let tries = 0; ; tries++) {
    if (server.exitCode !== null) throw new Error(`nats-server exited with code ${server.exitCode} before it answered`);
    try {
      return await connect({ servers: `127.0.0.1:${port}`, reconnectTimeWait: 50 });
    } catch (error) {
      if (tries >= 100) throw new Error(`nats-server did not answer on 127.0.0.1:${port} within 10 s: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export default defineProvider({
  id: 'nats-kv',
  title: 'NATS JetStream KV (nats-server with JetStream, @nats-io/kv)',
  kind: 'local',
  runtime: 'nats-server -js on loopback, through @nats-io/kv',
  // NATS 2.9 expires a whole bucket (max age), never one key, and KV entries carry no metadata.
  capabilities: { ttl: false, metadata: false, clock: false, durable: true, strongConsistency: true },
  docs: 'https://docs.nats.io/nats-concepts/jetstream/key-value-store',

  async availability() {
    if (findServer()) return { available: true };
    return { available: false, reason: 'nats-server is not installed', enable: 'apt-get install nats-server' };
  },

  async start({ tmpDir }) {
    const binary = findServer();
    if (!binary) throw new Error('nats-server is not installed (apt-get install nats-server)');
    const port = await freePort();
    const server = spawn(binary, ['-js', '-sd', join(tmpDir, 'jetstream'), '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    // The kit leaves through process.exit on every path: the server goes with it.
    const kill = () => server.kill('SIGKILL');
    process.on('exit', kill);
    let nc: NatsConnection;
    let kv: KV;
    try {
      nc = await connectWhenUp(port, server);
      kv = await new Kvm(nc).create('kvparity');
    } catch (error) {
      kill();
      process.off('exit', kill);
      throw error;
    }
    const version = nc.info?.version ?? spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const native = serverErrors(nc);

    return {
      runtime: { name: 'nats-server', version, detail: `127.0.0.1:${port}, JetStream in ${tmpDir}` },

      async get(key: string): Promise<Entry | null> {
        const entry = await native(() => kv.get(key));
        // A deleted key reads back as its delete marker.
        return entry && entry.operation === 'PUT' ? { value: entry.value, metadata: null } : null;
      },

      async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<void> {
        // Refused, never ignored: a TTL or metadata the store cannot keep must not look kept.
        if (options.ttlSeconds !== undefined) throw new NativeError('NATS KV expires a whole bucket (max age), not one key: put() takes no TTL', 'unsupported');
        if (options.metadata !== undefined) throw new NativeError('NATS KV entries carry no metadata', 'unsupported');
        await native(() => kv.put(key, value));
      },

      // NATS keeps a delete marker; get() reads it as no entry, keys() leaves it out.
      async delete(key: string): Promise<void> {
        await native(() => kv.delete(key));
      },

      // NATS lists every key of a bucket, in the order of their last write; filtered and sorted
      // here, so a cursor (the last key of a page) resumes a walk even if keys change meanwhile.
      async list({ prefix = '', limit = 1000, cursor }): Promise<ListPage> {
        if (!Number.isInteger(limit) || limit < 1) throw new NativeError(`limit must be a whole number of at least 1, got ${limit}`, 'invalid-argument');
        const keys: string[] = [];
        for await (const key of await native(() => kv.keys())) {
          if (key.startsWith(prefix) && (cursor === undefined || compareUtf8(key, cursor) > 0)) keys.push(key);
        }
        keys.sort(compareUtf8);
        const page = keys.slice(0, limit);
        const more = keys.length > limit;
        return { keys: page, cursor: more ? page[page.length - 1] : null, complete: !more };
      },

      async alive() {
        return server.exitCode === null && !nc.isClosed();
      },

      async stop() {
        await nc.close().catch(() => {});
        server.kill('SIGTERM');
        if (server.exitCode === null) await new Promise((resolve) => server.once('exit', resolve));
        process.off('exit', kill);
      },
    };
  },
});

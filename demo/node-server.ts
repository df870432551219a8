/**
 * The demo on Node: demo/routes.js over the kit's real KvHandle (contract/handle.ts)
 * on the SQLite store. Run by hand:
 *   node --import tsx demo/node-server.ts [--port=8787] [--host=127.0.0.1] [--db=FILE]
 * It prints "app-demo listening on <url>" once ready and exits cleanly on SIGTERM/SIGINT
 * (so coverage written through NODE_V8_COVERAGE is complete).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KvHandle } from '../contract/handle.ts';
import { SqliteKvStore } from '../runners/sqlite/store.ts';
import { routeDemo } from './routes.js';

export interface NodeDemo {
  url: string;
  server: Server;
  store: SqliteKvStore;
  close(): Promise<void>;
}

export async function startNodeDemo({ port = 0, host = '127.0.0.1', dbPath }: { port?: number; host?: string; dbPath: string }): Promise<NodeDemo> {
  const store = new SqliteKvStore(dbPath);
  const handle = new KvHandle({
    get: async (key) => store.get(key),
    put: async (key, value, options) => store.put(key, value, options),
    delete: async (key) => store.delete(key),
    list: async (options) => store.list(options),
  });
  const server = createServer((req, res) => void serve(req, res, handle));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${host}:${address.port}`,
    server,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handle: KvHandle): Promise<void> {
  // The raw request target, as EdgeZero's router sees it (no percent-decoding, no dot-segment folding).
  const target = req.url ?? '/';
  const path = target.split('?')[0];
  let refused = false;
  const answer = await routeDemo(
    {
      method: req.method ?? 'GET',
      path,
      readBody: async (limit: number) => {
        const body = await readBounded(req, limit);
        refused = body === null;
        return body;
      },
    },
    handle,
  );
  const body = answer.body === null ? undefined : typeof answer.body === 'string' ? Buffer.from(answer.body) : Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength);
  const headers: Record<string, string | number> = { ...answer.headers };
  // Like hyper: an explicit length (0 for an empty body), none on 204.
  if (answer.status !== 204) headers['content-length'] = body?.byteLength ?? 0;
  // The rest of an oversize body was never read: close the connection instead of reusing it.
  if (refused) headers.connection = 'close';
  res.writeHead(answer.status, headers);
  res.end(body);
}

/** Reads the body, or stops at the first chunk past `limit` and resolves null (nothing more is read). */
function readBounded(req: IncomingMessage, limit: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit) {
        req.off('data', onData).off('end', onEnd).off('error', reject);
        req.pause();
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      const body = Buffer.concat(chunks, total);
      resolve(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
    };
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function flag(argv: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  const found = argv.find((arg) => arg.startsWith(prefix));
  return found?.slice(prefix.length);
}

async function main(argv: string[]): Promise<void> {
  const known = ['port', 'host', 'db'];
  for (const arg of argv) {
    const name = /^--([^=]+)=/.exec(arg)?.[1];
    if (!name || !known.includes(name)) {
      process.stderr.write(`node-server: unknown argument "${arg}" (takes --port=N --host=ADDR --db=FILE)\n`);
      process.exit(2);
    }
  }
  const port = Number(flag(argv, 'port') ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`node-server: --port must be a whole number from 0 to 65535 (got "${flag(argv, 'port')}")\n`);
    process.exit(2);
  }
  const ownDir = flag(argv, 'db') ? null : mkdtempSync(join(tmpdir(), 'kvparity-demo-'));
  const dbPath = flag(argv, 'db') ?? join(ownDir!, 'kv.sqlite');
  let demo: NodeDemo;
  try {
    demo = await startNodeDemo({ port, host: flag(argv, 'host') ?? '127.0.0.1', dbPath });
  } catch (error) {
    process.stderr.write(`node-server: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`app-demo listening on ${demo.url} (sqlite ${SqliteKvStore.version()}, ${dbPath})\n`);
  const stop = async () => {
    await demo.close();
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));

/**
 * The demo on Node: demo/routes.js over the kit's real KvHandle (contract/handle.ts),
 * one SQLite file per store id (`<data-dir>/<id>.sqlite`, as EdgeZero's axum adapter
 * keeps one redb file per id). Run by hand:
 *   node --import tsx demo/node-server.ts [--port=8787] [--host=127.0.0.1] [--data-dir=DIR] [--stores=sessions,cache]
 * `--stores` registers only the ids named (the others answer 503 "not registered").
 * It prints "app-demo listening on <url>" once ready and exits cleanly on SIGTERM/SIGINT
 * (so coverage written through NODE_V8_COVERAGE is complete).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KvHandle } from '../contract/handle.ts';
import { SqliteKvStore } from '../runners/sqlite/store.ts';
import { KV_STORE_IDS, routeDemo, type DemoStores } from './routes.js';

export interface NodeDemo {
  url: string;
  server: Server;
  /** The SQLite store behind each registered id. */
  stores: Record<string, SqliteKvStore>;
  close(): Promise<void>;
}

export interface NodeDemoOptions {
  port?: number;
  host?: string;
  dataDir: string;
  /** The ids to register (default: all of KV_STORE_IDS). */
  storeIds?: readonly string[];
}

export async function startNodeDemo({ port = 0, host = '127.0.0.1', dataDir, storeIds = KV_STORE_IDS }: NodeDemoOptions): Promise<NodeDemo> {
  mkdirSync(dataDir, { recursive: true });
  const stores: Record<string, SqliteKvStore> = {};
  const registry: DemoStores = {};
  for (const id of storeIds) {
    const store = (stores[id] = new SqliteKvStore(join(dataDir, `${id}.sqlite`)));
    registry[id] = new KvHandle({
      get: async (key) => store.get(key),
      put: async (key, value, options) => store.put(key, value, options),
      delete: async (key) => store.delete(key),
      list: async (options) => store.list(options),
    });
  }
  const server = createServer((req, res) => void serve(req, res, registry));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${host}:${address.port}`,
    server,
    stores,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const store of Object.values(stores)) store.close();
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, registry: DemoStores): Promise<void> {
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
    registry,
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
  const known = ['port', 'host', 'data-dir', 'stores'];
  for (const arg of argv) {
    const name = /^--([^=]+)=/.exec(arg)?.[1];
    if (!name || !known.includes(name)) {
      process.stderr.write(`node-server: unknown argument "${arg}" (takes --port=N --host=ADDR --data-dir=DIR --stores=ID,...)\n`);
      process.exit(2);
    }
  }
  const port = Number(flag(argv, 'port') ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`node-server: --port must be a whole number from 0 to 65535 (got "${flag(argv, 'port')}")\n`);
    process.exit(2);
  }
  const storeIds = flag(argv, 'stores')?.split(',').filter(Boolean) ?? KV_STORE_IDS;
  const strange = storeIds.find((id) => !KV_STORE_IDS.includes(id));
  if (strange !== undefined) {
    process.stderr.write(`node-server: --stores takes ids of the demo's manifest (${KV_STORE_IDS.join(', ')}), not "${strange}"\n`);
    process.exit(2);
  }
  const ownDir = flag(argv, 'data-dir') ? null : mkdtempSync(join(tmpdir(), 'kvparity-demo-'));
  const dataDir = flag(argv, 'data-dir') ?? ownDir!;
  let demo: NodeDemo;
  try {
    demo = await startNodeDemo({ port, host: flag(argv, 'host') ?? '127.0.0.1', dataDir, storeIds });
  } catch (error) {
    process.stderr.write(`node-server: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const files = storeIds.map((id) => `${id}.sqlite`).join(', ');
  process.stdout.write(`app-demo listening on ${demo.url} (sqlite ${SqliteKvStore.version()}, ${dataDir}: ${files || 'no stores'})\n`);
  const stop = async () => {
    await demo.close();
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));

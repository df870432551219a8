/**
 * Starts the demo (routes.js) on one of three real runtimes and hands back its URL:
 *   sqlite      Node HTTP server (node-server.ts) on the SQLite store, as a child process
 *   cloudflare  the Worker (worker.js) in workerd through Miniflare, one KV binding per store id
 *   fastly      the js-compute app (fastly-app.js) built to wasm, served by Viceroy, one KV store per store id
 * Every start waits for GET / with a bound and gives up early if the runtime dies;
 * every runtime is stopped by stop() and, failing that, killed when the kit exits.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KIT_ROOT } from '../runners/kit.ts';
import { spawnTracked, tempDir, waitForHttp, waitUntil, answers200, type Spawned } from '../runners/process.ts';
import { startWorkerd } from '../runners/miniflare/runtime.ts';
import { ensureViceroy } from '../runners/viceroy/install.ts';
import { fastlyToml, serveWasm } from '../runners/viceroy/runtime.ts';
import { ensureWasm, jsComputeVersion, type ComputeApp } from '../runners/viceroy/wasm.ts';
import { KV_STORE_IDS } from './routes.js';

export const DEMO_RUNTIMES = ['sqlite', 'cloudflare', 'fastly'] as const;
export type DemoRuntime = (typeof DEMO_RUNTIMES)[number];

/** The demo's store ids (upstream's `[stores.kv] ids`); each is also the platform store's name. */
const STORES = KV_STORE_IDS.join(', ');

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const DEMO_DIR = here('./');
// The Node server runs from the clone's sources through tsx, so c8 reports on demo/ itself.
const ROOT = KIT_ROOT;
const NODE_SERVER = join(KIT_ROOT, 'demo/node-server.ts');
const SHARED_JS = ['routes.js', 'kv-handle.js'].map((name) => join(DEMO_DIR, name));
/** The demo as a js-compute app: fastly-app.js and the modules it shares with the Worker. */
const DEMO_APP: ComputeApp = { name: 'demo', entry: join(DEMO_DIR, 'fastly-app.js'), sources: [join(DEMO_DIR, 'fastly-app.js'), ...SHARED_JS] };

/** 60 s as in EdgeZero's smoke script; Viceroy compiles a js-compute wasm not yet in its compile cache first (up to about 40 s on 2 cores). */
export const READY_TIMEOUT_MS: Record<DemoRuntime, number> = { sqlite: 60_000, cloudflare: 60_000, fastly: 180_000 };

export interface DemoOptions {
  log: (message: string) => void;
  /** Bound on the wait for GET / (default READY_TIMEOUT_MS for the runtime). */
  readyTimeoutMs?: number;
  /** sqlite only: NODE_V8_COVERAGE directory for the server process. */
  coverageDir?: string;
  signal?: AbortSignal;
}

export interface RunningDemo {
  runtime: DemoRuntime;
  url: string;
  /** What serves it, in words, with versions. */
  description: string;
  /** Resolves if the runtime dies on its own (never for an in-process one). */
  died: Promise<string>;
  stop(): Promise<void>;
}

export function isDemoRuntime(name: string): name is DemoRuntime {
  return (DEMO_RUNTIMES as readonly string[]).includes(name);
}

export async function startDemo(runtime: DemoRuntime, options: DemoOptions): Promise<RunningDemo> {
  options.signal?.throwIfAborted();
  switch (runtime) {
    case 'sqlite':
      return startNode(options);
    case 'cloudflare':
      return startWorker(options);
    case 'fastly':
      return startFastly(options);
  }
}

const deathOf = (spawned: Spawned, what: string) =>
  spawned.exited.then(({ code, signal }) => `${what} exited (${signal ?? `code ${code}`}):\n${spawned.output().slice(-2000)}`);

async function startNode(options: DemoOptions): Promise<RunningDemo> {
  const dir = tempDir('demo-sqlite');
  const env = { ...process.env, ...(options.coverageDir ? { NODE_V8_COVERAGE: options.coverageDir } : {}) };
  // --port=0: the server picks a free port and prints its URL, so no port race.
  const spawned = spawnTracked(process.execPath, ['--import', 'tsx', NODE_SERVER, '--port=0', `--data-dir=${dir}`], { cwd: ROOT, env });
  const printedUrl = () => /app-demo listening on (http:\/\/\S+)/.exec(spawned.output())?.[1];
  try {
    await waitUntil('the Node demo server', async () => !!printedUrl() && answers200(`${printedUrl()}/`), {
      timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS.sqlite,
      spawned,
    });
  } catch (error) {
    await spawned.stop(500);
    throw error;
  }
  const url = printedUrl()!;
  return {
    runtime: 'sqlite',
    url,
    description: `Node ${process.version} HTTP server, KvHandle (contract/handle.ts) over SQLite (better-sqlite3)`,
    died: deathOf(spawned, 'the Node demo server'),
    stop: () => spawned.stop(5000),
  };
}

async function startWorker(options: DemoOptions): Promise<RunningDemo> {
  const timeoutMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS.cloudflare;
  const workerd = await startWorkerd({
    modulesRoot: DEMO_DIR,
    modules: [join(DEMO_DIR, 'worker.js'), ...SHARED_JS],
    storage: { kvNamespaces: [...KV_STORE_IDS] },
    readyTimeoutMs: timeoutMs,
    signal: options.signal,
  });
  try {
    await waitForHttp('the demo Worker', `${workerd.url}/`, { timeoutMs });
  } catch (error) {
    await workerd.stop().catch(() => {});
    throw new Error(`${(error as Error).message}${workerd.output().trim() ? `\nworkerd output:\n${workerd.output().slice(-2000)}` : ''}`);
  }
  return {
    runtime: 'cloudflare',
    url: workerd.url,
    description: `workerd ${workerd.info.version} through Miniflare ${workerd.info.miniflareVersion}, Workers KV bindings ${STORES}`,
    died: new Promise(() => {}),
    stop: () => workerd.stop(),
  };
}

async function startFastly(options: DemoOptions): Promise<RunningDemo> {
  // Builds Viceroy once, or waits for a build another run has under way.
  const viceroy = await ensureViceroy(options.log, options.signal);
  const wasm = await ensureWasm(DEMO_APP, options.log, options.signal);
  const { url, spawned } = await serveWasm({
    viceroyPath: viceroy.path,
    wasmPath: wasm.path,
    config: fastlyToml({ name: 'app-demo', kvStores: KV_STORE_IDS }),
    tmpDir: tempDir('demo-fastly'),
    readyTimeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS.fastly,
    signal: options.signal,
  });
  return {
    runtime: 'fastly',
    url,
    description: `Viceroy ${viceroy.version} serving a @fastly/js-compute ${jsComputeVersion()} app, KV stores ${STORES}`,
    died: deathOf(spawned, 'Viceroy'),
    stop: () => spawned.stop(2000),
  };
}

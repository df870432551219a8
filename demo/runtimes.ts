/**
 * Starts the demo (routes.js) on one of three real runtimes and hands back its URL:
 *   sqlite      Node HTTP server (node-server.ts) on the SQLite store, as a child process
 *   cloudflare  the Worker (worker.js) in workerd through Miniflare, one KV binding per store id
 *   fastly      the js-compute app (fastly-app.js) built to wasm, served by Viceroy, one KV store per store id
 * Every start waits for GET / with a bound and gives up early if the runtime dies;
 * every runtime is stopped by stop() and, failing that, killed when the kit exits.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cacheDir, freePort, onExit, spawnTracked, tempDir, waitUntil, type Spawned } from '../runners/process.ts';
import { workerdChildren, workerdInfo } from '../runners/miniflare/runner.ts';
import { cargoPath, ensureViceroy, findViceroy, installCommand, type ViceroyBinary } from '../runners/viceroy/install.ts';
import { jsComputeVersion } from '../runners/viceroy/bridge-wasm.ts';
import { KV_STORE_IDS } from './routes.js';

export const DEMO_RUNTIMES = ['sqlite', 'cloudflare', 'fastly'] as const;
export type DemoRuntime = (typeof DEMO_RUNTIMES)[number];

/** The demo's store ids (upstream's `[stores.kv] ids`); each is also the platform store's name. */
const STORES = KV_STORE_IDS.join(', ');

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const ROOT = here('../');
const DEMO_DIR = here('./');
const NODE_SERVER = here('./node-server.ts');
const SHARED_JS = ['routes.js', 'kv-handle.js'];
const COMPILER = here('../node_modules/.bin/js-compute-runtime');
const BUILD_TIMEOUT_MS = 5 * 60 * 1000;

/** 60 s as in EdgeZero's smoke script; Viceroy compiles the 11 MB js-compute wasm at start (about 40 s on 2 cores). */
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

const rootAnswers = async (url: string) => {
  const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  return response.status === 200;
};

const deathOf = (spawned: Spawned, what: string) =>
  spawned.exited.then(({ code, signal }) => `${what} exited (${signal ?? `code ${code}`}):\n${spawned.output().slice(-2000)}`);

async function startNode(options: DemoOptions): Promise<RunningDemo> {
  const dir = tempDir('demo-sqlite');
  const env = { ...process.env, ...(options.coverageDir ? { NODE_V8_COVERAGE: options.coverageDir } : {}) };
  // --port=0: the server picks a free port and prints its URL, so no port race.
  const spawned = spawnTracked(process.execPath, ['--import', 'tsx', NODE_SERVER, '--port=0', `--data-dir=${dir}`], { cwd: ROOT, env });
  const printedUrl = () => /app-demo listening on (http:\/\/\S+)/.exec(spawned.output())?.[1];
  try {
    await waitUntil('the Node demo server', async () => !!printedUrl() && rootAnswers(printedUrl()!), {
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
  const info = workerdInfo();
  const { Miniflare } = await import('miniflare');
  let output = '';
  const keep = (chunk: Buffer | string) => {
    output = (output + chunk.toString()).slice(-65536);
  };
  // Miniflare keeps its workerd child private: note the new workerd children of this
  // process and make sure they die with it even if dispose() never runs.
  const before = new Set(workerdChildren(info.binary));
  let pids: number[] = [];
  const newWorkerds = () => workerdChildren(info.binary).filter((pid) => !before.has(pid));
  const kill = (list: number[]) => {
    for (const pid of list) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  };
  const killLeftovers = () => kill(pids);
  // At exit, even a start still under way: every workerd child that appeared since.
  const unregister = onExit(() => kill(pids.length ? pids : newWorkerds()));
  const mf = new Miniflare({
    host: '127.0.0.1',
    port: 0,
    modulesRoot: DEMO_DIR,
    modules: [
      { type: 'ESModule', path: join(DEMO_DIR, 'worker.js') },
      ...SHARED_JS.map((name) => ({ type: 'ESModule' as const, path: join(DEMO_DIR, name) })),
    ],
    compatibilityDate: info.compatibilityDate,
    kvNamespaces: [...KV_STORE_IDS],
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', keep);
      stderr.on('data', keep);
    },
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await mf.dispose();
    } finally {
      killLeftovers();
      unregister();
    }
  };
  try {
    const ready = await withTimeout(mf.ready, options.readyTimeoutMs ?? READY_TIMEOUT_MS.cloudflare, 'Miniflare');
    pids = newWorkerds();
    const url = ready.href.replace(/\/$/, '');
    await waitUntil('the demo Worker', () => rootAnswers(url), { timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS.cloudflare });
    return {
      runtime: 'cloudflare',
      url,
      description: `workerd ${info.version} through Miniflare ${info.miniflareVersion}, Workers KV bindings ${STORES}`,
      died: new Promise(() => {}),
      stop,
    };
  } catch (error) {
    pids = newWorkerds();
    await stop().catch(() => {});
    throw new Error(`${(error as Error).message}${output.trim() ? `\nworkerd output:\n${output.slice(-2000)}` : ''}`);
  }
}

async function startFastly(options: DemoOptions): Promise<RunningDemo> {
  const viceroy = await viceroyBinary(options);
  const wasm = await ensureDemoWasm(options);
  const dir = tempDir('demo-fastly');
  const config = join(dir, 'fastly.toml');
  writeFileSync(config, fastlyToml());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawned = spawnTracked(viceroy.path, ['serve', '--addr', `127.0.0.1:${port}`, '-C', config, wasm], {
    cwd: dir,
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'error' },
  });
  try {
    await waitUntil(`Viceroy on ${url}`, () => rootAnswers(url), { timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS.fastly, spawned });
  } catch (error) {
    await spawned.stop(500);
    throw error;
  }
  return {
    runtime: 'fastly',
    url,
    description: `Viceroy ${viceroy.version} serving a @fastly/js-compute ${jsComputeVersion()} app, KV stores ${STORES}`,
    died: deathOf(spawned, 'Viceroy'),
    stop: () => spawned.stop(2000),
  };
}

export function fastlyToml(): string {
  return ['manifest_version = 3', 'name = "app-demo"', 'language = "javascript"', '', '[local_server.kv_stores]', ...KV_STORE_IDS.map((id) => `${id} = []`), ''].join('\n');
}

async function viceroyBinary(options: DemoOptions): Promise<ViceroyBinary> {
  const found = findViceroy(options.log);
  if (found) return found;
  if (!cargoPath()) throw new Error(`Viceroy is not installed and cargo is missing to build it. Run: ${installCommand()}`);
  // Builds it once, or waits for a build another run has under way.
  return ensureViceroy(options.log, options.signal);
}

/** sha256 over the js-compute version and the app's sources: the wasm cache key. */
export function demoWasmHash(): string {
  const hash = createHash('sha256').update(`js-compute ${jsComputeVersion()}\n`);
  for (const name of ['fastly-app.js', ...SHARED_JS]) hash.update(`${name}\n`).update(readFileSync(join(DEMO_DIR, name))).update('\n');
  return hash.digest('hex');
}

async function ensureDemoWasm(options: DemoOptions): Promise<string> {
  if (!jsComputeVersion() || !existsSync(COMPILER)) throw new Error('@fastly/js-compute is not installed: run `npm install` in the kvparity checkout');
  const hash = demoWasmHash();
  const dir = cacheDir('fastly-demo', hash);
  const wasm = join(dir, 'app.wasm');
  if (existsSync(wasm)) {
    options.log(`reusing demo wasm ${hash.slice(0, 12)}`);
    return wasm;
  }
  options.log(`building demo wasm ${hash.slice(0, 12)} with js-compute-runtime (about 15 s the first time)`);
  const started = Date.now();
  // Build beside the final file, then rename: a parallel run never sees half a wasm.
  const partial = join(dir, `app.${process.pid}.partial.wasm`);
  const spawned = spawnTracked(COMPILER, [join(DEMO_DIR, 'fastly-app.js'), partial], { cwd: dir });
  const onAbort = () => void spawned.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => void spawned.stop(), BUILD_TIMEOUT_MS);
  const { code } = await spawned.exited;
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onAbort);
  if (code !== 0 || !existsSync(partial)) {
    rmSync(partial, { force: true });
    throw new Error(`building the demo wasm failed (exit ${code}):\n${spawned.output().slice(-3000)}`);
  }
  renameSync(partial, wasm);
  options.log(`built demo wasm in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return wasm;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not ready after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts the kit's port of the demo (routes.js) and hands back its URL:
 *   sqlite      Node HTTP server (node-server.ts) on the SQLite store, as a child process
 * EdgeZero's own demo runs on Fastly and Cloudflare for real (runners/edgezero/demo.ts); this port
 * stays for what that demo cannot do: run where EdgeZero's source or Rust is not at hand, list a
 * store's keys (`stores kept apart`), and measure the smoke's coverage of a server (c8).
 * Every start waits for GET / with a bound and gives up early if the runtime dies;
 * every runtime is stopped by stop() and, failing that, killed when the kit exits.
 */
import { join } from 'node:path';
import { KIT_ROOT } from '../runners/kit.ts';
import { spawnTracked, tempDir, waitUntil, answers200, type Spawned } from '../runners/process.ts';

export const DEMO_RUNTIMES = ['sqlite'] as const;
export type DemoRuntime = (typeof DEMO_RUNTIMES)[number];

// The Node server runs from the clone's sources through tsx, so c8 reports on demo/ itself.
const ROOT = KIT_ROOT;
const NODE_SERVER = join(KIT_ROOT, 'demo/node-server.ts');

/** 60 s as in EdgeZero's smoke script. */
export const READY_TIMEOUT_MS: Record<DemoRuntime, number> = { sqlite: 60_000 };

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

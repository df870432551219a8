/**
 * Starts a bridge host (node-server.js) in a child Node process: a platform engine that runs
 * in Node, served over the bridge protocol on a loopback port, in its own process so that it
 * can have its own environment (libfaketime, NODE_ENV) and dies with the kit.
 *
 * Exit hygiene: the child is tracked by process.ts (killed on every exit path of the kit) and
 * also exits by itself when its stdin closes, which the kernel does when the kit dies in a way
 * no exit hook sees (SIGKILL).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { hasProcFs, spawnTracked } from '../process.ts';

const READY_TIMEOUT_MS = 60_000;

export interface NodeHostOptions {
  /** What is starting, for messages ("deno-kv host"). */
  name: string;
  /** The child's process name (at most 15 characters show in ps and /proc/<pid>/comm): the engine it runs. */
  title: string;
  /** The host script (a .js file calling hostBridge()) and its arguments. */
  script: string;
  args?: string[];
  /** Extra environment for the child, on top of the kit's. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Runs once the child has exited, however it ended (to remove what a killed child could not). */
  afterExit?: (pid: number) => void;
}

export interface NodeHost {
  url: string;
  pid: number;
  /** Everything the child wrote to stderr (bounded), for error messages. */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export async function startNodeHost(options: NodeHostOptions): Promise<NodeHost> {
  options.signal?.throwIfAborted();
  const spawned = spawnTracked(process.execPath, [options.script, ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, KVPARITY_PROCESS_TITLE: options.title },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const afterExit = options.afterExit;
  if (afterExit) void spawned.exited.then(() => afterExit(spawned.child.pid!));
  const stop = async () => {
    spawned.child.stdin?.end();
    await spawned.stop(3000);
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const line = await readyLine(spawned.child.stdout!, spawned.exited, options.name);
    let ready: { port?: number; error?: string };
    try {
      ready = JSON.parse(line) as typeof ready;
    } catch {
      throw new Error(`${options.name}: unexpected first line on stdout: ${line.slice(0, 300)}`);
    }
    if (ready.error !== undefined || typeof ready.port !== 'number') throw new Error(`${options.name} did not start: ${ready.error ?? line}`);
    return {
      url: `http://127.0.0.1:${ready.port}`,
      pid: spawned.child.pid!,
      output: spawned.output,
      alive: () => running(spawned.child),
      stop,
    };
  } catch (error) {
    await stop();
    const tail = spawned.output().trim();
    throw new Error(`${(error as Error).message}${tail ? `\n${options.name} output:\n${tail.slice(-4000)}` : ''}`, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function readyLine(stdout: NodeJS.ReadableStream, exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(() => finish(new Error(`${name}: not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const finish = (result: string | Error) => {
      clearTimeout(timer);
      lines.close();
      if (typeof result === 'string') resolve(result);
      else reject(result);
    };
    lines.once('line', finish);
    void exited.then(({ code, signal }) => finish(new Error(`${name} exited before it was ready (${signal ?? `code ${code}`})`)));
  });
}

/**
 * The child has not exited. Its exit event comes a moment after its death, so where /proc is there
 * a dead child that is not yet reaped (a zombie, state Z in /proc/<pid>/stat) counts as exited already.
 */
function running(child: ChildProcess): boolean {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  if (!hasProcFs()) return true;
  try {
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false; // already reaped
  }
}

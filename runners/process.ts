/**
 * Child-process hygiene shared by every runner: free loopback ports, bounded
 * readiness waits, and one registry of live children that is emptied on every
 * exit path (normal end, failure, exception, and SIGINT or SIGTERM where the
 * command line took them: exitOnSignals), so no workerd, viceroy or
 * redis-server outlives a run.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, mkdirSync, statfsSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const live = new Set<ChildProcess>();
const cleanups = new Set<() => void>();
let hooked = false;

function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const child of live) killTree(child, signal);
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {}
  }
}

/** Kills the child's whole process group (children are spawned detached, as group leaders). */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {}
  }
}

/** On any exit of the process, the children and cleanups registered here go with it. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll('SIGKILL'));
}

/** One set of signal handlers per process, however many copies of this module it loaded (sources and dist/). */
const SIGNALS_HOOKED = Symbol.for('kvparity.exitOnSignals');

/**
 * For a command line only (the CLI, a test runner's process), never for an import: SIGINT, SIGTERM
 * and SIGHUP end the process with 130 or 143, and exiting stops every tracked child and runs every
 * cleanup (the exit hook above, in each copy of this module).
 */
export function exitOnSignals(): void {
  const holder = process as unknown as Record<symbol, boolean>;
  if (holder[SIGNALS_HOOKED]) return;
  holder[SIGNALS_HOOKED] = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      if (live.size > 0) process.stderr.write(`\nkvparity: ${signal}, stopping runtimes\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Runs `cleanup` on any exit of the process (it must be synchronous). Returns an unregister function. */
export function onExit(cleanup: () => void): () => void {
  hookExit();
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export interface Spawned {
  child: ChildProcess;
  /** Everything the child wrote so far (bounded to the last 64 KiB), for error messages. */
  output(): string;
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a tracked child in its own process group; it is killed when the kit exits. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): Spawned {
  hookExit();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options, detached: true });
  live.add(child);
  let buffer = '';
  const append = (chunk: Buffer) => {
    buffer = (buffer + chunk.toString()).slice(-65536);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      append(Buffer.from(String(error)));
      live.delete(child);
      resolve({ code: -1, signal: null });
    });
  });
  return {
    child,
    output: () => buffer,
    exited,
    async stop(graceMs = 2000) {
      killTree(child, 'SIGTERM');
      const timer = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns true, the child dies, or `timeoutMs` passes. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeoutMs = 30_000, intervalMs = 100, spawned }: { timeoutMs?: number; intervalMs?: number; spawned?: Spawned } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let dead = false;
  spawned?.exited.then(() => (dead = true));
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${what}: the process exited before it was ready.\n${spawned!.output().slice(-4000)}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms.${spawned ? '\n' + spawned.output().slice(-4000) : ''}`);
}

/** Does `url` answer 200 within 5 s? The body is read, so the connection is freed. */
export async function answers200(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  return response.status === 200;
}

/**
 * Waits until `url` answers 200 (a runtime listening and serving), the child dies, or `timeoutMs`
 * passes. With `spawned`, the answer must come from that child: it must hold the listening socket
 * (listensOn), since a runtime that binds late leaves its port to whoever takes it first.
 */
export function waitForHttp(what: string, url: string, options: { headers?: Record<string, string>; timeoutMs?: number; intervalMs?: number; spawned?: Spawned } = {}): Promise<void> {
  const { headers, ...waiting } = options;
  const port = Number(new URL(url).port);
  const pid = options.spawned?.child.pid;
  return waitUntil(what, async () => (await answers200(url, headers)) && (pid === undefined || listensOn(pid, port)), waiting);
}

let procFs: boolean | undefined;
/**
 * Can this process read the process table from /proc? Linux's, where it is mounted: not on macOS,
 * nor in a container or sandbox that hides it. What reads /proc also works without it, less sharply.
 */
export function hasProcFs(): boolean {
  return (procFs ??= process.platform === 'linux' && existsSync('/proc/self/stat'));
}

/**
 * Does process `pid` hold a listening TCP socket on `port`? Read from /proc (without it: true).
 * freePort() finds a port and lets it go; a runtime that binds it only after a long start (Viceroy
 * compiles its wasm first) leaves seconds in which another process can take it, and an answer on
 * the port is then another process's.
 */
export function listensOn(pid: number, port: number): boolean {
  if (!hasProcFs()) return true;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && fields[3] === '0A' && parseInt(fields[1].split(':')[1], 16) === port) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
    } catch {
      return false; // closed meanwhile
    }
  });
}

/** A fresh temp directory, removed on exit unless KVPARITY_KEEP_TMP is set. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `kvparity-${label}-`));
  if (!process.env.KVPARITY_KEEP_TMP) onExit(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const MEMORY_FS = '/dev/shm';
const memoryRoots = new Set<string>();

/**
 * Free space a store needs on tmpfs: the value probes write up to 64 MiB while the value before it
 * may still be there, and a runtime keeps copies of its own (a temporary file, a blob and its
 * record). A container's /dev/shm is often 64 MB: a store there ran out of space, and the refusal
 * was taken for the platform's value limit.
 */
export const STORE_ROOM_BYTES = 512 * 1024 * 1024;

/** Bytes free for this process in the filesystem of `path`, or null when it cannot be told. */
export function freeBytes(path: string): number | null {
  try {
    const stats = statfsSync(path);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/**
 * Where a runtime keeps its store files for the run in `tmpDir`: on tmpfs (/dev/shm) when the
 * machine has one with room for the largest probes (STORE_ROOM_BYTES), else in `tmpDir`. Emulators
 * write files on every operation (Miniflare: a SQLite commit and a blob per put), and on a disk
 * their syncs, not the runtime, took most of a write's time and varied with whatever else wrote to
 * the disk. The same `tmpDir` gives the same directory, so a store that is durable survives stop()
 * and a new start() (however full its tmpfs is by then); removed on exit.
 */
export function storeDir(tmpDir: string, name: string): string {
  const fallback = join(tmpDir, name);
  if (process.platform !== 'linux' || process.env.KVPARITY_STORE_ON_DISK || !existsSync(MEMORY_FS)) return fallback;
  const root = join(MEMORY_FS, `kvparity-${createHash('sha256').update(tmpDir).digest('hex').slice(0, 16)}`);
  if (existsSync(fallback)) return fallback; // chosen before, when tmpfs had no room
  if (!existsSync(join(root, name)) && (freeBytes(MEMORY_FS) ?? 0) < STORE_ROOM_BYTES) {
    mkdirSync(fallback, { recursive: true });
    return fallback;
  }
  try {
    mkdirSync(join(root, name), { recursive: true });
  } catch {
    return fallback; // not writable here
  }
  if (!memoryRoots.has(root)) {
    memoryRoots.add(root);
    if (!process.env.KVPARITY_KEEP_TMP) onExit(() => rmSync(root, { recursive: true, force: true }));
  }
  return join(root, name);
}

/** The kit's cache, outside any clone: $KVPARITY_CACHE, else $XDG_CACHE_HOME/kvparity, else ~/.cache/kvparity. */
export function cacheDir(...parts: string[]): string {
  const root = process.env.KVPARITY_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kvparity');
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Runtime starts, counted over every process of a run: when $KVPARITY_STARTS names a file, each
 * runtime that becomes ready appends "<runtime> <ms>" to it, from whichever process started it
 * (children inherit the variable), so `kvparity test` can say what its starts cost.
 */
export const STARTS_ENV = 'KVPARITY_STARTS';

export function recordStart(runtime: string, ms: number): void {
  const file = process.env[STARTS_ENV];
  // One short line per append (O_APPEND): writers in several processes never interleave.
  if (file) appendFileSync(file, `${runtime} ${Math.round(ms)}\n`);
}

export interface StartTally {
  count: number;
  ms: number;
  byRuntime: Record<string, { count: number; ms: number }>;
}

export function readStarts(file: string): StartTally {
  const tally: StartTally = { count: 0, ms: 0, byRuntime: {} };
  if (!existsSync(file)) return tally;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [runtime, ms] = line.split(' ');
    if (!runtime || !Number.isFinite(Number(ms))) continue;
    const entry = (tally.byRuntime[runtime] ??= { count: 0, ms: 0 });
    entry.count++;
    entry.ms += Number(ms);
    tally.count++;
    tally.ms += Number(ms);
  }
  return tally;
}

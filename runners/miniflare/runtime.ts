/**
 * Runs a Worker on Miniflare's real workerd, in-process, on a loopback port: a Cloudflare
 * bridge (the Workers KV bridge, bridge.worker.js, or the Durable Object storage bridge,
 * do-bridge.worker.js, each with the shared ../bridge/handler.js), or any other Worker (the
 * demo app) through startWorkerd().
 *
 * Exit hygiene: Miniflare spawns workerd itself (not through runners/process.ts)
 * and keeps the child private, so after start we find the workerd children of
 * this process that appeared during the start, and register an onExit() cleanup
 * that SIGKILLs them synchronously if stop() (dispose) did not run. Exit hooks
 * cannot run when the kit itself is SIGKILLed, so on Linux workerd is also
 * started through `setpriv --pdeathsig KILL` (via MINIFLARE_WORKERD_PATH): the
 * kernel kills it when the kit dies, however it dies.
 */
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync, chmodSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Availability } from '../../api/index.ts';
import { withTimeout } from '../../api/time-limit.ts';
import { missingPackage } from '../optional.ts';
import type { RuntimeOutput } from '../bridge/client.ts';
import { cacheDir, freePort, hasProcFs, onExit, recordStart } from '../process.ts';
import type { Miniflare, MiniflareOptions } from 'miniflare';
import { enableControlEndpoints } from './time.ts';

const here = dirname(fileURLToPath(import.meta.url));
const RUNNERS_DIR = dirname(here);
/** The Worker each storage is bridged by, and the bindings that give it that storage. */
const STORAGES: Record<'kv' | 'durable-object', { worker: string; bindings: WorkerdOptions['storage'] }> = {
  kv: { worker: join(here, 'bridge.worker.js'), bindings: { kvNamespaces: ['KV'] } },
  // SQLite-backed, the storage backend Cloudflare recommends for new Durable Object classes.
  'durable-object': { worker: join(here, 'do-bridge.worker.js'), bindings: { durableObjects: { STORE: { className: 'KvParityStore', useSQLite: true } } } },
};
export type BridgeStorage = keyof typeof STORAGES;
const BRIDGE_HANDLER = join(RUNNERS_DIR, 'bridge', 'handler.js');
const BRIDGE_ENV = join(here, 'bridge-env.js');

export const ENABLE_COMMAND = 'npm ci';

export interface WorkerdInfo {
  /** Absolute path of the workerd binary Miniflare runs. */
  binary: string;
  /** The workerd npm package version, e.g. 1.20260426.1. */
  version: string;
  compatibilityDate: string;
  miniflareVersion: string;
}

/** Reads the installed miniflare and workerd versions and the binary path (resolved from miniflare, as Miniflare does). */
function workerdInfo(): WorkerdInfo {
  const require = createRequire(import.meta.url);
  const miniflareMain = require.resolve('miniflare');
  const miniflareVersion = readPackageVersion(miniflareMain, 'miniflare');
  const fromMiniflare = createRequire(miniflareMain);
  const workerd = fromMiniflare('workerd') as { default: string; version: string; compatibilityDate: string };
  const binary = process.env.MINIFLARE_WORKERD_PATH ?? workerd.default;
  return { binary, version: workerd.version, compatibilityDate: workerd.compatibilityDate, miniflareVersion };
}

function readPackageVersion(resolvedMain: string, name: string): string {
  for (let dir = dirname(resolvedMain); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === name && pkg.version) return pkg.version;
  }
  return 'unknown';
}

const guards = new Map<string, string | undefined>();

/**
 * Linux: a wrapper that execs workerd with a parent-death signal, so workerd dies with the kit even
 * on SIGKILL; Miniflare runs it where MINIFLARE_WORKERD_PATH names it (withWorkerdPath). None when
 * the user set MINIFLARE_WORKERD_PATH, or setpriv is missing.
 */
function parentDeathGuard(binary: string): string | undefined {
  if (process.platform !== 'linux' || process.env.MINIFLARE_WORKERD_PATH) return undefined;
  if (!guards.has(binary)) guards.set(binary, writeGuard(binary));
  return guards.get(binary);
}

function writeGuard(binary: string): string | undefined {
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
  if (!setpriv) return undefined;
  try {
    execFileSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
  } catch {
    return undefined; // too old for --pdeathsig (util-linux < 2.33)
  }
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const path = join(cacheDir('miniflare'), `workerd-pdeathsig-${createHash('sha256').update(binary).digest('hex').slice(0, 12)}.sh`);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `#!/bin/sh\n# kvparity: run workerd so that it is killed when its parent (the kit) dies.\nexec ${quote(setpriv)} --pdeathsig KILL -- ${quote(binary)} "$@"\n`);
  chmodSync(temp, 0o755);
  renameSync(temp, path); // atomic: a concurrent kit never runs a half-written wrapper
  return path;
}

/**
 * Miniflare reads MINIFLARE_WORKERD_PATH when it spawns workerd: set for a start or restart only
 * (they run one at a time), then as it was, so the process's environment is the user's again.
 */
async function withWorkerdPath<T>(path: string | undefined, spawn: () => Promise<T>): Promise<T> {
  if (path === undefined) return spawn();
  const before = process.env.MINIFLARE_WORKERD_PATH;
  process.env.MINIFLARE_WORKERD_PATH = path;
  try {
    return await spawn();
  } finally {
    if (before === undefined) delete process.env.MINIFLARE_WORKERD_PATH;
    else process.env.MINIFLARE_WORKERD_PATH = before;
  }
}

export async function miniflareAvailability(): Promise<Availability> {
  const missing = missingPackage('miniflare', 'the cloudflare and cloudflare-do providers');
  if (missing) return missing;
  try {
    await import('miniflare');
  } catch (error) {
    return { available: false, reason: `cannot import miniflare: ${(error as Error).message.split('\n')[0]}`, enable: ENABLE_COMMAND };
  }
  let info: WorkerdInfo;
  try {
    info = workerdInfo();
  } catch (error) {
    return { available: false, reason: `workerd binary not found: ${(error as Error).message.trim().split('\n')[0]}`, enable: ENABLE_COMMAND };
  }
  if (!existsSync(info.binary)) return { available: false, reason: `workerd binary missing at ${info.binary}`, enable: ENABLE_COMMAND };
  return { available: true };
}

/** A module of a Worker: an ES module (a path alone), or compiled wasm (a Rust Worker's). */
export type WorkerModule = string | { path: string; type: 'ESModule' | 'CompiledWasm' };

export interface WorkerdOptions {
  /** The Worker: its modules, the first one the entry point, all below `modulesRoot`. */
  modulesRoot: string;
  modules: WorkerModule[];
  /** Its storage bindings: Workers KV namespaces (names, or binding → namespace id), Durable Object classes. */
  storage: { kvNamespaces?: string[] | Record<string, string>; durableObjects?: Record<string, { className: string; useSQLite?: boolean }> };
  /** Plain-text bindings. */
  bindings?: Record<string, string>;
  /** Directory for the stores (SQLite + blobs); Miniflare's own temp directory when absent. Needed for restart(). */
  persistDir?: string;
  /** Wire Miniflare's control endpoints in (time.ts); needed for a fake clock. */
  controlEndpoints?: boolean;
  /** Bound on the start (default: none beyond `signal`). */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunningWorkerd {
  url: string;
  info: WorkerdInfo;
  /** The running Miniflare (for time.ts). */
  miniflare(): Miniflare;
  /** workerd process ids of this bridge (they change on restart()). */
  pids(): number[];
  /** Milliseconds from the call to a ready bridge. */
  startMs: number;
  /** The last 64 KiB workerd wrote to stdout/stderr. */
  output(): string;
  /** What workerd wrote from here on, for a bridge client's account of a dropped connection. */
  outputLog: RuntimeOutput;
  /** Restarts workerd with the same options: same port, same storage, fresh in-memory state. Returns its duration in ms. */
  restart(): Promise<number>;
  stop(): Promise<void>;
}

// Starts and restarts are one at a time, so each one can tell which new workerd children are its own.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work);
  queue = run.catch(() => {});
  return run;
}

export interface MiniflareBridgeOptions extends Pick<WorkerdOptions, 'persistDir' | 'controlEndpoints' | 'signal'> {
  /** What the bridge exposes: a Workers KV namespace (default) or a Durable Object's storage. */
  storage?: BridgeStorage;
  /**
   * Another Worker that speaks the bridge protocol over a KV namespace (EdgeZero's app): its
   * modules, and its KV binding, bound to the namespace id "KV" the fake clock (time.ts) controls.
   */
  worker?: { modulesRoot: string; modules: WorkerModule[]; kvBinding: string };
  /** Bearer token the bridge demands on every endpoint. */
  token?: string;
}

export interface MiniflareBridge extends RunningWorkerd {
  token?: string;
}

/** The kit's bridge Worker for one storage (a KV namespace, KV, or a Durable Object, STORE), as the cloudflare providers run it. */
export async function startMiniflareBridge(options: MiniflareBridgeOptions = {}): Promise<MiniflareBridge> {
  const info = workerdInfo();
  const storage = STORAGES[options.storage ?? 'kv'];
  const worker = options.worker;
  const bridge = await startWorkerd({
    modulesRoot: worker?.modulesRoot ?? RUNNERS_DIR,
    modules: worker?.modules ?? [storage.worker, BRIDGE_HANDLER, BRIDGE_ENV],
    storage: worker ? { kvNamespaces: { [worker.kvBinding]: 'KV' } } : storage.bindings,
    bindings: {
      KVPARITY_RUNTIME_VERSION: info.version,
      // A deployed bridge has no such binding and so reports itself as production.
      KVPARITY_KIND: 'emulator',
      ...(options.token ? { KVPARITY_TOKEN: options.token } : {}),
    },
    persistDir: options.persistDir,
    controlEndpoints: options.controlEndpoints,
    signal: options.signal,
  });
  return { ...bridge, token: options.token };
}

/** Starts a Worker on workerd; starts (and restarts) are one at a time, so each can tell which workerd children are its own. */
export function startWorkerd(options: WorkerdOptions): Promise<RunningWorkerd> {
  return serialised(() => startOnce(options));
}

async function startOnce(options: WorkerdOptions): Promise<RunningWorkerd> {
  const started = performance.now();
  options.signal?.throwIfAborted();
  const info = workerdInfo();
  const guard = parentDeathGuard(info.binary);
  const miniflareModule = await import('miniflare');
  if (options.controlEndpoints) enableControlEndpoints(miniflareModule);
  if (options.persistDir) mkdirSync(options.persistDir, { recursive: true });

  const workerd = new Workerd(info.binary);
  const onAbort = () => void workerd.dispose().catch(() => {});
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const config = (port: number) => miniflareOptions(options, info, port, workerd.keep);
  try {
    const { url, port, running } = await withWorkerdPath(guard, () => readyOnFreePort(workerd, miniflareModule.Miniflare, config, options.readyTimeoutMs));
    options.signal?.throwIfAborted();
    recordStart('workerd', performance.now() - started);
    return {
      url: url.href.replace(/\/$/, ''),
      info,
      miniflare: () => running,
      pids: () => [...workerd.pids],
      startMs: performance.now() - started,
      output: () => workerd.output,
      outputLog: { name: 'workerd', written: () => workerd.written, since: (mark) => workerd.since(mark) },
      restart: () =>
        serialised(async () => {
          const t0 = performance.now();
          await withWorkerdPath(guard, () =>
            workerd.noteChildren(async () => {
              await running.setOptions(config(port));
              await running.ready;
            }),
          );
          recordStart('workerd', performance.now() - t0);
          return performance.now() - t0;
        }),
      async stop() {
        options.signal?.removeEventListener('abort', onAbort);
        await workerd.dispose();
      },
    };
  } catch (error) {
    options.signal?.removeEventListener('abort', onAbort);
    await workerd.dispose().catch(() => {});
    const tail = workerd.output.trim() ? `\nworkerd output:\n${workerd.output.slice(-4000)}` : '';
    throw new Error(`Miniflare did not start: ${(error as Error).message}${tail}`, { cause: error });
  }
}

/**
 * One Miniflare and the workerd children it spawned, so they die on every exit path: dispose()
 * normally, else the onExit() hook SIGKILLs them (and removes Miniflare's temp dir, which it
 * removes fire-and-forget, an exiting kit cutting that short).
 */
class Workerd {
  mf: Miniflare | undefined;
  pids: number[] = [];
  /** The last 64 KiB workerd wrote to stdout/stderr. */
  output = '';
  /** Characters workerd wrote in all. */
  written = 0;
  /** Miniflare's own temp dir, once it started. */
  scratch: string | undefined;
  private disposed = false;
  private readonly unregister: () => void;

  constructor(private readonly binary: string) {
    this.unregister = onExit(() => this.killLeftovers());
  }

  readonly keep = (chunk: Buffer | string) => {
    const text = chunk.toString();
    this.written += text.length;
    this.output = (this.output + text).slice(-65536);
  };

  /** What workerd wrote after `written` was `mark` (as much of it as output still holds). */
  since(mark: number): string {
    const count = Math.min(this.written - mark, this.output.length);
    return count > 0 ? this.output.slice(-count) : '';
  }

  /** Runs `start`; the workerd children that appeared meanwhile are this instance's from then on. */
  async noteChildren<T>(start: () => Promise<T>): Promise<T> {
    const before = new Set(workerdChildren(this.binary));
    try {
      return await start();
    } finally {
      this.pids = workerdChildren(this.binary).filter((pid) => !before.has(pid));
    }
  }

  killLeftovers(): void {
    if (this.disposed) return;
    for (const pid of this.pids) {
      if (!isWorkerd(pid, this.binary)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }

  async dispose(): Promise<void> {
    try {
      await this.mf?.dispose();
    } finally {
      this.killLeftovers(); // dispose SIGKILLs workerd itself; this covers a dispose that failed half way
      this.disposed = true;
      this.unregister();
    }
  }
}

/** Starts Miniflare on a free port; another process may take the port between freePort() and workerd's bind, so up to three ports are tried. */
async function readyOnFreePort(
  workerd: Workerd,
  MiniflareClass: typeof Miniflare,
  config: (port: number) => MiniflareOptions,
  readyTimeoutMs?: number,
): Promise<{ url: URL; port: number; running: Miniflare }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const mf = new MiniflareClass(config(port));
    workerd.mf = mf;
    try {
      const url = await workerd.noteChildren(() => (readyTimeoutMs === undefined ? mf.ready : withTimeout(mf.ready, readyTimeoutMs, `workerd: not ready after ${readyTimeoutMs} ms`)));
      workerd.scratch = miniflareScratchDir(mf);
      return { url, port, running: mf };
    } catch (error) {
      await mf.dispose().catch(() => {});
      workerd.mf = undefined;
      workerd.killLeftovers();
      if ((error as { code?: string }).code !== 'ERR_ADDRESS_IN_USE' || attempt >= 3) throw error;
    }
  }
}

/** Miniflare's options for the Worker, on `port`, with workerd's output kept. */
function miniflareOptions(options: WorkerdOptions, info: WorkerdInfo, port: number, keep: (chunk: Buffer | string) => void): MiniflareOptions {
  return {
    host: '127.0.0.1',
    port,
    modulesRoot: options.modulesRoot,
    modules: options.modules.map((module) => (typeof module === 'string' ? { type: 'ESModule' as const, path: module } : module)),
    compatibilityDate: info.compatibilityDate,
    ...options.storage,
    ...(options.storage.kvNamespaces ? { kvPersist: options.persistDir ?? false } : {}),
    ...(options.storage.durableObjects ? { durableObjectsPersist: options.persistDir ?? false } : {}),
    bindings: options.bindings ?? {},
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', keep);
      stderr.on('data', keep);
    },
  };
}

/** Miniflare's per-instance temp dir (/tmp/miniflare-<hex>), found through the paths of plugins that are not persisted. */
function miniflareScratchDir(mf: Miniflare): string | undefined {
  try {
    for (const path of mf.unsafeGetPersistPaths().values()) {
      const parent = dirname(path);
      if (/^miniflare-[0-9a-f]{32}$/.test(basename(parent))) return parent;
    }
  } catch {}
  return undefined;
}

/** Live workerd processes whose parent is this process. */
function workerdChildren(binary: string): number[] {
  return childPids().filter((pid) => isWorkerd(pid, binary));
}

function childPids(): number[] {
  if (hasProcFs()) {
    const pids: number[] = [];
    try {
      for (const tid of readdirSync('/proc/self/task')) {
        const text = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim();
        if (text) pids.push(...text.split(/\s+/).map(Number));
      }
      return pids;
    } catch {
      // kernels without CONFIG_PROC_CHILDREN: fall through to ps
    }
  }
  try {
    const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
    return table
      .split('\n')
      .map((line) => line.trim().split(/\s+/).map(Number))
      .filter(([pid, ppid]) => ppid === process.pid && pid > 0)
      .map(([pid]) => pid);
  } catch {
    return [];
  }
}

/** True when `pid` is alive and runs the workerd binary (guards against pid reuse before a kill). */
function isWorkerd(pid: number, binary: string): boolean {
  try {
    if (hasProcFs()) {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      return argv0 === binary || argv0.endsWith('/workerd');
    }
    const command = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return command.startsWith(binary) || /(^|\/)workerd(\s|$)/.test(command);
  } catch {
    return false;
  }
}

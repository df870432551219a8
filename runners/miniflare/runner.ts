/**
 * Runs a Cloudflare bridge on Miniflare's real workerd, in-process, on a loopback port: the
 * Workers KV bridge (bridge.worker.js) or the Durable Object storage bridge
 * (do-bridge.worker.js), each with the shared ../bridge/handler.js.
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
import { missingPackage } from '../optional.ts';
import { cacheDir, freePort, onExit } from '../process.ts';
import type { Miniflare, MiniflareOptions } from 'miniflare';
import { enableControlEndpoints } from './time.ts';

const here = dirname(fileURLToPath(import.meta.url));
const RUNNERS_DIR = dirname(here);
/** The Worker each storage is bridged by, and the Miniflare options that give it that storage. */
const STORAGES = {
  kv: {
    worker: join(here, 'bridge.worker.js'),
    options: (persistDir: string | undefined): Partial<MiniflareOptions> => ({ kvNamespaces: ['KV'], kvPersist: persistDir ?? false }),
  },
  // SQLite-backed, the storage backend Cloudflare recommends for new Durable Object classes.
  'durable-object': {
    worker: join(here, 'do-bridge.worker.js'),
    options: (persistDir: string | undefined): Partial<MiniflareOptions> => ({
      durableObjects: { STORE: { className: 'KvParityStore', useSQLite: true } },
      durableObjectsPersist: persistDir ?? false,
    }),
  },
} as const;
export type BridgeStorage = keyof typeof STORAGES;
const BRIDGE_HANDLER = join(RUNNERS_DIR, 'bridge', 'handler.js');

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
export function workerdInfo(): WorkerdInfo {
  const require = createRequire(import.meta.url);
  const miniflareMain = require.resolve('miniflare');
  const miniflareVersion = readPackageVersion(miniflareMain, 'miniflare');
  const fromMiniflare = createRequire(miniflareMain);
  const workerd = fromMiniflare('workerd') as { default: string; version: string; compatibilityDate: string };
  const binary = (process.env.MINIFLARE_WORKERD_PATH !== guardPath ? process.env.MINIFLARE_WORKERD_PATH : undefined) ?? workerd.default;
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

let guardPath: string | undefined;

/**
 * Linux: points Miniflare (MINIFLARE_WORKERD_PATH, read at each spawn) at a wrapper that
 * execs workerd with a parent-death signal, so workerd dies with the kit even on SIGKILL.
 * Left alone when the user set MINIFLARE_WORKERD_PATH, or setpriv is missing.
 */
function guardParentDeath(binary: string): void {
  if (guardPath || process.platform !== 'linux' || process.env.MINIFLARE_WORKERD_PATH) return;
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
  if (!setpriv) return;
  try {
    execFileSync(setpriv, ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
  } catch {
    return; // too old for --pdeathsig (util-linux < 2.33)
  }
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const path = join(cacheDir('miniflare'), `workerd-pdeathsig-${createHash('sha256').update(binary).digest('hex').slice(0, 12)}.sh`);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `#!/bin/sh\n# kvparity: run workerd so that it is killed when its parent (the kit) dies.\nexec ${quote(setpriv)} --pdeathsig KILL -- ${quote(binary)} "$@"\n`);
  chmodSync(temp, 0o755);
  renameSync(temp, path); // atomic: a concurrent kit never runs a half-written wrapper
  guardPath = path;
  process.env.MINIFLARE_WORKERD_PATH = path;
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

export interface MiniflareBridgeOptions {
  /** What the bridge exposes: a Workers KV namespace (default) or a Durable Object's storage. */
  storage?: BridgeStorage;
  /** Directory for the store (SQLite + blobs); Miniflare's own temp directory when absent. Needed for restart(). */
  persistDir?: string;
  /** Bearer token the bridge demands on every endpoint. */
  token?: string;
  /** Wire Miniflare's control endpoints in (time.ts); needed for a fake clock. */
  controlEndpoints?: boolean;
  signal?: AbortSignal;
}

export interface MiniflareBridge {
  url: string;
  token?: string;
  info: WorkerdInfo;
  /** The running Miniflare (for time.ts). */
  miniflare(): Miniflare;
  /** workerd process ids of this bridge (they change on restart()). */
  pids(): number[];
  /** Milliseconds from the call to a ready bridge. */
  startMs: number;
  /** The last 64 KiB workerd wrote to stdout/stderr. */
  output(): string;
  /** Restarts workerd with the same options: same port, same storage, fresh in-memory state. Returns its duration in ms. */
  restart(): Promise<number>;
  stop(): Promise<void>;
}

// Starts and restarts are serialised so each one can tell which new workerd children are its own.
let queue: Promise<unknown> = Promise.resolve();
function serialised<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work);
  queue = run.catch(() => {});
  return run;
}

export function startMiniflareBridge(options: MiniflareBridgeOptions = {}): Promise<MiniflareBridge> {
  return serialised(() => startOnce(options));
}

async function startOnce(options: MiniflareBridgeOptions): Promise<MiniflareBridge> {
  const started = performance.now();
  options.signal?.throwIfAborted();
  const info = workerdInfo();
  guardParentDeath(info.binary);
  const miniflareModule = await import('miniflare');
  const { Miniflare } = miniflareModule;
  if (options.controlEndpoints) enableControlEndpoints(miniflareModule);
  if (options.persistDir) mkdirSync(options.persistDir, { recursive: true });

  let output = '';
  const keep = (chunk: Buffer | string) => {
    output = (output + chunk.toString()).slice(-65536);
  };

  let mf: Miniflare | undefined;
  let pids: number[] = [];
  let scratch: string | undefined; // Miniflare's own temp dir; it removes it fire-and-forget, which an exiting kit cuts short
  let disposed = false;
  const killLeftovers = () => {
    if (disposed) return;
    for (const pid of pids) {
      if (!isWorkerd(pid, info.binary)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
  const unregister = onExit(killLeftovers);
  const dispose = async () => {
    try {
      await mf?.dispose();
    } finally {
      killLeftovers(); // dispose SIGKILLs workerd itself; this covers a dispose that failed half way
      disposed = true;
      unregister();
    }
  };
  const onAbort = () => void dispose().catch(() => {});
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const storage = STORAGES[options.storage ?? 'kv'];
  const config = (port: number): MiniflareOptions => ({
    host: '127.0.0.1',
    port,
    modulesRoot: RUNNERS_DIR,
    modules: [
      { type: 'ESModule', path: storage.worker },
      { type: 'ESModule', path: BRIDGE_HANDLER },
    ],
    compatibilityDate: info.compatibilityDate,
    ...storage.options(options.persistDir),
    bindings: {
      KVPARITY_RUNTIME_VERSION: info.version,
      // A deployed bridge has no such binding and so reports itself as production.
      KVPARITY_KIND: 'emulator',
      ...(options.token ? { KVPARITY_TOKEN: options.token } : {}),
    },
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      stdout.on('data', keep);
      stderr.on('data', keep);
    },
  });

  try {
    let url: URL;
    let port: number;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const before = new Set(workerdChildren(info.binary));
      mf = new Miniflare(config(port));
      try {
        url = await mf.ready;
        pids = newWorkerdChildren(info.binary, before);
        scratch = miniflareScratchDir(mf);
        break;
      } catch (error) {
        pids = newWorkerdChildren(info.binary, before);
        await mf.dispose().catch(() => {});
        mf = undefined;
        killLeftovers();
        // Another process took the port between freePort() and workerd's bind: try another.
        if ((error as { code?: string }).code !== 'ERR_ADDRESS_IN_USE' || attempt >= 3) throw error;
      }
    }
    options.signal?.throwIfAborted();
    const running = mf;
    return {
      url: url.href.replace(/\/$/, ''),
      token: options.token,
      info,
      miniflare: () => running,
      pids: () => [...pids],
      startMs: performance.now() - started,
      output: () => output,
      restart: () =>
        serialised(async () => {
          const t0 = performance.now();
          const before = new Set(workerdChildren(info.binary));
          await running.setOptions(config(port));
          await running.ready;
          pids = newWorkerdChildren(info.binary, before);
          return performance.now() - t0;
        }),
      async stop() {
        options.signal?.removeEventListener('abort', onAbort);
        await dispose();
      },
    };
  } catch (error) {
    options.signal?.removeEventListener('abort', onAbort);
    await dispose().catch(() => {});
    const tail = output.trim() ? `\nworkerd output:\n${output.slice(-4000)}` : '';
    throw new Error(`Miniflare did not start: ${(error as Error).message}${tail}`, { cause: error });
  }
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

function newWorkerdChildren(binary: string, before: Set<number>): number[] {
  return workerdChildren(binary).filter((pid) => !before.has(pid));
}

/** Live workerd processes whose parent is this process. */
export function workerdChildren(binary: string): number[] {
  return childPids().filter((pid) => isWorkerd(pid, binary));
}

function childPids(): number[] {
  if (existsSync('/proc/self/task')) {
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
    if (existsSync(`/proc/${pid}/cmdline`)) {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
      return argv0 === binary || argv0.endsWith('/workerd');
    }
    const command = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return command.startsWith(binary) || /(^|\/)workerd(\s|$)/.test(command);
  } catch {
    return false;
  }
}

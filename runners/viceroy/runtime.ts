/**
 * Starts real Viceroy serving a Compute wasm on a free loopback port (serveWasm):
 * the demo app, or the bridge (startViceroy) with the `kvparity` KV store (empty,
 * in memory), a config store carrying the Viceroy version and a secret store
 * carrying the optional bearer token.
 *
 * Time control: Viceroy computes expiry as `SystemTime::now() + ttl` and checks
 * `SystemTime::now() >= expiration` lazily on lookup/insert/delete/list
 * (viceroy-lib src/object_store.rs), i.e. CLOCK_REALTIME through libc. Under
 * libfaketime (LD_PRELOAD, FAKETIME_TIMESTAMP_FILE re-read on every call,
 * FAKETIME_DONT_FAKE_MONOTONIC=1) only the real-time clock moves, so tokio and
 * wasmtime timers (monotonic) keep behaving, and `advance(s)` rewrites the offset.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, recordStart, spawnTracked, waitForHttp, type Spawned } from '../process.ts';
import { isNativeError, NativeError, type Availability } from '../../api/index.ts';
import { addCommand, missingPackage } from '../optional.ts';
import { viceroyAvailability, type Log } from './install.ts';
import { compileCacheEnv } from './compile-cache.ts';
import { compilerAvailable } from './wasm.ts';
import { FAKETIME_INSTALL, fakeClock, removeFaketimeFiles } from '../faketime.ts';

const KV_STORE_NAME = 'kvparity';
// A wasm not yet in the compile cache (compile-cache.ts), or a Viceroy without that cache, is
// compiled with Cranelift first: 10-30 s on two cores, longer on a loaded machine.
const READY_TIMEOUT_MS = 180_000;

/** What a js-compute app on Viceroy needs here: the js-compute compiler, and Viceroy (or cargo to build it). */
export async function viceroyRuntimeAvailability(): Promise<Availability> {
  if (!compilerAvailable()) {
    return missingPackage('@fastly/js-compute', 'the fastly provider') ?? { available: false, reason: "@fastly/js-compute's compiler (js-compute-runtime) is missing", enable: addCommand('@fastly/js-compute') };
  }
  const viceroy = viceroyAvailability();
  return viceroy.available ? { available: true } : viceroy;
}

export interface ViceroyRunOptions {
  viceroyPath: string;
  viceroyVersion: string;
  wasmPath: string;
  /** A fresh directory owned by this run (fastly.toml and the faketime file go here). */
  tmpDir: string;
  /** When set, the bridge requires `authorization: Bearer <token>`. */
  token?: string;
  /** Run under libfaketime so `clock.advance()` works (default: when libfaketime is present). */
  fakeTime?: boolean;
  log?: Log;
  signal?: AbortSignal;
  /** The app's stores (default: the kit's bridge, with its `kvparity` KV store, token and version). */
  localServer?: LocalServer;
}

export interface ViceroyRun {
  url: string;
  pid: number;
  /** Present when running under libfaketime. */
  clock?: { advance(seconds: number): Promise<void>; offsetSeconds(): number };
  output(): string;
  /**
   * A transport failure (500, dropped connection, timeout) made readable: Viceroy's own
   * account of it (a guest trap or out-of-memory, a host panic, its exit) is appended.
   * Guest (platform) errors pass through untouched.
   */
  explain(error: unknown): Promise<unknown>;
  /** Forget what Viceroy said so far: call before an operation so explain() speaks only of it. */
  mark(): void;
  /** Runs one operation between mark() and explain(): its failure comes with Viceroy's account of it. */
  explained<T>(op: () => Promise<T>): Promise<T>;
  /** The viceroy process is still running (the engine restarts a dead runtime once). */
  alive(): boolean;
  stop(): Promise<void>;
}

/** The local side of a Compute app's fastly.toml: empty KV stores, secret stores read from the environment, inline config stores. */
export interface LocalServer {
  name: string;
  kvStores: readonly string[];
  /** store → its secrets, each read from an environment variable. */
  secretStores?: Record<string, Array<{ key: string; env: string }>>;
  /** store → its entries. */
  configStores?: Record<string, Record<string, string>>;
}

export function fastlyToml({ name, kvStores, secretStores = {}, configStores = {} }: LocalServer): string {
  const lines = ['manifest_version = 3', `name = ${JSON.stringify(name)}`, 'language = "javascript"', '', '[local_server.kv_stores]', ...kvStores.map((store) => `${store} = []`), ''];
  if (Object.keys(secretStores).length) {
    lines.push('[local_server.secret_stores]');
    for (const [store, secrets] of Object.entries(secretStores)) lines.push(`${store} = [${secrets.map(({ key, env }) => `{ key = ${JSON.stringify(key)}, env = ${JSON.stringify(env)} }`).join(', ')}]`);
    lines.push('');
  }
  for (const [store, entries] of Object.entries(configStores)) {
    lines.push(`[local_server.config_stores.${store}]`, 'format = "inline-toml"', '', `[local_server.config_stores.${store}.contents]`);
    lines.push(...Object.entries(entries).map(([key, value]) => `${key} = ${JSON.stringify(value)}`), '');
  }
  return lines.join('\n');
}

/** The bridge's fastly.toml: the kvparity KV store, the optional token, and what the bridge reports of itself. */
function bridgeToml(viceroyVersion: string): string {
  return fastlyToml({
    name: 'kvparity-bridge',
    kvStores: [KV_STORE_NAME],
    secretStores: { [KV_STORE_NAME]: [{ key: 'KVPARITY_TOKEN', env: 'KVPARITY_TOKEN' }] },
    // A deployed service has no kind entry and so reports itself as production.
    configStores: { [KV_STORE_NAME]: { viceroy_version: viceroyVersion, kind: 'emulator' } },
  });
}

export interface ServeOptions {
  viceroyPath: string;
  wasmPath: string;
  /** The app's fastly.toml (fastlyToml()). */
  config: string;
  /** A directory owned by this run: fastly.toml goes here, and Viceroy runs in it. */
  tmpDir: string;
  env?: NodeJS.ProcessEnv;
  /** The request that tells the app is serving (default GET /), and its bound. */
  readyPath?: string;
  readyHeaders?: Record<string, string>;
  readyTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Viceroy serving `wasmPath` on a free loopback port, once the app answers `readyPath` with 200; stopped on every exit path. */
export async function serveWasm(options: ServeOptions): Promise<{ url: string; spawned: Spawned }> {
  const config = join(options.tmpDir, 'fastly.toml');
  writeFileSync(config, options.config);
  // Viceroy binds its port only once the wasm is compiled: another process may have taken it by
  // then. It then exits saying so, and is started again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = performance.now();
    const spawned = spawnTracked(options.viceroyPath, ['serve', '--addr', `127.0.0.1:${port}`, '-C', config, options.wasmPath], {
      cwd: options.tmpDir,
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'error', ...compileCacheEnv(), ...options.env },
    });
    const onAbort = () => void spawned.stop(500);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await waitForHttp(`viceroy on ${url}`, `${url}${options.readyPath ?? '/'}`, { headers: options.readyHeaders, timeoutMs: options.readyTimeoutMs ?? READY_TIMEOUT_MS, intervalMs: 100, spawned });
    } catch (error) {
      await spawned.stop(500);
      if (attempt < 3 && !options.signal?.aborted && /address already in use|os error 98/i.test(spawned.output())) continue;
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    recordStart('viceroy', performance.now() - started);
    return { url, spawned };
  }
}

/** The bridge on Viceroy: under libfaketime (when installed) with a clock that advance() moves, ready once /health answers. */
export async function startViceroy(options: ViceroyRunOptions): Promise<ViceroyRun> {
  const { tmpDir, token } = options;
  const faketime = options.fakeTime === false ? null : fakeClock(tmpDir, 'offset');
  if (options.fakeTime && !faketime) throw new Error(`fakeTime asked for, but libfaketime is not installed (${FAKETIME_INSTALL})`);
  options.log?.(`starting Viceroy ${options.viceroyVersion}${faketime ? ' under libfaketime' : ''} (a wasm not in the compile cache is compiled first: 10-30 s)`);
  const started = Date.now();
  const { url, spawned } = await serveWasm({
    viceroyPath: options.viceroyPath,
    wasmPath: options.wasmPath,
    config: options.localServer ? fastlyToml(options.localServer) : bridgeToml(options.viceroyVersion),
    tmpDir,
    env: { KVPARITY_TOKEN: token ?? '', ...faketime?.env },
    readyPath: '/health',
    readyHeaders: token ? { authorization: `Bearer ${token}` } : {},
    signal: options.signal,
  });
  // libfaketime removes its /dev/shm files on a normal exit only, and Viceroy is stopped by a signal.
  if (faketime) void spawned.exited.then(() => removeFaketimeFiles(spawned.child.pid!));
  let exitedWith: string | null = null;
  let recent = '';
  const remember = (chunk: Buffer) => void (recent = (recent + chunk.toString()).slice(-16384));
  spawned.child.stdout?.on('data', remember);
  spawned.child.stderr?.on('data', remember);
  spawned.exited.then(({ code, signal }) => (exitedWith = signal ?? `code ${code}`));
  options.log?.(`Viceroy ready on ${url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const mark = () => void (recent = '');
  const explain = async (error: unknown) => {
    // Viceroy writes its account before it answers, but the pipe may be read a moment later.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return explainFailure(error, recent, exitedWith);
  };
  return {
    url,
    pid: spawned.child.pid!,
    ...(faketime ? { clock: { advance: (seconds: number) => faketime.advance(seconds), offsetSeconds: faketime.offsetSeconds } } : {}),
    output: spawned.output,
    explain,
    mark,
    async explained(op) {
      mark();
      try {
        return await op();
      } catch (error) {
        throw await explain(error);
      }
    },
    alive: () => spawned.child.exitCode === null && spawned.child.signalCode === null,
    stop: () => spawned.stop(2000),
  };
}

const TRANSPORT_CLASSES = new Set(['unavailable', 'timeout', 'internal']);

function explainFailure(error: unknown, recent: string, exitedWith: string | null): unknown {
  if (!isNativeError(error) || error.nativeName || !TRANSPORT_CLASSES.has(error.errorClass)) return error;
  // Viceroy answers a trapped guest with its whole backtrace: keep the first line only.
  const firstLine = error.message.split('\n')[0];
  const notes = [viceroyNote(recent)];
  if (exitedWith) notes.unshift(`viceroy exited (${exitedWith})`);
  const note = notes.filter(Boolean).join('; ');
  if (!note && firstLine === error.message) return error;
  return new NativeError(note ? `${firstLine} [viceroy: ${note}]` : firstLine, error.errorClass, { status: error.status });
}

/** The most recent thing Viceroy said about a failure: a host panic, a guest out-of-memory or trap. */
function viceroyNote(output: string): string {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    const panic = /panicked at ([^\s]+?):?$/.exec(line);
    if (panic) return `panic at ${panic[1].replace(/^.*\/(viceroy-lib-[^/]+\/)/, '$1')}: ${(lines[i + 1] ?? '').trim()}`;
    const critical = /(Critical Error: [^\n]*?)(Error while running request handler\.|$)/.exec(line);
    if (critical) return `guest ${critical[1].trim()}`;
    if (/wasm trap: /.test(line)) return `guest ${line.trim()}`;
  }
  return '';
}

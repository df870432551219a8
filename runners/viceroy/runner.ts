/**
 * Starts real Viceroy serving the bridge wasm on a free loopback port, with the
 * `kvparity` KV store (empty, in memory), a config store carrying the Viceroy
 * version and a secret store carrying the optional bearer token.
 *
 * Time control: Viceroy computes expiry as `SystemTime::now() + ttl` and checks
 * `SystemTime::now() >= expiration` lazily on lookup/insert/delete/list
 * (viceroy-lib src/object_store.rs), i.e. CLOCK_REALTIME through libc. Under
 * libfaketime (LD_PRELOAD, FAKETIME_TIMESTAMP_FILE re-read on every call,
 * FAKETIME_DONT_FAKE_MONOTONIC=1) only the real-time clock moves, so tokio and
 * wasmtime timers (monotonic) keep behaving, and `advance(s)` rewrites the offset.
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnTracked, waitUntil, type Spawned } from '../process.ts';
import { isNativeError, NativeError } from '../../api/index.ts';
import type { Log } from './install.ts';

export const KV_STORE_NAME = 'kvparity';
// Viceroy compiles the ~11 MB wasm with Cranelift on every start (wasmtime's cache is off in
// Viceroy): 10-30 s on two cores, longer on a loaded machine.
const READY_TIMEOUT_MS = 180_000;

const FAKETIME_CANDIDATES = [
  process.env.KVPARITY_FAKETIME_LIB,
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/faketime/libfaketimeMT.so.1`,
  '/usr/local/lib/faketime/libfaketimeMT.so.1',
  '/usr/lib/faketime/libfaketimeMT.so.1',
  '/usr/lib64/faketime/libfaketimeMT.so.1',
];

/** The multithreaded libfaketime (Viceroy runs on tokio threads), or null. Linux only. */
export function faketimeLibrary(): string | null {
  if (process.platform !== 'linux') return null;
  return FAKETIME_CANDIDATES.find((path): path is string => !!path && existsSync(path)) ?? null;
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
  /** The viceroy process is still running (the engine restarts a dead runtime once). */
  alive(): boolean;
  stop(): Promise<void>;
}

export function fastlyToml(viceroyVersion: string): string {
  return [
    'manifest_version = 3',
    'name = "kvparity-bridge"',
    'language = "javascript"',
    '',
    '[local_server.kv_stores]',
    `${KV_STORE_NAME} = []`,
    '',
    '[local_server.secret_stores]',
    `${KV_STORE_NAME} = [{ key = "KVPARITY_TOKEN", env = "KVPARITY_TOKEN" }]`,
    '',
    `[local_server.config_stores.${KV_STORE_NAME}]`,
    'format = "inline-toml"',
    '',
    `[local_server.config_stores.${KV_STORE_NAME}.contents]`,
    `viceroy_version = ${JSON.stringify(viceroyVersion)}`,
    // A deployed service has no such entry and so reports itself as production.
    'kind = "emulator"',
    '',
  ].join('\n');
}

export async function startViceroy(options: ViceroyRunOptions): Promise<ViceroyRun> {
  const { tmpDir, token } = options;
  const config = join(tmpDir, 'fastly.toml');
  writeFileSync(config, fastlyToml(options.viceroyVersion));

  const env: NodeJS.ProcessEnv = { ...process.env, KVPARITY_TOKEN: token ?? '', RUST_LOG: process.env.RUST_LOG ?? 'error' };
  const library = options.fakeTime === false ? null : faketimeLibrary();
  if (options.fakeTime && !library) throw new Error('fakeTime asked for, but libfaketime is not installed (apt-get install libfaketime)');
  const timestampFile = join(tmpDir, 'faketime.rc');
  let offset = 0;
  const writeOffset = () => {
    // Atomic replace: libfaketime re-reads the file on every call and must never see it half written.
    writeFileSync(`${timestampFile}.next`, `+${offset}\n`);
    renameSync(`${timestampFile}.next`, timestampFile);
  };
  if (library) {
    writeOffset();
    Object.assign(env, {
      LD_PRELOAD: [library, process.env.LD_PRELOAD].filter(Boolean).join(' '),
      FAKETIME_TIMESTAMP_FILE: timestampFile,
      FAKETIME_NO_CACHE: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
      NO_FAKE_STAT: '1',
    });
  }

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  options.log?.(`starting Viceroy ${options.viceroyVersion} on ${url}${library ? ' under libfaketime' : ''} (it compiles the wasm first: 10-30 s)`);
  const started = Date.now();
  const spawned: Spawned = spawnTracked(
    options.viceroyPath,
    ['serve', '--addr', `127.0.0.1:${port}`, '-C', config, options.wasmPath],
    { cwd: tmpDir, env },
  );
  let exitedWith: string | null = null;
  let recent = '';
  const remember = (chunk: Buffer) => void (recent = (recent + chunk.toString()).slice(-16384));
  spawned.child.stdout?.on('data', remember);
  spawned.child.stderr?.on('data', remember);
  spawned.exited.then(({ code, signal }) => (exitedWith = signal ?? `code ${code}`));
  const onAbort = () => void spawned.stop(500);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await waitUntil(
      `viceroy on ${url}`,
      async () => {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const response = await fetch(`${url}/health`, { headers, signal: AbortSignal.timeout(5000) });
        await response.arrayBuffer();
        return response.status === 200;
      },
      { timeoutMs: READY_TIMEOUT_MS, intervalMs: 100, spawned },
    );
  } catch (error) {
    await spawned.stop(500);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  options.log?.(`Viceroy ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  return {
    url,
    pid: spawned.child.pid!,
    clock: library
      ? {
          async advance(seconds: number) {
            if (!(seconds >= 0)) throw new Error(`clock.advance takes seconds >= 0 (got ${seconds})`);
            offset += seconds;
            writeOffset();
          },
          offsetSeconds: () => offset,
        }
      : undefined,
    output: spawned.output,
    async explain(error) {
      // Viceroy writes its account before it answers, but the pipe may be read a moment later.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return explainFailure(error, recent, exitedWith);
    },
    mark: () => void (recent = ''),
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

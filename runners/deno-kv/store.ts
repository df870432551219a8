/**
 * Deno KV's own engine (denokv, SQLite-backed; the napi build in the npm package @deno/kv) in a
 * child Node process (host.js), on a database file in the run's directory, spoken to over the
 * bridge protocol.
 *
 * Time control: the engine stamps `expireAtMs` from the JS client's Date.now() and deletes
 * expired rows in a background sweep that reads the real-time clock (reads never filter expired
 * rows; the sweep runs at the earliest expiry it knew of at its last run, at most 60 s later,
 * plus up to 1 s of jitter). Under libfaketime with a frozen clock (runners/faketime.ts) both
 * read the kit's time. A jump in time does not wake the sweep's timer (that sleeps on the
 * monotonic clock), but the engine's loop re-reads the clock after every request: so advance()
 * makes one read and leaves the loop a moment to turn, as the elapsed time would have.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Availability, KvInstance } from '../../api/index.ts';
import { BridgeClient, bridgedOps } from '../bridge/client.ts';
import { startNodeHost } from '../bridge/node-process.ts';
import { FAKETIME_INSTALL, fakeClock, removeFaketimeFiles } from '../faketime.ts';
import { addCommand, missingPackage } from '../optional.ts';
import { storeDir } from '../process.ts';

/** The host's process name. */
export const DENO_KV_PROCESS = 'denokv';
const HOST = fileURLToPath(new URL('./host.js', import.meta.url));
/**
 * Time for the engine's loop to turn after the read that wakes it (a loop over a channel:
 * microseconds when it has the processor). It sweeps on that turn only if no request is waiting
 * (its select serves requests first), so the case's next request must come after it: on a loaded
 * machine the turn comes later, and the wait grows with how slowly the waking read came back.
 */
const SETTLE_MS = 10;
const SETTLE_PER_ROUND_TRIP = 3;

/** The napi package @deno/kv loads on this platform (its optionalDependencies). */
function nativePackage(): string | null {
  const triples: Record<string, string> = {
    'linux-x64': 'linux-x64-gnu',
    'linux-arm64': 'linux-arm64-gnu',
    'darwin-x64': 'darwin-x64',
    'darwin-arm64': 'darwin-arm64',
    'win32-x64': 'win32-x64-msvc',
  };
  const triple = triples[`${process.platform}-${process.arch}`];
  return triple ? `@deno/kv-${triple}` : null;
}

export async function denoKvAvailability(): Promise<Availability> {
  const missing = missingPackage('@deno/kv', 'the deno-kv provider');
  if (missing) return missing;
  const native = nativePackage();
  if (!native) return { available: false, reason: `@deno/kv ships no native engine for ${process.platform}-${process.arch}`, enable: 'run the deno-kv provider on Linux, macOS or Windows on x64 or arm64' };
  try {
    createRequire(import.meta.url).resolve(`${native}/package.json`);
  } catch {
    return { available: false, reason: `${native}, the engine @deno/kv loads here (its optional dependency), is not installed`, enable: addCommand('@deno/kv') };
  }
  return { available: true };
}

export interface DenoKvOptions {
  tmpDir: string;
  /** The bridge then requires `authorization: Bearer <token>`. */
  token?: string;
  /** Run under libfaketime so `clock.advance()` works (default: when libfaketime is present). */
  fakeTime?: boolean;
  signal?: AbortSignal;
}

/** The running instance, and the bridge URL of its host. */
export interface DenoKv extends KvInstance {
  url: string;
}

export async function startDenoKv(options: DenoKvOptions): Promise<DenoKv> {
  const clock = options.fakeTime === false ? null : fakeClock(options.tmpDir, 'frozen');
  if (options.fakeTime && !clock) throw new Error(`deno-kv: fake time asked for, but libfaketime is not installed (${FAKETIME_INSTALL})`);
  // The database file (and SQLite's -wal and -shm beside it) on tmpfs when there is one: see storeDir.
  const database = join(storeDir(options.tmpDir, 'deno-kv'), 'kv.sqlite3');
  const host = await startNodeHost({
    name: 'deno-kv host',
    title: DENO_KV_PROCESS,
    script: HOST,
    args: [database],
    cwd: options.tmpDir,
    // anyhow appends a backtrace to the engine's error texts when RUST_BACKTRACE is set in the environment.
    env: { RUST_LIB_BACKTRACE: '0', KVPARITY_TOKEN: options.token ?? '', ...clock?.env },
    signal: options.signal,
    afterExit: clock ? removeFaketimeFiles : undefined,
  });
  const client = new BridgeClient({ baseUrl: host.url, token: options.token });
  const { runtime } = await client.health();
  return {
    url: host.url,
    runtime: { name: runtime.name, version: runtime.version, detail: `${database} via ${host.url}${clock ? ` (${clock.describe})` : ''}` },
    ...bridgedOps(client),
    clock: clock
      ? {
          async advance(seconds) {
            await clock.advance(seconds);
            const started = performance.now();
            await client.batch([{ op: 'get', key: '' }]);
            const roundTrip = performance.now() - started;
            await new Promise((resolve) => setTimeout(resolve, Math.max(SETTLE_MS, SETTLE_PER_ROUND_TRIP * roundTrip)));
          },
        }
      : undefined,
    alive: async () => host.alive(),
    stop: () => host.stop(),
  };
}

/**
 * Deno KV: Deno's own KV engine (denokv on SQLite, the napi build in the npm package @deno/kv)
 * in a child Node process (runners/deno-kv). Deno KV's rules are far from EdgeZero's, and the
 * mapping shows them rather than papering over them:
 *  - keys: a key string is the one-part Deno key [key]; Deno limits the serialized key (2048
 *    bytes: the string's UTF-8 plus 2 bytes of framing, a NUL counting twice), and stores
 *    strings as UTF-8, so lone surrogates become U+FFFD.
 *  - values: bytes, stored as they are (Deno's limit: 65,536 bytes).
 *  - listing: Deno's `prefix` selector matches whole key parts, so a string prefix is the range
 *    [prefix] ≤ key < [prefix with its last character plus one]; `limit` and Deno's own cursor
 *    pass through. Deno never says a listing is complete: a page shorter than the limit is the
 *    last, so a full last page is followed by an empty one.
 *  - TTL: seconds × 1000 as `expireIn` milliseconds (Deno takes whole milliseconds). Expiry is
 *    a background sweep, late by design ("any time after"): see the known divergences.
 *  - metadata: Deno KV has none (capability absent).
 * Options: --faketime=0 runs the engine on the real clock (no clock control).
 */
import { defineProvider } from '../api/index.ts';
import { faketimeLibrary } from '../runners/faketime.ts';
import { DENO_KV_PROCESS, denoKvAvailability, startDenoKv } from '../runners/deno-kv/store.ts';

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = DENO_KV_PROCESS;

export default defineProvider({
  id: 'deno-kv',
  title: 'Deno KV (denokv engine via @deno/kv)',
  kind: 'emulator',
  runtime: '@deno/kv 0.14.0 (denokv SQLite engine, napi) in a Node child process',
  capabilities: {
    ttl: true,
    metadata: false,
    // The engine reads CLOCK_REALTIME; libfaketime moves it (runners/deno-kv/store.ts).
    clock: faketimeLibrary() !== null,
    durable: true,
    strongConsistency: true,
  },
  docs: 'https://docs.deno.com/deploy/kv/manual/',
  availability: () => denoKvAvailability(),
  async start({ tmpDir, options, signal, log }) {
    const started = performance.now();
    const kv = await startDenoKv({ tmpDir, token: options.token || undefined, fakeTime: options.faketime === '0' ? false : undefined, signal });
    log(`deno-kv: ${kv.runtime.name} ${kv.runtime.version} ready at ${kv.url} in ${Math.round(performance.now() - started)} ms`);
    return kv;
  },
});

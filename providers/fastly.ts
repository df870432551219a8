/**
 * Fastly KV Store, run locally: the js-compute bridge app (runners/viceroy/bridge-app)
 * inside real Viceroy, driven over the bridge protocol. Options: --token=<t>
 * (the bridge then requires it), --faketime=0 (run on the real clock).
 */
import { defineProvider } from '../api/index.ts';
import { VICEROY_VERSION, ensureViceroy, viceroyBuildPending } from '../runners/viceroy/install.ts';
import { viceroyRuntimeAvailability } from '../runners/viceroy/runtime.ts';
import { faketimeLibrary } from '../runners/faketime.ts';
import { startFastlyKv } from '../runners/viceroy/store.ts';
import { ensureBridgeWasm } from '../runners/viceroy/wasm.ts';
import type { ProviderSetup } from './registry.ts';

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'viceroy';

/** A machine without Viceroy builds it once (15-40 min on 2 cores): after the other providers, never before them. */
export const setup: ProviderSetup = {
  pending: viceroyBuildPending,
  async run({ log, signal }) {
    await ensureViceroy(log, signal);
    await ensureBridgeWasm(log, signal);
  },
};

export default defineProvider({
  id: 'fastly',
  title: 'Fastly KV Store (Viceroy)',
  kind: 'emulator',
  runtime: `Viceroy ${VICEROY_VERSION} + @fastly/js-compute 3.46.0`,
  capabilities: {
    ttl: true,
    metadata: true,
    // Viceroy's expiry reads CLOCK_REALTIME; libfaketime moves it (see runners/viceroy/runtime.ts).
    clock: faketimeLibrary() !== null,
    durable: false,
    strongConsistency: true,
  },
  docs: 'https://www.fastly.com/documentation/reference/api/services/resources/kv-store-item/',

  availability: viceroyRuntimeAvailability,
  start: ({ tmpDir, log, options, signal }) => startFastlyKv({ tmpDir, log, signal, token: options.token || undefined, fakeTime: options.faketime === '0' ? false : undefined }),
});

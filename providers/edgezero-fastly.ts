/**
 * EdgeZero's own Fastly adapter: the kit's EdgeZero app (runners/edgezero/app) built from EdgeZero's
 * source at the pin for wasm32-wasip1, in the kit's Viceroy with a local KV store. Contract cases
 * call EdgeZero's own KvHandle; native probes the adapter's FastlyKvStore.
 * Options: --faketime=0 (the real clock).
 */
import { defineProvider } from '../api/index.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE, upstreamLink } from '../contract/upstream.js';
import { faketimeLibrary } from '../runners/faketime.ts';
import { edgezeroAvailability, edgezeroSetup, startEdgeZeroKv } from '../runners/edgezero/store.ts';
import { VICEROY_VERSION } from '../runners/viceroy/install.ts';
import type { ProviderSetup } from './registry.ts';

const pin = { repository: CONTRACT_SOURCE, commit: CONTRACT_COMMIT };

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'viceroy';

/** A machine without the kit's EdgeZero app for fastly builds it once (minutes, from source): after the other providers, never before them. */
export const setup: ProviderSetup = edgezeroSetup('fastly', pin);

export default defineProvider({
  id: 'edgezero-fastly',
  title: "EdgeZero's Fastly adapter (Viceroy), its own Rust code",
  kind: 'emulator',
  adapterOf: 'fastly',
  runtime: `the kit's EdgeZero app on edgezero-adapter-fastly at ${CONTRACT_COMMIT.slice(0, 7)}, in Viceroy ${VICEROY_VERSION}`,
  // Viceroy's expiry reads CLOCK_REALTIME; libfaketime moves it (as for the fastly provider).
  capabilities: { ttl: true, metadata: false, clock: faketimeLibrary() !== null, durable: false, strongConsistency: true },
  docs: upstreamLink('crates/edgezero-adapter-fastly/src/key_value_store.rs'),
  availability: () => edgezeroAvailability('fastly', pin),
  start: (context) => startEdgeZeroKv({ adapter: 'fastly', pin, context, controlledClock: context.options.faketime !== '0' }),
});

/**
 * EdgeZero's own axum adapter: the kit's EdgeZero app (runners/edgezero/app) built from EdgeZero's
 * source at the pin, a native binary whose KV store is the adapter's PersistentKvStore (redb) in
 * the run's directory. Contract cases call EdgeZero's own KvHandle; native probes its KvStore.
 * Options: --faketime=0 (the real clock).
 */
import { defineProvider } from '../api/index.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE, upstreamLink } from '../contract/upstream.js';
import { faketimeLibrary } from '../runners/faketime.ts';
import { AXUM_BINARY } from '../runners/edgezero/build.ts';
import { edgezeroAvailability, edgezeroSetup, startEdgeZeroKv } from '../runners/edgezero/store.ts';
import type { ProviderSetup } from './registry.ts';

const pin = { repository: CONTRACT_SOURCE, commit: CONTRACT_COMMIT };

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = AXUM_BINARY;

/** A machine without the kit's EdgeZero app for axum builds it once (minutes, from source): after the other providers, never before them. */
export const setup: ProviderSetup = edgezeroSetup('axum', pin);

export default defineProvider({
  id: 'edgezero-axum',
  title: "EdgeZero's axum adapter (redb), its own Rust code",
  kind: 'local',
  adapterOf: 'sqlite',
  runtime: `the kit's EdgeZero app on edgezero-adapter-axum at ${CONTRACT_COMMIT.slice(0, 7)}, native`,
  // The redb store's expiry reads the real-time clock: libfaketime moves it, frozen between moves.
  capabilities: { ttl: true, metadata: false, clock: faketimeLibrary() !== null, durable: true, strongConsistency: true },
  docs: upstreamLink('crates/edgezero-adapter-axum/src/key_value_store.rs'),
  availability: () => edgezeroAvailability('axum', pin),
  start: (context) => startEdgeZeroKv({ adapter: 'axum', pin, context, controlledClock: context.options.faketime !== '0' }),
});

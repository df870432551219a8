/**
 * EdgeZero's own Cloudflare adapter: the kit's EdgeZero app (runners/edgezero/app) built from
 * EdgeZero's source at the pin for wasm32-unknown-unknown and bound with wasm-bindgen, in
 * Miniflare's workerd with a Workers KV namespace. Contract cases call EdgeZero's own KvHandle;
 * native probes the adapter's CloudflareKvStore. Options: --clock=off (the real clock).
 */
import { defineProvider } from '../api/index.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE, upstreamLink } from '../contract/upstream.js';
import { edgezeroAvailability, edgezeroSetup, startEdgeZeroKv } from '../runners/edgezero/store.ts';
import type { ProviderSetup } from './registry.ts';

const pin = { repository: CONTRACT_SOURCE, commit: CONTRACT_COMMIT };

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'workerd';

/** A machine without the kit's EdgeZero app for cloudflare builds it once (minutes, from source): after the other providers, never before them. */
export const setup: ProviderSetup = edgezeroSetup('cloudflare', pin);

export default defineProvider({
  id: 'edgezero-cloudflare',
  title: "EdgeZero's Cloudflare adapter (workerd), its own Rust code",
  kind: 'emulator',
  adapterOf: 'cloudflare',
  runtime: `the kit's EdgeZero app on edgezero-adapter-cloudflare at ${CONTRACT_COMMIT.slice(0, 7)}, in workerd via Miniflare 4.20260426.0`,
  capabilities: { ttl: true, metadata: false, clock: true, durable: false, strongConsistency: true },
  docs: upstreamLink('crates/edgezero-adapter-cloudflare/src/key_value_store.rs'),
  availability: () => edgezeroAvailability('cloudflare', pin),
  start: (context) => startEdgeZeroKv({ adapter: 'cloudflare', pin, context, controlledClock: context.options.clock !== 'off' }),
});

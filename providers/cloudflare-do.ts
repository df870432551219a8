/**
 * Cloudflare Durable Objects storage: the transactional storage API of one Durable Object
 * (SQLite-backed), run by the same workerd through Miniflare as the `cloudflare` provider,
 * behind a bridge Worker that forwards every request to that object (runners/miniflare). The
 * storage API is a sorted map, so the mapping is short:
 *  - keys: the key string as it is; values: bytes (stored as a structured-clone Uint8Array).
 *  - listing: list({ prefix, limit, startAfter }); the cursor is the page's last key, and a
 *    page shorter than the limit is the last (the API has no cursor and no "complete" flag, so
 *    a full last page is followed by an empty one).
 *  - TTL and metadata: the storage API has neither (capabilities absent); nothing depends on
 *    time, so no clock.
 * Options: --token=<bearer> (the bridge then demands it).
 */
import { defineProvider } from '../api/index.ts';
import { miniflareAvailability } from '../runners/miniflare/runtime.ts';
import { startCloudflareDo } from '../runners/miniflare/do-store.ts';
import { storeDir } from '../runners/process.ts';

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'workerd';

export default defineProvider({
  id: 'cloudflare-do',
  title: 'Cloudflare Durable Objects storage (Miniflare)',
  kind: 'emulator',
  runtime: 'workerd via Miniflare 4.20260426.0, SQLite-backed Durable Object',
  capabilities: { ttl: false, metadata: false, clock: false, durable: true, strongConsistency: true },
  docs: 'https://developers.cloudflare.com/durable-objects/api/storage-api/',
  availability: miniflareAvailability,
  async start({ tmpDir, options, signal, log }) {
    const started = performance.now();
    const kv = await startCloudflareDo({ persistDir: storeDir(tmpDir, 'do'), token: options.token || undefined, signal });
    log(`cloudflare-do: workerd ${kv.runtime.version} ready at ${kv.bridge.url} in ${Math.round(performance.now() - started)} ms`);
    return kv;
  },
});

/**
 * Cloudflare Workers KV on Miniflare's real workerd. All machinery (the bridge
 * Worker, the process hygiene, the fake clock) lives in runners/miniflare.
 * Options: --token=<bearer> (the bridge then demands it), --clock=auto|eager|off
 * (see runners/miniflare/store.ts; 'auto' keeps Cloudflare's real 25 MiB value limit).
 */
import { defineProvider } from '../api/index.ts';
import { miniflareAvailability } from '../runners/miniflare/runtime.ts';
import { startCloudflareKv, type ClockMode } from '../runners/miniflare/store.ts';
import { storeDir } from '../runners/process.ts';

const CLOCK_MODES: readonly ClockMode[] = ['auto', 'eager', 'off'];

/** The runtime's process name: the kit's own tests check that it never outlives a run. */
export const runtimeProcess = 'workerd';

export default defineProvider({
  id: 'cloudflare',
  title: 'Cloudflare Workers KV (Miniflare)',
  kind: 'emulator',
  runtime: 'workerd via Miniflare 4.20260426.0',
  capabilities: { ttl: true, metadata: true, clock: true, durable: false, strongConsistency: true },
  docs: 'https://developers.cloudflare.com/kv/',
  availability: miniflareAvailability,
  async start(ctx) {
    const clock = (ctx.options.clock ?? 'auto') as ClockMode;
    if (!CLOCK_MODES.includes(clock)) throw new Error(`cloudflare: --clock must be one of ${CLOCK_MODES.join(', ')} (got ${clock})`);
    const started = performance.now();
    const kv = await startCloudflareKv({ persistDir: storeDir(ctx.tmpDir, 'kv'), token: ctx.options.token, clock, signal: ctx.signal });
    ctx.log(`cloudflare: workerd ${kv.runtime.version} ready at ${kv.bridge.url} in ${Math.round(performance.now() - started)} ms`);
    return kv;
  },
});

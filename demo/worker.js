// The demo as a Cloudflare Worker (module syntax), over the Workers KV binding
// EDGEZERO_KV (EdgeZero's default store name). Runs in workerd through Miniflare.
import { handleFetch } from './routes.js';
import { KvHandle } from './kv-handle.js';

// Native failures carry the prefixes EdgeZero's Cloudflare adapter puts on them
// (crates/edgezero-adapter-cloudflare/src/key_value_store.rs), then become KvError Internal.
const failing = (what, call) =>
  call().catch((error) => {
    throw new Error(`${what} failed: ${error && error.message}`);
  });

function workersKv(kv) {
  return {
    get: (key) => failing('get', async () => {
      const value = await kv.get(key, { type: 'arrayBuffer' });
      return value === null ? null : new Uint8Array(value);
    }),
    put: (key, bytes) => failing('put', () => kv.put(key, bytes)),
    delete: (key) => failing('delete', () => kv.delete(key)),
  };
}

export default {
  fetch(request, env) {
    return handleFetch(request, new KvHandle(workersKv(env.EDGEZERO_KV)));
  },
};

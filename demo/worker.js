// The demo as a Cloudflare Worker (module syntax), over one Workers KV binding per store
// id of upstream's manifest (`sessions`, `cache`: the binding name is the id, as in
// upstream's wrangler.toml). Runs in workerd through Miniflare.
import { KV_STORE_IDS, handleFetch } from './routes.js';
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
    list: ({ prefix, limit, cursor }) => failing('list execute', async () => {
      const page = await kv.list({ limit, ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) });
      return { keys: page.keys.map((key) => key.name), cursor: page.list_complete ? null : page.cursor || null };
    }),
  };
}

/** The registry: every id whose binding exists; a missing binding leaves its id unregistered. */
const registry = (env) => Object.fromEntries(KV_STORE_IDS.filter((id) => env[id]).map((id) => [id, new KvHandle(workersKv(env[id]))]));

export default {
  fetch(request, env) {
    return handleFetch(request, registry(env));
  },
};

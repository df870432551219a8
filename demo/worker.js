// The demo as a Cloudflare Worker (module syntax), over one Workers KV binding per store
// id of upstream's manifest (`sessions`, `cache`: the binding name is the id, as in
// upstream's wrangler.toml). Runs in workerd through Miniflare.
import { KV_STORE_IDS, handleFetch } from './routes.js';
import { KvHandle, failing } from './kv-handle.js';

/**
 * Workers KV as the demo uses it (KVNamespace in @cloudflare/workers-types).
 * @typedef {object} KvNamespace
 * @property {(key: string, options: { type: 'arrayBuffer' }) => Promise<ArrayBuffer | null>} get
 * @property {(key: string, value: Uint8Array) => Promise<void>} put
 * @property {(key: string) => Promise<void>} delete
 * @property {(options: { limit: number, prefix?: string, cursor?: string }) => Promise<{ keys: { name: string }[], list_complete: boolean, cursor?: string }>} list
 */

// Native failures carry the prefixes EdgeZero's Cloudflare adapter puts on them
// (crates/edgezero-adapter-cloudflare/src/key_value_store.rs), then become KvError Internal.
/**
 * @param {KvNamespace} kv
 * @returns {import('./kv-handle.js').NativeStore}
 */
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
const registry = (/** @type {Record<string, KvNamespace | undefined>} */ env) =>
  Object.fromEntries(
    KV_STORE_IDS.flatMap((id) => {
      const kv = env[id];
      return kv ? [[id, new KvHandle(workersKv(kv))]] : [];
    }),
  );

export default {
  /**
   * @param {Request} request
   * @param {Record<string, KvNamespace | undefined>} env
   */
  fetch(request, env) {
    return handleFetch(request, registry(env));
  },
};

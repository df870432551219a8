/// <reference types="@fastly/js-compute" />
// The demo as a Fastly Compute app (js-compute), over one KV store per store id of
// upstream's manifest (`sessions`, `cache`: the store name is the id, as in upstream's
// fastly.toml). Built to wasm by js-compute-runtime, run by Viceroy.
import { KVStore } from 'fastly:kv-store';
import { KV_STORE_IDS, handleFetch } from './routes.js';
import { KvHandle, failing } from './kv-handle.js';

// Native failures carry the prefixes EdgeZero's Fastly adapter puts on them
// (crates/edgezero-adapter-fastly/src/key_value_store.rs), then become KvError Internal.
// Like that adapter, nothing is swallowed: a platform that rejects the delete of a
// missing key answers 500 here, as EdgeZero would.
/**
 * @param {KVStore} store
 * @returns {import('./kv-handle.js').NativeStore}
 */
function fastlyKv(store) {
  return {
    get: (key) => failing('lookup', async () => {
      const entry = await store.get(key);
      return entry ? new Uint8Array(await entry.arrayBuffer()) : null;
    }),
    put: (key, bytes) => failing('insert', () => store.put(key, /** @type {BodyInit} */ (bytes))),
    delete: (key) => failing('delete', () => store.delete(key)),
    list: ({ prefix, limit, cursor }) => failing('list', async () => {
      const page = await store.list({ limit, ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) });
      return { keys: page.list, cursor: page.cursor || null };
    }),
  };
}

/** The registry: every id whose store opens; one that does not leaves its id unregistered. */
function registry() {
  /** @type {import('./routes.js').DemoStores} */
  const stores = {};
  for (const id of KV_STORE_IDS) {
    try {
      stores[id] = new KvHandle(fastlyKv(new KVStore(id)));
    } catch {
      // new KVStore throws when the store does not exist.
    }
  }
  return stores;
}

addEventListener('fetch', (event) => event.respondWith(handleFetch(event.request, registry())));

/// <reference types="@fastly/js-compute" />
// The demo as a Fastly Compute app (js-compute), over the KV store EDGEZERO_KV
// (EdgeZero's default store name). Built to wasm by js-compute-runtime, run by Viceroy.
import { KVStore } from 'fastly:kv-store';
import { handleFetch } from './routes.js';
import { KvHandle } from './kv-handle.js';

// Native failures carry the prefixes EdgeZero's Fastly adapter puts on them
// (crates/edgezero-adapter-fastly/src/key_value_store.rs), then become KvError Internal.
// Like that adapter, nothing is swallowed: a platform that rejects the delete of a
// missing key answers 500 here, as EdgeZero would.
const failing = (what, call) =>
  call().catch((error) => {
    throw new Error(`${what} failed: ${error && error.message}`);
  });

function fastlyKv(store) {
  return {
    get: (key) => failing('lookup', async () => {
      const entry = await store.get(key);
      return entry ? new Uint8Array(await entry.arrayBuffer()) : null;
    }),
    put: (key, bytes) => failing('insert', () => store.put(key, bytes)),
    delete: (key) => failing('delete', () => store.delete(key)),
  };
}

addEventListener('fetch', (event) => event.respondWith(handleFetch(event.request, new KvHandle(fastlyKv(new KVStore('EDGEZERO_KV'))))));

// The Netlify Blobs bridge host: Netlify's own local Blobs server (BlobsServer from
// @netlify/blobs/server, the one Netlify's CLI runs for local development; files in one
// directory) and Netlify's client (getStore) talking to it, behind the shared bridge handler.
// Runs in a child Node process (store.ts starts it with NODE_ENV=test: the client reads it at
// import and then retries a failed request after 1 ms instead of 5 s).
// Usage: node host.js <directory>
//
// The adapter maps the kit's native operations onto the client's public API and nothing more:
// the client's and the server's own checks and error texts come through untouched.
//   - A key string is the blob key, as given to the client.
//   - Metadata is the blob's metadata, as the client returns it (an entry without any reads
//     back as {}).
//   - Listing: the client's list() takes a prefix but no limit and no cursor; it follows the
//     server's cursor to the end itself. So a listing is one complete page of every key under
//     the prefix; `limit` and `cursor` have nothing to go to and are not used.
//   - Netlify Blobs has no expiry: a put carrying a TTL is refused.
//   - The puts of one batch are written several at a time, as an app would with Promise.all, where
//     that cannot change what happens: plain path-like keys, none the same as or a folder of
//     another in its group (the server stores a key as a file path, so `a` and `a/b` conflict and
//     their order decides which fails). Any other key is written on its own, in order.
import { randomBytes } from 'node:crypto';
import { hostBridge, packageVersion } from '../bridge/node-server.js';
import { sideBySide } from './side-by-side.js';

const [directory] = process.argv.slice(2);
const SITE_ID = 'kvparity';
const STORE = 'kvparity';

hostBridge(async () => {
  if (!directory) throw new Error('usage: node host.js <directory>');
  const [{ BlobsServer }, { getStore }] = await Promise.all([import('@netlify/blobs/server'), import('@netlify/blobs')]);
  const token = randomBytes(16).toString('hex');
  const server = new BlobsServer({ directory, token, port: 0 });
  const { port } = await server.start();
  const store = getStore({ name: STORE, siteID: SITE_ID, token, edgeURL: `http://127.0.0.1:${port}` });
  return {
    kv: adapter(store),
    runtime: { name: 'netlify-blobs-server', version: packageVersion('@netlify/blobs'), platform: 'netlify-blobs', kind: 'emulator' },
    close: () => server.stop(),
  };
});

/**
 * @param {import('@netlify/blobs').Store} store
 * @returns {import('../bridge/handler.js').BridgeKvAdapter}
 */
function adapter(store) {
  return {
    async get(key) {
      const entry = await store.getWithMetadata(key, { type: 'arrayBuffer' });
      return entry === null ? null : { value: new Uint8Array(entry.data), metadata: entry.metadata };
    },
    async put(key, value, { ttl, metadata } = {}) {
      if (ttl !== undefined) throw new TypeError('Netlify Blobs has no expiry: set() takes no TTL');
      // The client takes the bytes as they are (its BlobInput type names ArrayBuffer, not its views).
      await store.set(key, /** @type {ArrayBuffer} */ (/** @type {unknown} */ (value)), metadata === undefined ? {} : { metadata: /** @type {Record<string, unknown>} */ (metadata) });
    },
    async putMany(puts) {
      /** @type {Array<{ ok: true } | { ok: false, error: unknown }>} */
      const outcomes = [];
      const write = (/** @type {import('../bridge/handler.js').PutEntry} */ put) =>
        this.put(put.key, put.value, put.options).then(() => ({ ok: /** @type {const} */ (true) }), (error) => ({ ok: /** @type {const} */ (false), error }));
      for (const group of sideBySide(puts)) outcomes.push(...(await Promise.all(group.map(write))));
      return outcomes;
    },
    async delete(key) {
      await store.delete(key);
    },
    async list({ prefix } = {}) {
      const { blobs } = await store.list(prefix ? { prefix } : {});
      return { keys: blobs.map((blob) => blob.key), cursor: null, complete: true };
    },
  };
}

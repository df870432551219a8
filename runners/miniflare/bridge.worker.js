// The Cloudflare bridge (protocol.md): a Worker module that exposes the native
// Workers KV binding `env.KV` over the shared bridge handler. Runs inside workerd.
// It never validates, clamps or rewrites anything: whatever workerd/KV throws is
// passed through verbatim by the handler.
import { givenOptions, handleBridgeRequest } from '../bridge/handler.js';
import { bridgeOptions } from './bridge-env.js';

/**
 * Workers KV as this adapter uses it (the binding's API: KVNamespace in @cloudflare/workers-types).
 * @typedef {object} KvNamespace
 * @property {(key: string, options: { type: 'arrayBuffer' | 'stream' }) => Promise<{ value: any, metadata: unknown }>} getWithMetadata
 * @property {(key: string, value: Uint8Array | ReadableStream, options: object) => Promise<void>} put
 * @property {(key: string) => Promise<void>} delete
 * @property {(options: object) => Promise<{ keys: { name: string }[], list_complete: true } | { keys: { name: string }[], list_complete: false, cursor: string }>} list
 */

/**
 * @param {KvNamespace} kv
 * @returns {import('../bridge/handler.js').BridgeKvAdapter}
 */
function adapter(kv) {
  return {
    async get(key) {
      const { value, metadata } = await kv.getWithMetadata(key, { type: 'arrayBuffer' });
      return value === null ? null : { value: new Uint8Array(value), metadata: metadata ?? null };
    },
    // Streaming forms for /value: large values go straight through, never through base64.
    async getRaw(key) {
      const { value, metadata } = await kv.getWithMetadata(key, { type: 'stream' });
      return value === null ? null : { body: value, metadata: metadata ?? null };
    },
    async put(key, bytes, options = {}) {
      await kv.put(key, bytes, putOptions(options));
    },
    async putRaw(key, stream, options = {}) {
      await kv.put(key, stream, putOptions(options));
    },
    async delete(key) {
      await kv.delete(key);
    },
    async list({ prefix, limit, cursor } = {}) {
      const page = await kv.list(givenOptions({ prefix, limit, cursor }));
      return {
        keys: page.keys.map((k) => k.name),
        cursor: page.list_complete ? null : page.cursor,
        complete: page.list_complete,
      };
    },
  };
}

// ttl exactly as sent.
/** @param {import('../bridge/handler.js').WriteOptions} options */
const putOptions = ({ ttl, metadata }) => givenOptions({ expirationTtl: ttl, metadata });

export default {
  /**
   * @param {Request} request
   * @param {{ KV: KvNamespace } & Record<string, string>} env
   */
  fetch(request, env) {
    return handleBridgeRequest(request, bridgeOptions(env, adapter(env.KV), 'cloudflare'));
  },
};

// The Cloudflare bridge (protocol.md): a Worker module that exposes the native
// Workers KV binding `env.KV` over the shared bridge handler. Runs inside workerd.
// It never validates, clamps or rewrites anything: whatever workerd/KV throws is
// passed through verbatim by the handler.
import { givenOptions, handleBridgeRequest } from '../bridge/handler.js';
import { bridgeOptions } from './bridge-env.js';

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
const putOptions = ({ ttl, metadata }) => givenOptions({ expirationTtl: ttl, metadata });

export default {
  fetch(request, env) {
    return handleBridgeRequest(request, bridgeOptions(env, adapter(env.KV), 'cloudflare'));
  },
};

// The Cloudflare bridge (protocol.md): a Worker module that exposes the native
// Workers KV binding `env.KV` over the shared bridge handler. Runs inside workerd.
// It never validates, clamps or rewrites anything: whatever workerd/KV throws is
// passed through verbatim by the handler.
import { handleBridgeRequest } from '../bridge/handler.js';

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
      const options = {};
      if (prefix !== undefined) options.prefix = prefix;
      if (limit !== undefined) options.limit = limit;
      if (cursor !== undefined) options.cursor = cursor;
      const page = await kv.list(options);
      return {
        keys: page.keys.map((k) => k.name),
        cursor: page.list_complete ? null : page.cursor,
        complete: page.list_complete,
      };
    },
  };
}

// Only the options that were given; ttl exactly as sent.
function putOptions({ ttl, metadata }) {
  const options = {};
  if (ttl !== undefined) options.expirationTtl = ttl;
  if (metadata !== undefined) options.metadata = metadata;
  return options;
}

export default {
  fetch(request, env) {
    return handleBridgeRequest(request, {
      kv: adapter(env.KV),
      // Miniflare's runner sets KVPARITY_KIND=emulator; deployed (wrangler.toml) it is production.
      runtime: {
        name: env.KVPARITY_KIND === 'emulator' ? 'workerd' : 'cloudflare-workers',
        version: env.KVPARITY_RUNTIME_VERSION || (globalThis.navigator && navigator.userAgent) || 'unknown',
        platform: 'cloudflare',
        kind: env.KVPARITY_KIND || 'production',
      },
      token: env.KVPARITY_TOKEN,
      requireToken: env.KVPARITY_KIND !== 'emulator',
    });
  },
};

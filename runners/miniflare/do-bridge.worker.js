// The Durable Object storage bridge (protocol.md): every request goes to one named Durable
// Object, which serves the shared bridge handler over its own transactional storage
// (`ctx.storage`: get, put, delete, list). Runs inside workerd. Like the KV bridge it never
// validates, clamps or rewrites anything: what the storage API throws passes through verbatim.
//
// The storage API has no TTL, no metadata and no cursor, so the adapter maps:
//   - a page: list({prefix, limit, startAfter: cursor}); the cursor is the page's last key, and
//     a page shorter than `limit` is the last one (the API never says a listing is complete);
//   - a put carrying a TTL or metadata is refused (put() would silently ignore unknown options).
import { givenOptions, handleBridgeRequest } from '../bridge/handler.js';
import { bridgeOptions } from './bridge-env.js';

/**
 * A Durable Object's storage as this adapter uses it (DurableObjectStorage in @cloudflare/workers-types).
 * @typedef {object} ObjectStorage
 * @property {(key: string) => Promise<unknown>} get
 * @property {(key: string, value: Uint8Array) => Promise<void>} put
 * @property {(key: string) => Promise<boolean>} delete
 * @property {(options: object) => Promise<Map<string, unknown>>} list
 */

/**
 * @param {ObjectStorage} storage
 * @returns {import('../bridge/handler.js').BridgeKvAdapter}
 */
function adapter(storage) {
  return {
    async get(key) {
      const value = await storage.get(key);
      return value === undefined ? null : { value: /** @type {Uint8Array} */ (value), metadata: null };
    },
    async put(key, value, { ttl, metadata } = {}) {
      if (ttl !== undefined) throw new TypeError('Durable Object storage has no expiry: put() takes no TTL');
      if (metadata !== undefined) throw new TypeError('Durable Object storage keeps no metadata beside a value');
      // A batch hands values over as views into its request body, and a structured clone of a
      // view holds its whole buffer: store the value's own bytes.
      await storage.put(key, value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice());
    },
    async delete(key) {
      await storage.delete(key);
    },
    async list({ prefix, limit, cursor } = {}) {
      const keys = [...(await storage.list(givenOptions({ prefix, limit, startAfter: cursor }))).keys()];
      const complete = limit === undefined || keys.length < limit;
      return { keys, cursor: complete ? null : keys[keys.length - 1], complete };
    },
  };
}

export class KvParityStore {
  /**
   * @param {{ storage: ObjectStorage }} ctx
   * @param {Record<string, string>} env
   */
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }

  /** @param {Request} request */
  fetch(request) {
    return handleBridgeRequest(request, bridgeOptions(this.env, adapter(this.ctx.storage), 'cloudflare-do'));
  }
}

export default {
  /**
   * @param {Request} request
   * @param {{ STORE: { idFromName(name: string): unknown, get(id: unknown): { fetch(request: Request): Promise<Response> } } }} env
   */
  fetch(request, env) {
    return env.STORE.get(env.STORE.idFromName('kvparity')).fetch(request);
  },
};

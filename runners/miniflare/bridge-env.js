// What a Cloudflare bridge Worker (Workers KV or Durable Object storage) tells the shared handler
// about itself, from its bindings. Miniflare's runner sets KVPARITY_KIND=emulator; deployed
// (wrangler.toml) there is no such binding, so the bridge is production and demands its token.
/**
 * @param {Record<string, string | undefined>} env the Worker's plain-text bindings
 * @param {import('../bridge/handler.js').BridgeKvAdapter} kv
 * @param {string} platform
 * @returns {import('../bridge/handler.js').BridgeOptions}
 */
export function bridgeOptions(env, kv, platform) {
  return {
    kv,
    runtime: {
      name: env.KVPARITY_KIND === 'emulator' ? 'workerd' : 'cloudflare-workers',
      version: env.KVPARITY_RUNTIME_VERSION || (globalThis.navigator && navigator.userAgent) || 'unknown',
      platform,
      kind: env.KVPARITY_KIND || 'production',
    },
    token: env.KVPARITY_TOKEN,
    requireToken: env.KVPARITY_KIND !== 'emulator',
  };
}

/// <reference types="@fastly/js-compute" />
// The Fastly bridge (runners/bridge/protocol.md): a js-compute app that exposes the
// native `fastly:kv-store` KVStore named "kvparity" over the shared bridge handler.
// Plain JavaScript, bundled by js-compute-runtime (esbuild) into bridge.wasm.
//
// Runtime configuration comes from the service's stores, never from the wasm itself,
// so one built wasm serves every run:
//   config store "kvparity": viceroy_version -> the Viceroy version the runner started
//   secret store "kvparity": KVPARITY_TOKEN  -> bearer token ("" or absent: no token)
import { KVStore } from 'fastly:kv-store';
import { ConfigStore } from 'fastly:config-store';
import { SecretStore } from 'fastly:secret-store';
import { givenOptions, handleBridgeRequest } from '../../bridge/handler.js';

const STORE_NAME = 'kvparity';

/**
 * @param {KVStore} store
 * @returns {import('../../bridge/handler.js').BridgeKvAdapter}
 */
function adapter(store) {
  return {
    async get(key) {
      const entry = await store.get(key);
      if (!entry) return null;
      const value = new Uint8Array(await entry.arrayBuffer());
      const text = entry.metadataText();
      return { value, metadata: text === null ? null : parseMetadata(text) };
    },
    // Streaming forms for /value: the guest never holds a large value (JSON and base64 of
    // megabytes run out of guest memory and crawl in the uncompiled interpreter).
    async getRaw(key) {
      const entry = await store.get(key);
      if (!entry) return null;
      const text = entry.metadataText();
      return { body: entry.body, metadata: text === null ? null : parseMetadata(text) };
    },
    // Not async: the guest is interpreted, and an async wrapper costs as much as the native put.
    put(key, bytes, options) {
      return store.put(key, /** @type {BodyInit} */ (bytes), putOptions(options));
    },
    putRaw(key, stream, options) {
      return store.put(key, stream, putOptions(options));
    },
    delete(key) {
      return store.delete(key);
    },
    async list({ prefix, limit, cursor } = {}) {
      const page = await store.list(givenOptions({ prefix, limit, cursor }));
      return { keys: page.list, cursor: page.cursor ?? null, complete: !page.cursor };
    },
  };
}

// Only what the kit gave: ttl as given (never clamped), metadata as JSON text.
/** @type {{ ttl?: number, metadata?: string }} */
const NO_OPTIONS = {};
/** @param {import('../../bridge/handler.js').WriteOptions} [given] */
function putOptions(given = NO_OPTIONS) {
  const { ttl, metadata } = given;
  if (ttl === undefined && metadata === undefined) return NO_OPTIONS;
  /** @type {{ ttl?: number, metadata?: string }} */
  const options = {};
  if (ttl !== undefined) options.ttl = ttl;
  if (metadata !== undefined) options.metadata = JSON.stringify(metadata);
  return options;
}

// Metadata written by other tools may not be JSON: hand it back as the raw string then.
/** @param {string} text */
function parseMetadata(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function configured() {
  let version = 'unknown';
  let kind = 'production';
  let token = '';
  try {
    const config = new ConfigStore(STORE_NAME);
    version = config.get('viceroy_version') ?? version;
    kind = config.get('kind') ?? kind;
  } catch {}
  try {
    const secret = await new SecretStore(STORE_NAME).get('KVPARITY_TOKEN');
    token = secret ? secret.plaintext() : '';
  } catch {}
  return { version, kind, token };
}

/** @param {Request} request */
async function handle(request) {
  const { version, kind, token } = await configured();
  return handleBridgeRequest(request, {
    kv: adapter(new KVStore(STORE_NAME)),
    runtime: { name: kind === 'emulator' ? 'viceroy' : 'fastly-compute', version, platform: 'fastly', kind },
    token: token || undefined,
    requireToken: kind !== 'emulator',
  });
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));

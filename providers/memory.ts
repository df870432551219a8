import { KvModel } from '../contract/model.ts';
import { upstreamLink } from '../contract/upstream.js';
import { defineProvider, type KvInstance } from '../api/index.ts';

/** The native operations over a model: the memory provider, and the test suite's broken providers, start from this. */
export function modelInstance(model: KvModel, version = '1'): KvInstance {
  return {
    runtime: { name: 'kvparity-model', version },
    get: async (key) => model.get(key),
    put: async (key, value, options) => model.put(key, value, options),
    delete: async (key) => model.delete(key),
    list: async (options) => model.list(options),
    clock: { advance: async (seconds) => model.advance(seconds) },
    stop: async () => {},
  };
}

/** The EdgeZero contract itself, in memory: the reference every other provider is held against. */
export default defineProvider({
  id: 'memory',
  title: 'Reference model (EdgeZero contract, in memory)',
  kind: 'local',
  runtime: 'in-process reference model',
  capabilities: { ttl: true, metadata: true, clock: true, durable: false, strongConsistency: true },
  docs: upstreamLink('crates/edgezero-core/src/key_value_store.rs'),
  async start() {
    return modelInstance(new KvModel(Date.now()));
  },
});

import { KvModel, modelInstance } from '../contract/model.ts';
import { upstreamLink } from '../contract/upstream.js';
import { defineProvider } from '../api/index.ts';

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

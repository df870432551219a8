/**
 * Deliberately broken providers for the suite's own tests: each is the
 * reference model (contract/model.ts) with one fault, so a suite that misses
 * the fault is the suite's bug, not the model's.
 */
import { KvModel } from '../../contract/model.ts';
import { NativeError, defineProvider, type KvInstance, type ProviderDefinition } from '../../providers/api.ts';
import { limitProblem } from '../../contract/rules.ts';

export function brokenProvider(id: string, fault: string, override: (model: KvModel, instance: KvInstance) => Partial<KvInstance>): ProviderDefinition {
  return defineProvider({
    id: `broken-${id}`,
    title: `Reference model with a fault: ${fault}`,
    kind: 'local',
    runtime: 'in-process reference model, deliberately broken',
    capabilities: { ttl: true, metadata: true, clock: true, listOrder: 'utf8-bytes', durable: false, strongConsistency: true },
    async start() {
      const model = new KvModel(Date.now());
      const instance: KvInstance = {
        runtime: { name: 'kvparity-model', version: `1-broken-${id}` },
        get: async (key) => model.get(key),
        put: async (key, value, options) => model.put(key, value, options),
        delete: async (key) => model.delete(key),
        list: async (options) => model.list(options),
        clock: { advance: async (seconds) => model.advance(seconds) },
        stop: async () => {},
      };
      return Object.assign(instance, override(model, instance));
    },
  });
}

export const encodeLastKey = (key: string) => 'b1.' + Buffer.from(key, 'utf8').toString('base64url');
export const decodeLastKey = (cursor: string) => Buffer.from(cursor.slice(3), 'base64url').toString('utf8');

/** The model's own page-size rule, for providers that page by themselves (their one fault is elsewhere). */
export function refuseBadLimit(limit: number): void {
  const problem = limitProblem(limit);
  if (problem) throw new NativeError(problem, 'invalid-argument');
}

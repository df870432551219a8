/**
 * Deliberately broken providers for the suite's own tests: each is the
 * reference model (contract/model.ts) with one fault, so a suite that misses
 * the fault is the suite's bug, not the model's.
 */
import { KvModel, modelInstance } from '../../contract/model.ts';
import { NativeError, defineProvider, type KvInstance, type ProviderDefinition } from '../../api/index.ts';
import { limitProblem } from '../../contract/rules.ts';

export function brokenProvider(id: string, fault: string, override: (model: KvModel, instance: KvInstance) => Partial<KvInstance>): ProviderDefinition {
  return defineProvider({
    id: `broken-${id}`,
    title: `Reference model with a fault: ${fault}`,
    kind: 'local',
    runtime: 'in-process reference model, deliberately broken',
    capabilities: { ttl: true, metadata: true, clock: true, durable: false, strongConsistency: true },
    async start() {
      const model = new KvModel(Date.now());
      const instance = modelInstance(model, `1-broken-${id}`);
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

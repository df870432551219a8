/**
 * Deliberately broken providers for the suite's own tests: each is the
 * reference model (contract/model.ts) with one fault, so a suite that misses
 * the fault is the suite's bug, not the model's.
 */
import { KvModel, modelInstance } from '../../contract/model.ts';
import { NativeError, compareUtf8, defineProvider, type KvInstance, type ListPage, type ProviderDefinition } from '../../api/index.ts';
import { limitProblem, ttlProblem } from '../../contract/rules.ts';

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

/** The model's keys under `prefix` after the one a cursor of encodeLastKey names, in byte order: where a page starts. */
export function keysAfter(model: KvModel, prefix: string, cursor: string | null | undefined): string[] {
  const after = cursor ? decodeLastKey(cursor) : null;
  return model.keys().filter((key) => key.startsWith(prefix) && (after === null || compareUtf8(key, after) > 0));
}

/** The first `limit` of `keys` as a page, with a cursor at its last key while more remain. */
export function pageOf(keys: readonly string[], limit: number): ListPage {
  const page = keys.slice(0, limit);
  const more = keys.length > limit;
  return { keys: page, cursor: more ? encodeLastKey(page[page.length - 1]) : null, complete: !more };
}

/** The model's own page-size rule, for providers that page by themselves (their one fault is elsewhere). */
export function refuseBadLimit(limit: number): void {
  const problem = limitProblem(limit);
  if (problem) throw new NativeError(problem, 'invalid-argument');
}

/**
 * The model's reads and writes over a store that keeps expired keys until something deletes them
 * (as Axum's redb store does), so a listing can meet them: for providers whose fault is in how a
 * listing treats expired keys. `forget` deletes a key and its expiry.
 */
export function keepsExpiredKeys(model: KvModel) {
  /** Key → when it expires (model time, ms): the model holds every key without a TTL. */
  const expiresAt = new Map<string, number>();
  const expired = (key: string) => (expiresAt.get(key) ?? Infinity) <= model.nowMs;
  const forget = (key: string) => {
    model.delete(key);
    expiresAt.delete(key);
  };
  const ops: Pick<KvInstance, 'get' | 'put' | 'delete'> = {
    async get(key) {
      return expired(key) ? null : model.get(key);
    },
    async put(key, value, options = {}) {
      const { ttlSeconds, ...rest } = options;
      if (ttlSeconds !== undefined) {
        const problem = ttlProblem(ttlSeconds);
        if (problem) throw new NativeError(problem, 'invalid-ttl');
      }
      model.put(key, value, rest);
      if (ttlSeconds === undefined) expiresAt.delete(key);
      else expiresAt.set(key, model.nowMs + ttlSeconds * 1000);
    },
    async delete(key) {
      forget(key);
    },
  };
  return { expired, forget, ops };
}

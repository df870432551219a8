/**
 * Expiry comes 30 s late: a key stays readable and listed until its TTL and 30 s more (Deno KV
 * documents expiry as best effort). TTLs are validated as the model does; only the moment differs.
 */
import { NativeError } from '../../api/index.ts';
import { ttlProblem } from '../../contract/rules.ts';
import { brokenProvider } from './base.ts';

export const LATE_SECONDS = 30;

export default brokenProvider('late-expiry', `expiry ${LATE_SECONDS} s late`, (model) => {
  /** key → when it really goes (model time, ms): the model itself holds it without a TTL. */
  const expiresAt = new Map<string, number>();
  const purge = () => {
    for (const [key, at] of expiresAt) {
      if (model.nowMs >= at) {
        model.delete(key);
        expiresAt.delete(key);
      }
    }
  };
  return {
    async get(key) {
      purge();
      return model.get(key);
    },
    async put(key, value, options = {}) {
      const { ttlSeconds, ...rest } = options;
      if (ttlSeconds !== undefined) {
        const problem = ttlProblem(ttlSeconds);
        if (problem) throw new NativeError(problem, 'invalid-ttl');
      }
      purge();
      model.put(key, value, rest);
      if (ttlSeconds === undefined) expiresAt.delete(key);
      else expiresAt.set(key, model.nowMs + (ttlSeconds + LATE_SECONDS) * 1000);
    },
    async delete(key) {
      purge();
      model.delete(key);
      expiresAt.delete(key);
    },
    async list(options) {
      purge();
      return model.list(options);
    },
  };
});

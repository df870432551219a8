/**
 * A listing under a prefix takes the first expired key it meets for the end of the prefix's range
 * (as Axum's scan ends at the first key outside it): the live keys after that one are never listed.
 * The empty prefix, a code path of its own (as in Axum's store), skips expired keys as it should;
 * reads treat expired keys as the model does.
 */
import { NativeError, compareUtf8 } from '../../api/index.ts';
import { ttlProblem } from '../../contract/rules.ts';
import { brokenProvider, decodeLastKey, encodeLastKey, refuseBadLimit } from './base.ts';

export default brokenProvider('listing-ends-at-expired', 'a prefixed listing ends at the first expired key', (model) => {
  /** Key → when it expires (model time, ms): the model holds every key without a TTL, so listings can meet expired ones. */
  const expiresAt = new Map<string, number>();
  const expired = (key: string) => (expiresAt.get(key) ?? Infinity) <= model.nowMs;
  return {
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
      model.delete(key);
      expiresAt.delete(key);
    },
    async list({ prefix = '', limit = 1000, cursor }) {
      refuseBadLimit(limit);
      const after = cursor ? decodeLastKey(cursor) : null;
      const ahead = model.keys().filter((key) => key.startsWith(prefix) && (after === null || compareUtf8(key, after) > 0));
      const end = prefix === '' ? -1 : ahead.findIndex(expired);
      const live = (end === -1 ? ahead : ahead.slice(0, end)).filter((key) => !expired(key));
      const page = live.slice(0, limit);
      const more = live.length > limit;
      return { keys: page, cursor: more ? encodeLastKey(page[page.length - 1]) : null, complete: !more };
    },
  };
});

/**
 * A listing notes the expired keys it skips and cleans them up later, at the start of the next
 * listing, by name and without checking they are still expired: a key written again in between
 * loses its new value (Axum's cleanup_expired_keys before upstream added its still-expired check).
 */
import { NativeError, compareUtf8 } from '../../api/index.ts';
import { ttlProblem } from '../../contract/rules.ts';
import { brokenProvider, decodeLastKey, encodeLastKey, refuseBadLimit } from './base.ts';

export default brokenProvider('cleanup-deletes-fresh-overwrite', 'a deferred cleanup deletes a fresh overwrite', (model) => {
  /** Key → when it expires (model time, ms): the model holds every key without a TTL, so listings can meet expired ones. */
  const expiresAt = new Map<string, number>();
  const expired = (key: string) => (expiresAt.get(key) ?? Infinity) <= model.nowMs;
  /** Names a listing found expired, for the cleanup that runs before the next listing. */
  let noted: string[] = [];
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
      // The cleanup of what the last listing found expired: by name, with no second look.
      for (const key of noted) {
        model.delete(key);
        expiresAt.delete(key);
      }
      noted = [];
      const after = cursor ? decodeLastKey(cursor) : null;
      const ahead = model.keys().filter((key) => key.startsWith(prefix) && (after === null || compareUtf8(key, after) > 0));
      noted = ahead.filter(expired);
      const live = ahead.filter((key) => !expired(key));
      const page = live.slice(0, limit);
      const more = live.length > limit;
      return { keys: page, cursor: more ? encodeLastKey(page[page.length - 1]) : null, complete: !more };
    },
  };
});

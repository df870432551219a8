/**
 * A page gives up after skipping 32 expired keys and answers what it has with no cursor, so a walk
 * ends inside a long run of expired keys and never reaches the live keys after it (Axum's scan cap,
 * before upstream made a capped page carry a resume cursor). Only expired keys count toward the
 * cap: live ones fill pages as the model's do.
 */
import { brokenProvider, keepsExpiredKeys, keysAfter, pageOf, refuseBadLimit } from './base.ts';

export const SCAN_CAP = 32;

export default brokenProvider('expired-run-ends-walk', `a page that skips ${SCAN_CAP} expired keys ends the walk`, (model) => {
  const { expired, ops } = keepsExpiredKeys(model);
  return {
    ...ops,
    async list({ prefix = '', limit = 1000, cursor }) {
      refuseBadLimit(limit);
      const ahead = keysAfter(model, prefix, cursor);
      const live: string[] = [];
      let skipped = 0;
      for (const key of ahead) {
        if (live.length > limit) break;
        if (!expired(key)) live.push(key);
        // The cap: the page ends here, and so does the walk.
        else if (++skipped >= SCAN_CAP) return { keys: live.slice(0, limit), cursor: null, complete: true };
      }
      return pageOf(live, limit);
    },
  };
});

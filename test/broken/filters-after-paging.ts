/**
 * Fills each page from the whole keyspace, then drops the keys outside the prefix (as Redis SCAN
 * with COUNT and MATCH does): pages under a prefix come back short, or empty with a cursor, while
 * the walk as a whole still sees every key.
 */
import { compareUtf8 } from '../../api/index.ts';
import { brokenProvider, decodeLastKey, encodeLastKey, refuseBadLimit } from './base.ts';

export default brokenProvider('filters-after-paging', 'fills pages before filtering by prefix', (model) => ({
  async list({ prefix = '', limit = 1000, cursor }) {
    refuseBadLimit(limit);
    const after = cursor ? decodeLastKey(cursor) : null;
    const ahead = model.keys().filter((key) => after === null || compareUtf8(key, after) > 0);
    const scanned = ahead.slice(0, limit);
    const more = ahead.length > limit;
    return { keys: scanned.filter((key) => key.startsWith(prefix)), cursor: more ? encodeLastKey(scanned[scanned.length - 1]) : null, complete: !more };
  },
}));

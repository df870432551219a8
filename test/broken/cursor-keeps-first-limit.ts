/** The cursor carries the first page's limit, and every page resumed from it keeps that limit instead of its own. */
import { NativeError, compareUtf8 } from '../../api/index.ts';
import { brokenProvider, decodeLastKey, refuseBadLimit } from './base.ts';

const encode = (lastKey: string, limit: number) => `b2.${limit}.` + Buffer.from(lastKey, 'utf8').toString('base64url');

export default brokenProvider('cursor-keeps-first-limit', 'resumed pages keep the first page\'s limit', (model) => ({
  async list({ prefix = '', limit = 1000, cursor }) {
    refuseBadLimit(limit);
    let after: string | undefined;
    let pageLimit = limit;
    if (cursor !== undefined) {
      const match = /^b2\.(\d+)\.([A-Za-z0-9_-]*)$/.exec(cursor);
      if (!match) throw new NativeError('list cursor is invalid or corrupted', 'invalid-argument');
      pageLimit = Number(match[1]);
      after = decodeLastKey(`b1.${match[2]}`);
    }
    const keys = model.keys().filter((key) => key.startsWith(prefix) && (after === undefined || compareUtf8(key, after) > 0));
    const page = keys.slice(0, pageLimit);
    const more = keys.length > pageLimit;
    return { keys: page, cursor: more ? encode(page[page.length - 1], pageLimit) : null, complete: !more };
  },
}));

/** Lists in JavaScript (UTF-16 code unit) order instead of UTF-8 byte order: U+10000 before U+FFFF. */
import { brokenProvider, decodeLastKey, pageOf, refuseBadLimit } from './base.ts';

const jsOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export default brokenProvider('js-string-order', 'lists in JavaScript string order', (model) => ({
  async list({ prefix = '', limit = 1000, cursor }) {
    refuseBadLimit(limit);
    const after = cursor ? decodeLastKey(cursor) : null;
    const keys = model.keys().filter((key) => key.startsWith(prefix)).sort(jsOrder).filter((key) => after === null || jsOrder(key, after) > 0);
    return pageOf(keys, limit);
  },
}));

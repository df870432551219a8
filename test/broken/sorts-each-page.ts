/**
 * Pages keys in the order they were first written and sorts each page on its own: every page looks
 * ordered, the listing as a whole is not (a store that sorts what it hands back, not what it pages).
 */
import { NativeError, sortUtf8 } from '../../api/index.ts';
import { brokenProvider, refuseBadLimit } from './base.ts';

export default brokenProvider('sorts-each-page', 'sorts each page, not the listing', (model) => {
  /** Key → when it was first written: the order the store pages in. */
  const written = new Map<string, number>();
  let next = 0;
  const offsetCursor = (offset: number) => `o1.${offset}`;
  return {
    async put(key, value, options) {
      model.put(key, value, options);
      if (!written.has(key)) written.set(key, next++);
    },
    async delete(key) {
      model.delete(key);
      written.delete(key);
    },
    async list({ prefix = '', limit = 1000, cursor }) {
      refuseBadLimit(limit);
      if (cursor !== undefined && !/^o1\.\d+$/.test(cursor)) throw new NativeError('list cursor is invalid or corrupted', 'invalid-argument');
      const start = cursor ? Number(cursor.slice(3)) : 0;
      const live = new Set(model.keys());
      const inWriteOrder = [...written.keys()].filter((key) => live.has(key) && key.startsWith(prefix));
      const page = inWriteOrder.slice(start, start + limit);
      const more = start + limit < inWriteOrder.length;
      return { keys: sortUtf8(page), cursor: more ? offsetCursor(start + limit) : null, complete: !more };
    },
  };
});

/** Every page after the first starts again with the previous page's last key (with page size 1 it never moves on). */
import { brokenProvider, decodeLastKey, encodeLastKey, refuseBadLimit } from './base.ts';

export default brokenProvider('cursor-repeats-last-key', 'a cursor that repeats the last key', (model) => ({
  async list({ prefix = '', limit = 1000, cursor }) {
    refuseBadLimit(limit);
    const live = model.keys().filter((key) => key.startsWith(prefix));
    const start = cursor ? Math.max(0, live.indexOf(decodeLastKey(cursor))) : 0; // the last key again, not the one after it
    const page = live.slice(start, start + limit);
    const more = start + limit < live.length;
    return { keys: page, cursor: more ? encodeLastKey(page[page.length - 1]) : null, complete: !more };
  },
}));

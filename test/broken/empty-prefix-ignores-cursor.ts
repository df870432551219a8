/** With the empty prefix the cursor is ignored: every page is the first one again (a separate code path for "no prefix", as Axum's store has). */
import { brokenProvider } from './base.ts';

export default brokenProvider('empty-prefix-ignores-cursor', 'ignores the cursor when the prefix is empty', (model) => ({
  async list(options) {
    return model.list(options.prefix ? options : { ...options, cursor: undefined });
  },
}));

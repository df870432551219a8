/** Loses the first key of every page of two or more keys. */
import { brokenProvider } from './base.ts';

export default brokenProvider('drops-key-per-page', 'drops one key from every page', (model) => ({
  async list(options) {
    const page = model.list(options);
    return page.keys.length >= 2 ? { ...page, keys: page.keys.slice(1) } : page;
  },
}));

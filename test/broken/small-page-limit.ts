/** Refuses a page size above 100, as a platform with a small native page would (the contract's is 1000); a list without a limit gets 100. */
import { NativeError } from '../../api/index.ts';
import { brokenProvider } from './base.ts';

export const SMALL_PAGE_LIMIT = 100;

export default brokenProvider('small-page-limit', `pages of at most ${SMALL_PAGE_LIMIT} keys`, (model) => ({
  async list(options) {
    const limit = options.limit ?? SMALL_PAGE_LIMIT;
    if (limit > SMALL_PAGE_LIMIT) throw new NativeError(`list limit ${limit} exceeds ${SMALL_PAGE_LIMIT}`, 'invalid-argument');
    return model.list({ ...options, limit });
  },
}));

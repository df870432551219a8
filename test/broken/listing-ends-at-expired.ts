/**
 * A listing under a prefix takes the first expired key it meets for the end of the prefix's range
 * (as Axum's scan ends at the first key outside it): the live keys after that one are never listed.
 * The empty prefix, a code path of its own (as in Axum's store), skips expired keys as it should;
 * reads treat expired keys as the model does.
 */
import { brokenProvider, keepsExpiredKeys, keysAfter, pageOf, refuseBadLimit } from './base.ts';

export default brokenProvider('listing-ends-at-expired', 'a prefixed listing ends at the first expired key', (model) => {
  const { expired, ops } = keepsExpiredKeys(model);
  return {
    ...ops,
    async list({ prefix = '', limit = 1000, cursor }) {
      refuseBadLimit(limit);
      const ahead = keysAfter(model, prefix, cursor);
      const end = prefix === '' ? -1 : ahead.findIndex(expired);
      const live = (end === -1 ? ahead : ahead.slice(0, end)).filter((key) => !expired(key));
      return pageOf(live, limit);
    },
  };
});

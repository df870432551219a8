/** Stores every value forever: the TTL is accepted and ignored. */
import { brokenProvider } from './base.ts';

export default brokenProvider('ignores-ttl', 'ignores TTLs', (model) => ({
  async put(key, value, options) {
    model.put(key, value, { ...options, ttlSeconds: undefined });
  },
}));

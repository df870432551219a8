/** Stores every value forever: the TTL is checked as the model checks it, accepted and ignored. */
import { NativeError } from '../../api/index.ts';
import { ttlProblem } from '../../contract/rules.ts';
import { brokenProvider } from './base.ts';

export default brokenProvider('ignores-ttl', 'ignores TTLs', (model) => ({
  async put(key, value, options) {
    const problem = options?.ttlSeconds === undefined ? null : ttlProblem(options.ttlSeconds);
    if (problem) throw new NativeError(problem, 'invalid-ttl');
    model.put(key, value, { ...options, ttlSeconds: undefined });
  },
}));

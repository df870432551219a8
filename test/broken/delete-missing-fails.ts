/** Rejects delete of a key that does not exist, as production Fastly does. */
import { NativeError } from '../../api/index.ts';
import { brokenProvider } from './base.ts';

export default brokenProvider('delete-missing-fails', 'delete of a missing key fails', (model) => ({
  async delete(key) {
    if (model.get(key) === null) throw new NativeError('KVStore delete: Not found.', 'not-found');
    model.delete(key);
  },
}));

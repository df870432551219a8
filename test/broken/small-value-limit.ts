/** Refuses values over 1,000,000 bytes (a decimal megabyte; the contract takes 25 MiB). */
import { NativeError } from '../../api/index.ts';
import { brokenProvider } from './base.ts';

export const SMALL_VALUE_LIMIT = 1_000_000;

export default brokenProvider('small-value-limit', `values of at most ${SMALL_VALUE_LIMIT} bytes`, (model) => ({
  async put(key, value, options) {
    if (value.byteLength > SMALL_VALUE_LIMIT) throw new NativeError(`value of ${value.byteLength} bytes exceeds ${SMALL_VALUE_LIMIT}`, 'too-large');
    model.put(key, value, options);
  },
}));

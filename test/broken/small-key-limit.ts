/** Refuses keys over 300 UTF-8 bytes (the contract takes 512). */
import { NativeError } from '../../api/index.ts';
import { brokenProvider } from './base.ts';

export const SMALL_KEY_LIMIT = 300;

const tooLong = (key: string) => Buffer.byteLength(key) > SMALL_KEY_LIMIT;
const refuse = (key: string) => new NativeError(`key length ${Buffer.byteLength(key)} exceeds ${SMALL_KEY_LIMIT} bytes`, 'invalid-key');

export default brokenProvider('small-key-limit', `keys of at most ${SMALL_KEY_LIMIT} bytes`, (model) => ({
  async get(key) {
    if (tooLong(key)) throw refuse(key);
    return model.get(key);
  },
  async put(key, value, options) {
    if (tooLong(key)) throw refuse(key);
    model.put(key, value, options);
  },
  async delete(key) {
    if (tooLong(key)) throw refuse(key);
    model.delete(key);
  },
}));

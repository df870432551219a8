/** Accepts keys of 513 bytes (kept beside the model, which would refuse them); longer ones are refused. */
import { NativeError } from '../../api/index.ts';
import { brokenProvider } from './base.ts';

export default brokenProvider('accepts-513-byte-keys', 'accepts 513-byte keys', (model) => {
  const long = new Map<string, Uint8Array>();
  const is513 = (key: string) => Buffer.byteLength(key) === 513;
  return {
    async get(key) {
      if (is513(key)) return long.has(key) ? { value: long.get(key)!, metadata: null } : null;
      return model.get(key);
    },
    async put(key, value, options) {
      if (is513(key)) return void long.set(key, value.slice());
      if (Buffer.byteLength(key) > 513) throw new NativeError(`key length ${Buffer.byteLength(key)} exceeds limit of 513 bytes`, 'invalid-key');
      model.put(key, value, options);
    },
    async delete(key) {
      if (is513(key)) return void long.delete(key);
      model.delete(key);
    },
  };
});

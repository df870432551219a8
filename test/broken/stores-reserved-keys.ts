/** Takes the keys "", "." and ".." as any other (kept beside the model, which refuses them, as the contract does). */
import { brokenProvider } from './base.ts';

export default brokenProvider('stores-reserved-keys', 'stores "", "." and ".."', (model) => {
  const reserved = new Map<string, Uint8Array>();
  const isReserved = (key: string) => key === '' || key === '.' || key === '..';
  return {
    async get(key) {
      if (!isReserved(key)) return model.get(key);
      return reserved.has(key) ? { value: reserved.get(key)!, metadata: null } : null;
    },
    async put(key, value, options) {
      if (isReserved(key)) return void reserved.set(key, value.slice());
      model.put(key, value, options);
    },
    async delete(key) {
      if (isReserved(key)) return void reserved.delete(key);
      model.delete(key);
    },
  };
});

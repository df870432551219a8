/** Normalises every key to NFC, so "é" (U+00E9) and "e" + U+0301 are one key. */
import { brokenProvider } from './base.ts';

const nfc = (key: string) => key.normalize('NFC');

export default brokenProvider('merges-nfc-nfd', 'merges NFC and NFD keys', (model) => ({
  get: async (key) => model.get(nfc(key)),
  put: async (key, value, options) => model.put(nfc(key), value, options),
  delete: async (key) => model.delete(nfc(key)),
  list: async (options) => model.list({ ...options, prefix: options.prefix && nfc(options.prefix) }),
}));

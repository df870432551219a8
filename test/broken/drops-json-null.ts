/** Takes a value that is JSON null for a delete (as stores that treat a null value as "remove" do). */
import { brokenProvider } from './base.ts';

const isJsonNull = (value: Uint8Array) => Buffer.from(value).toString('utf8') === 'null';

export default brokenProvider('drops-json-null', 'a JSON null value deletes the key', (model) => ({
  async put(key, value, options) {
    if (isJsonNull(value)) return void model.delete(key);
    model.put(key, value, options);
  },
}));

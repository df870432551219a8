import { join } from 'node:path';
import { defineProvider } from '../api/index.ts';
import { missingPackage } from '../runners/optional.ts';

// better-sqlite3 is an optional peer dependency: its store is imported only when this provider is used.
const loadStore = async () => (await import('../runners/sqlite/store.ts')).SqliteKvStore;

/** The embedded default: SQLite on Node (better-sqlite3), in the run's own temp directory. */
export default defineProvider({
  id: 'sqlite',
  title: 'SQLite on Node (embedded local store)',
  kind: 'local',
  runtime: 'better-sqlite3 12 on Node',
  capabilities: { ttl: true, metadata: true, clock: true, listOrder: 'utf8-bytes', durable: true, strongConsistency: true },
  docs: 'https://www.sqlite.org/datatype3.html#collation',
  async availability() {
    const missing = missingPackage('better-sqlite3', 'the sqlite provider');
    if (missing) return missing;
    try {
      (await loadStore()).version();
      return { available: true };
    } catch (error) {
      return { available: false, reason: `better-sqlite3 does not load: ${(error as Error).message}`, enable: 'npm rebuild better-sqlite3' };
    }
  },
  async start({ tmpDir }) {
    const SqliteKvStore = await loadStore();
    let offsetMs = 0;
    const store = new SqliteKvStore(join(tmpDir, 'kv.sqlite'), { now: () => Date.now() + offsetMs });
    return {
      runtime: { name: 'sqlite', version: SqliteKvStore.version(), detail: store.path },
      get: async (key) => store.get(key),
      put: async (key, value, options) => store.put(key, value, options),
      delete: async (key) => store.delete(key),
      list: async (options) => store.list(options),
      clock: { advance: async (seconds) => void (offsetMs += seconds * 1000) },
      stop: async () => store.close(),
    };
  },
});

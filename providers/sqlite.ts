import { defineProvider } from '../api/index.ts';
import { missingPackage } from '../runners/optional.ts';

// better-sqlite3 is an optional peer dependency: its store is imported only when this provider is used.
const store = () => import('../runners/sqlite/store.ts');

/** The embedded default: SQLite on Node (better-sqlite3), in the run's own temp directory. */
export default defineProvider({
  id: 'sqlite',
  title: 'SQLite on Node (embedded local store)',
  kind: 'local',
  runtime: 'better-sqlite3 12 on Node',
  capabilities: { ttl: true, metadata: true, clock: true, durable: true, strongConsistency: true },
  docs: 'https://www.sqlite.org/datatype3.html#collation',
  availability: async () => missingPackage('better-sqlite3', 'the sqlite provider') ?? (await store()).sqliteAvailability(),
  start: async ({ tmpDir }) => (await store()).startSqliteKv({ tmpDir }),
});

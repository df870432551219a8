/**
 * The embedded local store: SQLite through better-sqlite3, file-backed, WAL.
 * Like EdgeZero's Axum store it enforces no platform limits of its own (the
 * contract client does that), expires lazily against an injected clock, and
 * orders keys by their UTF-8 bytes: keys are stored as BLOBs, which SQLite
 * compares with memcmp (JavaScript's string order differs beyond the BMP).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Availability, Entry, JsonValue, KvInstance, ListOptions, ListPage, PutOptions } from '../../api/index.ts';
import { NativeError } from '../../api/index.ts';

export const DEFAULT_PAGE_SIZE = 1000;

export interface SqliteStoreOptions {
  /** Milliseconds since the epoch; injected so expiry can be tested without waiting. */
  now?: () => number;
}

type Row = { value: Buffer; metadata: string | null; expires_at: number | null };

export class SqliteKvStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly statements;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    this.now = options.now ?? Date.now;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed write survives a crash of this process (kill -9).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS kv (
      key BLOB PRIMARY KEY,
      value BLOB NOT NULL,
      metadata TEXT,
      expires_at INTEGER
    ) WITHOUT ROWID`);
    this.statements = {
      get: this.db.prepare<[Buffer], Row>('SELECT value, metadata, expires_at FROM kv WHERE key = ?'),
      put: this.db.prepare('INSERT OR REPLACE INTO kv (key, value, metadata, expires_at) VALUES (?, ?, ?, ?)'),
      delete: this.db.prepare('DELETE FROM kv WHERE key = ?'),
      // Deletes only if still expired: a fresh overwrite between read and cleanup survives.
      expire: this.db.prepare('DELETE FROM kv WHERE key = ? AND expires_at IS NOT NULL AND expires_at <= ?'),
      page: this.db.prepare<[Buffer, number, Buffer, Buffer, number, number], { key: Buffer }>(
        `SELECT key FROM kv
         WHERE key >= ? AND substr(key, 1, ?) = ? AND key > ?
           AND (expires_at IS NULL OR expires_at > ?)
         ORDER BY key LIMIT ?`,
      ),
    };
  }

  static version(): string {
    const db = new Database(':memory:');
    const { v } = db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get()!;
    db.close();
    return v;
  }

  get(key: string): Entry | null {
    const id = Buffer.from(key, 'utf8');
    const row = this.statements.get.get(id);
    if (!row) return null;
    if (row.expires_at !== null && row.expires_at <= this.now()) {
      this.statements.expire.run(id, this.now());
      return null;
    }
    return { value: new Uint8Array(row.value), metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as JsonValue) };
  }

  put(key: string, value: Uint8Array, options: PutOptions = {}): void {
    const expiresAt = options.ttlSeconds === undefined ? null : this.now() + options.ttlSeconds * 1000;
    const metadata = options.metadata === undefined ? null : JSON.stringify(options.metadata);
    this.statements.put.run(Buffer.from(key, 'utf8'), Buffer.from(value.buffer, value.byteOffset, value.byteLength), metadata, expiresAt);
  }

  delete(key: string): void {
    this.statements.delete.run(Buffer.from(key, 'utf8'));
  }

  list(options: ListOptions = {}): ListPage {
    const prefix = Buffer.from(options.prefix ?? '', 'utf8');
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(limit) || limit < 1) throw new NativeError(`invalid page size ${limit}`, 'invalid-argument');
    const after = options.cursor ? decodeCursor(options.cursor) : Buffer.alloc(0);
    // One row more than asked tells whether another page exists, so there is never an empty last page.
    const rows = this.statements.page.all(prefix, prefix.length, prefix, after, this.now(), limit + 1);
    const more = rows.length > limit;
    const keys = rows.slice(0, limit).map((row) => row.key.toString('utf8'));
    return { keys, cursor: more ? encodeCursor(rows[limit - 1].key) : null, complete: !more };
  }

  close(): void {
    this.db.close();
  }
}

const encodeCursor = (lastKey: Buffer) => 's1.' + lastKey.toString('base64url');

function decodeCursor(cursor: string): Buffer {
  if (!/^s1\.[A-Za-z0-9_-]+$/.test(cursor)) throw new NativeError('invalid cursor: not one this store issued', 'invalid-argument');
  return Buffer.from(cursor.slice(3), 'base64url');
}

/** better-sqlite3 loads here (its native addon is built by npm ci). */
export async function sqliteAvailability(): Promise<Availability> {
  try {
    SqliteKvStore.version();
    return { available: true };
  } catch (error) {
    return { available: false, reason: `better-sqlite3 does not load: ${(error as Error).message}`, enable: 'npm rebuild better-sqlite3' };
  }
}

/** The SQLite KvInstance: a store file in `tmpDir`, on a clock that advance() moves ahead of real time. */
export async function startSqliteKv({ tmpDir }: { tmpDir: string }): Promise<KvInstance> {
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
}

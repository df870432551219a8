/**
 * A complete provider in one file: a small KV store kept in a JSON file.
 * Run every suite against it, without touching the kit:
 *   npm test -- --provider=./examples/my-provider/my-provider.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareUtf8, defineProvider, NativeError, type Entry, type JsonValue, type ListPage, type PutOptions } from 'kvparity';

interface Stored {
  value: string; // base64: JSON has no bytes
  metadata: JsonValue | null;
  expiresAtMs: number | null;
}

// This store's own limits. The kit's native probes find them by trying, and compare them with the contract's.
const LIMITS = { keyBytes: 512, valueBytes: 25 * 1024 * 1024, minTtlSeconds: 60, maxTtlSeconds: 365 * 24 * 60 * 60, pageSize: 1000 };

function checkKey(key: string): void {
  // Like Cloudflare's and Fastly's stores, this one takes no empty key and no "." or "..".
  if (key === '' || key === '.' || key === '..') throw new NativeError(`${JSON.stringify(key)} is not a key`, 'invalid-key');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > LIMITS.keyBytes) throw new NativeError(`key is ${bytes} bytes, over the limit of ${LIMITS.keyBytes}`, 'invalid-key');
}

export default defineProvider({
  id: 'json-file',
  title: 'JSON file store (example provider)',
  kind: 'local',
  runtime: 'one JSON file on Node',
  capabilities: { ttl: true, metadata: true, clock: true, durable: true, strongConsistency: true },

  async start({ tmpDir }) {
    const file = join(tmpDir, 'store.json');
    // A Map, not an object: a key like "__proto__" must be an ordinary key.
    const entries = new Map<string, Stored>(existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : []);
    // One file write per burst of changes (at the next turn of the event loop), and a last one in stop().
    let unsaved = false;
    const flush = () => {
      if (unsaved) writeFileSync(file, JSON.stringify([...entries]));
      unsaved = false;
    };
    const save = () => {
      if (!unsaved) setImmediate(flush);
      unsaved = true;
    };
    let clockOffsetMs = 0; // moved by clock.advance(), so TTL cases need not wait
    const now = () => Date.now() + clockOffsetMs;

    const live = (key: string): Stored | undefined => {
      const stored = entries.get(key);
      if (stored?.expiresAtMs != null && stored.expiresAtMs <= now()) {
        entries.delete(key); // expired: forget it now, the file follows on the next write
        return undefined;
      }
      return stored;
    };

    return {
      runtime: { name: 'json-file', version: '1', detail: file },

      async get(key: string): Promise<Entry | null> {
        checkKey(key);
        const stored = live(key);
        return stored ? { value: new Uint8Array(Buffer.from(stored.value, 'base64')), metadata: stored.metadata } : null;
      },

      async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<void> {
        const { ttlSeconds, metadata = null } = options;
        checkKey(key);
        if (value.byteLength > LIMITS.valueBytes) throw new NativeError(`value is ${value.byteLength} bytes, over the limit of ${LIMITS.valueBytes}`, 'too-large');
        if (ttlSeconds !== undefined && !(ttlSeconds >= LIMITS.minTtlSeconds && ttlSeconds <= LIMITS.maxTtlSeconds)) {
          throw new NativeError(`ttl ${ttlSeconds} is outside ${LIMITS.minTtlSeconds}..${LIMITS.maxTtlSeconds} seconds`, 'invalid-ttl');
        }
        const expiresAtMs = ttlSeconds === undefined ? null : now() + ttlSeconds * 1000;
        entries.set(key, { value: Buffer.from(value).toString('base64'), metadata, expiresAtMs });
        save();
      },

      async delete(key: string): Promise<void> {
        checkKey(key);
        entries.delete(key);
        save();
      },

      // The cursor is the last key of the page, so a walk resumes after it even if keys change meanwhile.
      async list({ prefix = '', limit = 1000, cursor }): Promise<ListPage> {
        if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.pageSize) {
          throw new NativeError(`limit must be a whole number from 1 to ${LIMITS.pageSize}, got ${limit}`, 'invalid-argument');
        }
        const after = cursor === undefined ? null : Buffer.from(cursor, 'base64url').toString('utf8');
        const keys = [...entries.keys()]
          .filter((key) => key.startsWith(prefix) && live(key) && (after === null || compareUtf8(key, after) > 0))
          .sort(compareUtf8);
        const page = keys.slice(0, limit);
        const more = keys.length > limit;
        return { keys: page, cursor: more ? Buffer.from(page[page.length - 1], 'utf8').toString('base64url') : null, complete: !more };
      },

      clock: { advance: async (seconds: number) => void (clockOffsetMs += seconds * 1000) },
      async stop() {
        flush();
      },
    };
  },
});

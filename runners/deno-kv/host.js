// The Deno KV bridge host: Deno's own KV engine (denokv's SQLite backend, the napi build in
// @deno/kv) opened on one database file, behind the shared bridge handler. Runs in a child
// Node process (store.ts starts it, under libfaketime when the kit controls the clock).
// Usage: node host.js <database file>
//
// The adapter maps the kit's native operations onto Deno.Kv's API and nothing more: the
// engine's own checks and error texts come through untouched.
//   - A key string k is the one-part key [k].
//   - A string prefix p is the range [p] ≤ key < [succ(p)] (succ: the last code point plus
//     one), because Deno KV's own `prefix` selector matches whole key parts, not strings.
//   - A TTL of s seconds is `expireIn: s × 1000` milliseconds, rounded to the microsecond only
//     to drop binary noise (0.007 × 1000 = 7.000000000000001): a real fraction of a
//     millisecond reaches the client, which refuses it.
//   - A page is at most `limit` keys and Deno's own cursor; the engine never says a listing is
//     complete, so a page shorter than `limit` is the last one (a full page may be followed by
//     an empty one).
//   - Deno KV has no metadata: a put carrying some is refused.
import { hostBridge, packageVersion } from '../bridge/node-server.js';

const [path] = process.argv.slice(2);

hostBridge(async () => {
  if (!path) throw new Error('usage: node host.js <database file>');
  const { openKv } = await import('@deno/kv');
  const kv = await openKv(path);
  return {
    kv: adapter(kv),
    runtime: { name: 'denokv', version: packageVersion('@deno/kv'), platform: 'deno-kv', kind: 'emulator' },
    close: () => kv.close(),
  };
});

/**
 * @param {import('@deno/kv').Kv} kv
 * @returns {import('../bridge/handler.js').BridgeKvAdapter}
 */
function adapter(kv) {
  return {
    async get(key) {
      const entry = /** @type {import('@deno/kv').KvEntryMaybe<Uint8Array>} */ (await kv.get([key]));
      return entry.value === null ? null : { value: entry.value, metadata: null };
    },
    async put(key, value, { ttl, metadata } = {}) {
      if (metadata !== undefined) throw new TypeError('Deno KV stores no metadata beside a value');
      await kv.set([key], value, ttl === undefined ? {} : { expireIn: Math.round(ttl * 1e6) / 1e3 });
    },
    async delete(key) {
      await kv.delete([key]);
    },
    async list({ prefix, limit, cursor } = {}) {
      const iterator = kv.list(selector(prefix ?? ''), { limit, cursor });
      const keys = [];
      for await (const entry of iterator) keys.push(/** @type {string} */ (entry.key[0]));
      const complete = limit === undefined || keys.length < limit;
      return { keys, cursor: complete ? null : iterator.cursor, complete };
    },
  };
}

/**
 * Keys are stored as UTF-8 (lone surrogates become U+FFFD), so the range is computed on the same string.
 * @param {string} prefix
 * @returns {import('@deno/kv').KvListSelector}
 */
function selector(prefix) {
  if (prefix === '') return { prefix: [] };
  const text = new TextDecoder().decode(new TextEncoder().encode(prefix));
  const end = successor(text);
  return end === null ? { prefix: [], start: [text] } : { start: [text], end: [end] };
}

/**
 * The least string greater than every string that starts with `text`, or null (all U+10FFFF).
 * @param {string} text
 * @returns {string | null}
 */
function successor(text) {
  const points = [...text].map((c) => /** @type {number} */ (c.codePointAt(0)));
  for (let i = points.length - 1; i >= 0; i--) {
    if (points[i] < 0x10ffff) {
      const next = points[i] === 0xd7ff ? 0xe000 : points[i] + 1; // skip the surrogates: they are not characters
      return String.fromCodePoint(...points.slice(0, i), next);
    }
  }
  return null;
}

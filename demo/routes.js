// EdgeZero's app-demo KV routes at the pinned upstream commit (contract/upstream.js:
// examples/app-demo/edgezero.toml and crates/app-demo-core/src/handlers.rs), served on Node
// over the kit's KvHandle (node-server.ts). Behaviour follows EdgeZero's source, not its docs:
// - two named KV stores, `[stores.kv] ids = ["sessions", "cache"]`: the counter lives in
//   `sessions`, notes in `cache`; a store id the runtime did not register answers
//   503 "KV store `<id>` is not registered" (Kv::named(..).ok_or_else(service_unavailable));
// - the counter is an i64 incremented with wrapping_add: i64::MAX + 1 is i64::MIN;
// - the router matches the RAW request path (matchit over uri().path()), so a
//   note id is the path segment as sent, percent escapes and all;
// - ValidatedPath counts the id in chars: more than 507 -> 422;
// - error bodies are serde_json with sorted keys: {"error":{"kind","message","status"}}.
//
// A request is { method, path, readBody(limit) }, where readBody resolves the body,
// or null once it has read more than `limit` bytes (and stopped reading).
// `stores` maps a store id to a KvHandle-like object (getBytes, putBytes, delete,
// listKeysPage) whose errors carry httpStatus, httpKind and httpMessage
// (contract/errors.ts).
// The answer is { status, headers, body: Uint8Array | string | null }.
// Its types are the JSDoc below (checked with the kit's TypeScript, `npm run typecheck`).

/**
 * @typedef {object} DemoRequest
 * @property {string} method
 * @property {string} path The raw request path, without the query.
 * @property {(limit: number) => Promise<Uint8Array | null>} readBody The body, or null once more than `limit` bytes were read.
 * @typedef {object} DemoHandle
 * @property {(key: string) => Promise<Uint8Array | null>} getBytes
 * @property {(key: string, value: Uint8Array) => Promise<void>} putBytes
 * @property {(key: string) => Promise<void>} delete
 * @property {(prefix: string, cursor: string | null, limit: number) => Promise<{ keys: string[], cursor: string | null }>} listKeysPage
 * @typedef {Partial<Record<string, DemoHandle>>} DemoStores The KV registry: store id -> handle. An id left out is "not registered" (503).
 * @typedef {{ status: number, headers: Record<string, string>, body: Uint8Array | string | null }} DemoAnswer
 * @typedef {{ request: DemoRequest, params: Record<string, string>, stores: DemoStores }} RouteCall
 * @typedef {Error & { httpStatus: number, httpKind: string, httpMessage: string }} EdgeError
 */

export const MAX_NOTE_ID_LEN = 507;
export const MAX_BODY_SIZE = 25 * 1024 * 1024;
export const COUNTER_KEY = 'demo:counter';
/** `[stores.kv] ids` and `default` of upstream's edgezero.toml; each id is also the platform store name. */
export const KV_STORE_IDS = /** @type {readonly string[]} */ (['sessions', 'cache']);
export const DEFAULT_KV_STORE = 'sessions';
export const COUNTER_STORE = 'sessions';
export const NOTES_STORE = 'cache';
/** Not upstream's: kvparity's demo lists a store's keys here, so the smoke can see that the stores are separate. */
export const INSPECT_PREFIX = '/__kvparity/stores';

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';
const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** @type {Array<{ method: string, path: string, run: (call: RouteCall) => DemoAnswer | Promise<DemoAnswer> }>} */
const ROUTES = [
  { method: 'GET', path: '/', run: root },
  { method: 'POST', path: '/kv/counter', run: counter },
  { method: 'POST', path: '/kv/notes/{id}', run: notePut },
  { method: 'GET', path: '/kv/notes/{id}', run: noteGet },
  { method: 'DELETE', path: '/kv/notes/{id}', run: noteDelete },
  { method: 'GET', path: `${INSPECT_PREFIX}/{store}/keys`, run: storeKeys },
  { method: 'GET', path: `${INSPECT_PREFIX}/{store}/keys/{prefix}`, run: storeKeys },
];

/**
 * @param {DemoRequest} request
 * @param {DemoStores} stores
 * @returns {Promise<DemoAnswer>}
 */
export async function routeDemo(request, stores) {
  try {
    return await dispatch(request, stores);
  } catch (error) {
    return errorAnswer(error);
  }
}

/**
 * @param {DemoRequest} request
 * @param {DemoStores} stores
 */
async function dispatch(request, stores) {
  /** @type {Set<string>} */
  const allowed = new Set();
  for (const route of ROUTES) {
    const params = match(route.path, request.path);
    if (params === null) continue;
    if (route.method === request.method) return route.run({ request, params, stores });
    allowed.add(route.method);
  }
  if (allowed.size === 0) throw edgeError(404, 'not_found', `no route matched path: ${request.path}`);
  throw edgeError(405, 'method_not_allowed', `method ${request.method} not allowed; allowed: ${[...allowed].sort().join(', ')}`);
}

/** matchit semantics for these patterns: literal segments, `{name}` = one non-empty segment. */
/**
 * @param {string} pattern
 * @param {string} path
 */
function match(pattern, path) {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  /** @type {Record<string, string>} */
  const params = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part.startsWith('{')) {
      if (got[i] === '') return null;
      params[part.slice(1, -1)] = got[i];
    } else if (part !== got[i]) return null;
  }
  return params;
}

/** Kv::named(id): the registered store, or 503 as the demo handlers answer. */
/**
 * @param {DemoStores} stores
 * @param {string} id
 * @returns {DemoHandle}
 */
function named(stores, id) {
  const store = stores && Object.prototype.hasOwnProperty.call(stores, id) ? stores[id] : null;
  if (!store) throw edgeError(503, 'service_unavailable', `KV store \`${id}\` is not registered`);
  return store;
}

function root() {
  return { status: 200, headers: { 'content-type': TEXT }, body: 'app-demo app' };
}

/** read_modify_write("demo:counter", 0_i64, |n| n.wrapping_add(1)) on `sessions`. */
/** @param {RouteCall} call */
async function counter({ stores }) {
  const store = named(stores, COUNTER_STORE);
  const stored = await store.getBytes(COUNTER_KEY);
  const current = stored === null ? 0n : parseI64(stored);
  const next = BigInt.asIntN(64, current + 1n);
  await store.putBytes(COUNTER_KEY, new TextEncoder().encode(next.toString()));
  return { status: 200, headers: { 'content-type': JSON_TYPE }, body: `{"count":${next}}` };
}

/**
 * serde_json::from_slice::<i64>: an integer in i64's range, JSON whitespace around it.
 * Anything else fails as KvError::Serialization does (500); serde's " at line L column C"
 * suffix is left out.
 */
/** @param {Uint8Array} bytes */
function parseI64(bytes) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw serialization('invalid unicode code point');
  }
  const token = text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '');
  if (/^-?(0|[1-9][0-9]*)$/.test(token)) {
    const value = BigInt(token);
    if (value >= I64_MIN && value <= I64_MAX) return value;
    throw serialization(`invalid value: integer \`${token}\`, expected i64`);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (/** @type {any} */ error) {
    throw serialization(error.message);
  }
  throw serialization(`invalid type: ${serdeType(value)}, expected i64`);
}

/** @param {unknown} value */
function serdeType(value) {
  if (value === null) return 'null';
  if (typeof value === 'number') return `floating point \`${value}\``;
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  return Array.isArray(value) ? 'sequence' : 'map';
}

const serialization = (/** @type {string} */ message) => edgeError(500, 'internal', `internal error: kv serialization error: ${message}`);

/** @param {RouteCall} call */
async function notePut({ request, params, stores }) {
  const id = noteId(params);
  const store = named(stores, NOTES_STORE);
  const body = await request.readBody(MAX_BODY_SIZE);
  if (body === null) throw edgeError(400, 'bad_request', 'request body too large');
  await store.putBytes(`note:${id}`, body);
  return { status: 201, headers: {}, body: null };
}

/** @param {RouteCall} call */
async function noteGet({ params, stores }) {
  const id = noteId(params);
  const bytes = await named(stores, NOTES_STORE).getBytes(`note:${id}`);
  if (bytes === null) throw edgeError(404, 'not_found', `no route matched path: note:${id}`);
  return { status: 200, headers: { 'content-type': TEXT }, body: bytes };
}

/** @param {RouteCall} call */
async function noteDelete({ params, stores }) {
  const id = noteId(params);
  await named(stores, NOTES_STORE).delete(`note:${id}`);
  return { status: 204, headers: {}, body: null };
}

/** kvparity's, not upstream's: the first page (up to 1000 keys) of one store under a raw prefix. */
/** @param {RouteCall} call */
async function storeKeys({ params, stores }) {
  const page = await named(stores, params.store).listKeysPage(params.prefix ?? '', null, 1000);
  return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ keys: page.keys, cursor: page.cursor }) };
}

/** ValidatedPath<NoteIdPath>: validator's `length` counts chars (Unicode scalar values). */
/** @param {Record<string, string>} params */
function noteId(params) {
  const id = params.id;
  const chars = [...id].length;
  if (chars < 1 || chars > MAX_NOTE_ID_LEN) throw edgeError(422, 'validation', 'id: note id must be 1–507 bytes');
  return id;
}

/**
 * @param {number} status
 * @param {string} kind
 * @param {string} message
 */
function edgeError(status, kind, message) {
  const error = /** @type {EdgeError} */ (new Error(message));
  error.httpStatus = status;
  error.httpKind = kind;
  error.httpMessage = message;
  return error;
}

/**
 * @param {any} error whatever a route threw
 * @returns {DemoAnswer}
 */
function errorAnswer(error) {
  const known = error && typeof error.httpStatus === 'number' && typeof error.httpKind === 'string' && typeof error.httpMessage === 'string';
  const status = known ? error.httpStatus : 500;
  const kind = known ? error.httpKind : 'internal';
  const message = known ? error.httpMessage : `internal error: ${(error && error.message) || String(error)}`;
  // serde_json without preserve_order sorts object keys: kind, message, status.
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ error: { kind, message, status } }) };
}

/** readBody for Fetch-API runtimes: reads the stream until done or past `limit`, then stops. */
/**
 * @param {ReadableStream<Uint8Array> | null | undefined} stream
 * @param {number} limit
 * @returns {Promise<Uint8Array | null>}
 */
export async function readStreamBounded(stream, limit) {
  if (stream === null || stream === undefined) return new Uint8Array(0);
  const reader = stream.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      chunks.length = 0;
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return concat(chunks, total);
}

/**
 * @param {Uint8Array[]} chunks
 * @param {number} total their length
 */
export function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The whole Fetch-API adapter: workerd and js-compute both call this. */
/**
 * @param {Request} request
 * @param {DemoStores} stores
 */
export async function handleFetch(request, stores) {
  const answer = await routeDemo(
    { method: request.method, path: new URL(request.url).pathname, readBody: (limit) => readStreamBounded(request.body, limit) },
    stores,
  );
  return new Response(/** @type {BodyInit | null} */ (answer.body), { status: answer.status, headers: answer.headers });
}

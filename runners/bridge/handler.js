// The one request handler every bridge shares (protocol.md). Plain JavaScript with
// no imports, because it is bundled into a Worker (workerd) and a js-compute app
// (Viceroy) alike. Each bridge passes an adapter over its native KV binding:
//   kv.get(key)                      -> { value: Uint8Array, metadata } | null
//   kv.put(key, bytes, {ttl, metadata})
//   kv.delete(key)
//   kv.list({prefix, limit, cursor}) -> { keys, cursor, complete }
// and, optionally, streaming forms for /value (large values never pass through JSON):
//   kv.getRaw(key)                   -> { body: ReadableStream | Uint8Array, metadata } | null
//   kv.putRaw(key, stream, {ttl, metadata})
// and, optionally, for the consecutive puts of one /ops batch, where the platform's own client
// may write several at once (the adapter decides which; each put's outcome comes back in order):
//   kv.putMany([{key, value, options}])  -> [{ ok: true } | { ok: false, error }]
// Its types are the JSDoc below (checked with the kit's TypeScript, `npm run typecheck`).

/**
 * @typedef {{ ttl?: number, metadata?: unknown }} WriteOptions
 * @typedef {{ prefix?: string, limit?: number, cursor?: string }} PageOptions
 * @typedef {{ keys: string[], cursor: string | null, complete: boolean }} Page
 * @typedef {object} BridgeKvAdapter A platform's KV binding as the handler sees it.
 * @property {(key: string) => Promise<{ value: Uint8Array, metadata: unknown } | null>} get
 * @property {(key: string, value: Uint8Array, options: WriteOptions) => Promise<unknown>} put
 * @property {(key: string) => Promise<unknown>} delete
 * @property {(options: PageOptions) => Promise<Page>} list
 * @property {(key: string) => Promise<{ body: ReadableStream | Uint8Array, metadata: unknown } | null>} [getRaw]
 * @property {(key: string, body: ReadableStream, options: WriteOptions) => Promise<unknown>} [putRaw]
 * @property {(puts: PutEntry[]) => Promise<Array<{ ok: true } | { ok: false, error: unknown }>>} [putMany]
 * @typedef {{ key: string, value: Uint8Array, options: WriteOptions }} PutEntry
 * @typedef {{ name: string, version: string, platform?: string, kind?: string }} BridgeRuntime
 * @typedef {object} BridgeOptions
 * @property {BridgeKvAdapter} kv
 * @property {BridgeRuntime} runtime What /health reports.
 * @property {string} [token] The bearer token every request must carry, when set.
 * @property {boolean} [requireToken] Refuse service without a token (a deployed bridge).
 * @property {number} [maxBodyBytes]
 * @property {number} [maxValueBytes]
 * @typedef {{ request: Request, url: URL, kv: BridgeKvAdapter, runtime: BridgeRuntime, maxBodyBytes: number, maxValueBytes: number }} RouteContext
 * @typedef {(context: RouteContext) => Response | Promise<Response>} Route
 * @typedef {{ op: 'get', key: string } | { op: 'put', key: string, size: number, ttl?: number, metadata?: unknown } | { op: 'delete', key: string } | { op: 'list', prefix?: string, limit?: number, cursor?: string }} WireOp
 */

export const PROTOCOL_VERSION = 2;
export const MAX_OPS = 1000;
// /ops: the largest legal value (25 MiB) as raw bytes, plus the JSON line (keys, metadata) and framing.
export const MAX_BODY_BYTES = 36 * 1024 * 1024;
// /value carries raw bytes. Its bound is the largest value any supported platform can be
// configured to take (Fastly: 100 MB on request), so native probes can look past 25 MiB.
export const MAX_VALUE_BYTES = 100 * 1024 * 1024;
// Metadata rides in a header on /value only up to this many characters.
export const MAX_METADATA_HEADER = 4096;


/**
 * @param {Request} request
 * @param {BridgeOptions} options
 * @returns {Promise<Response>}
 */
export async function handleBridgeRequest(request, { kv, runtime, token, requireToken = false, maxBodyBytes = MAX_BODY_BYTES, maxValueBytes = MAX_VALUE_BYTES }) {
  const url = new URL(request.url);
  // A deployed bridge is reachable beyond loopback: without a configured token it serves nobody.
  if (requireToken && !token) return protocolError(401, 'this bridge is deployed without a token: set its KVPARITY_TOKEN secret');
  const route = ROUTES[url.pathname];
  if (!route) return protocolError(404, `no such endpoint: ${url.pathname}`);
  if (token && !bearerMatches(request.headers.get('authorization'), token)) {
    return protocolError(401, 'missing or wrong bearer token');
  }
  const handler = route[request.method];
  if (!handler) return protocolError(405, `${url.pathname} takes ${Object.keys(route).join(' or ')}`);
  return handler({ request, url, kv, runtime, maxBodyBytes, maxValueBytes });
}

// Path → method → handler. /ops and /bench take a bounded body (a JSON line, for /ops followed
// by the values' raw bytes); /value streams raw bytes.
/** @type {Record<string, Record<string, Route>>} */
const ROUTES = {
  '/health': { GET: ({ runtime }) => json(200, { ok: true, protocol: PROTOCOL_VERSION, runtime }) },
  '/ops': { POST: withFramedBody(runOps) },
  '/bench': { POST: withFramedBody(runBench) },
  '/value': { GET: getValue, PUT: putValue },
};

/**
 * @param {(body: any, kv: BridgeKvAdapter, bytes: Uint8Array) => Promise<Response>} run
 * @returns {Route}
 */
function withFramedBody(run) {
  return async ({ request, kv, maxBodyBytes }) => {
    /** @type {any} */
    let body;
    /** @type {Uint8Array} */
    let bytes;
    try {
      ({ body, bytes } = splitFrame(await readBounded(request, maxBodyBytes)));
    } catch (/** @type {any} */ error) {
      if (error && error.tooLarge) return protocolError(413, `request body exceeds ${maxBodyBytes} bytes`);
      return protocolError(400, `request body is not JSON: ${error && error.message}`);
    }
    return run(body, kv, bytes);
  };
}

/**
 * A frame is a line of JSON, then (after one "\n") raw bytes: the values, back to back. JSON text
 * never holds a raw newline and UTF-8 never holds byte 0x0A inside a character, so the first 0x0A
 * ends the JSON. The bytes need no base64 and no JSON escaping: in js-compute, where the guest's
 * JavaScript is interpreted, decoding base64 cost more than the native KV ops themselves.
 */
/** @param {Uint8Array} frame */
function splitFrame(frame) {
  const newline = firstNewline(frame);
  const head = newline < 0 ? frame : frame.subarray(0, newline);
  return { body: JSON.parse(new TextDecoder().decode(head)), bytes: newline < 0 ? frame.subarray(0, 0) : frame.subarray(newline + 1) };
}

/**
 * The index of the first byte 0x0A, or -1. Not bytes.indexOf(10): in js-compute that is interpreted
 * (self-hosted) JavaScript, 4 ms for the JSON line of a batch of 1000 puts. Windows of the bytes
 * decoded as latin1 (one character per byte, so a character's index is its byte's) are searched
 * natively instead; each window twice the last, so at most twice the JSON line is decoded.
 * @param {Uint8Array} bytes
 */
export function firstNewline(bytes) {
  const latin1 = new TextDecoder('latin1');
  for (let start = 0, size = 65536; start < bytes.byteLength; start += size, size *= 2) {
    const found = latin1.decode(bytes.subarray(start, start + size)).indexOf('\n');
    if (found >= 0) return start + found;
  }
  return -1;
}

/**
 * @param {number} status
 * @param {unknown} head
 * @param {Uint8Array[]} chunks
 * @param {number} size the chunks' total length
 */
function frame(status, head, chunks, size) {
  const line = new TextEncoder().encode(JSON.stringify(head) + '\n');
  const out = new Uint8Array(line.byteLength + size);
  out.set(line, 0);
  let offset = line.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new Response(out, { status, headers: { 'content-type': FRAME_TYPE } });
}

export const FRAME_TYPE = 'application/vnd.kvparity.frame';

// GET /value?key=K: the value as the raw body. PUT /value?key=K[&ttl=N]: the raw body as the value.
// K is base64url(UTF-8(JSON string)), so any JavaScript string, lone surrogates included, survives
// the URL; metadata travels base64url(UTF-8(JSON)) in the kvparity-metadata header.
/** @param {RouteContext} context */
async function getValue({ url, kv }) {
  const key = decodeKeyParam(url.searchParams.get('key'));
  if (key === null) return badKeyParam();
  try {
    const entry = kv.getRaw ? await kv.getRaw(key) : await kv.get(key).then((e) => e && { body: e.value, metadata: e.metadata });
    if (!entry) return new Response(null, { status: 200, headers: { 'kvparity-result': 'missing' } });
    /** @type {Record<string, string>} */
    const headers = { 'kvparity-result': 'found', 'content-type': 'application/octet-stream' };
    if (entry.metadata !== null && entry.metadata !== undefined) {
      const encoded = encodeJsonParam(entry.metadata);
      // HTTP stacks cap header sizes well below what some platforms take as metadata: large
      // metadata is fetched through /ops instead, so the platform's limit is what a probe sees.
      if (encoded.length <= MAX_METADATA_HEADER) headers['kvparity-metadata'] = encoded;
      else headers['kvparity-metadata-via'] = 'ops';
    }
    return new Response(/** @type {BodyInit} */ (entry.body), { status: 200, headers });
  } catch (error) {
    return nativeFailure(error);
  }
}

/** @param {RouteContext} context */
async function putValue({ request, url, kv, maxValueBytes }) {
  const key = decodeKeyParam(url.searchParams.get('key'));
  if (key === null) return badKeyParam();
  const ttlParam = url.searchParams.get('ttl');
  const ttl = ttlParam === null ? undefined : Number(ttlParam);
  if (ttlParam !== null && (ttlParam.trim() === '' || Number.isNaN(ttl))) return protocolError(400, 'ttl must be a number of seconds');
  let metadata;
  const metadataHeader = request.headers.get('kvparity-metadata');
  if (metadataHeader !== null) {
    metadata = decodeJsonParam(metadataHeader);
    if (metadata === INVALID) return protocolError(400, 'kvparity-metadata must be base64url of JSON');
  }
  const length = Number(request.headers.get('content-length') ?? NaN);
  if (!Number.isInteger(length)) return protocolError(411, 'PUT /value needs a content-length');
  if (length > maxValueBytes) return protocolError(413, `value of ${length} bytes exceeds the bridge's bound of ${maxValueBytes}`);
  const options = { ttl, metadata };
  try {
    if (kv.putRaw && request.body) await kv.putRaw(key, request.body, options);
    else await kv.put(key, new Uint8Array(await request.arrayBuffer()), options);
    return json(200, { ok: true });
  } catch (error) {
    return nativeFailure(error);
  }
}

const badKeyParam = () => protocolError(400, 'key must be base64url of a JSON string (see protocol.md)');

/** @param {unknown} error */
function nativeFailure(error) {
  return new Response(JSON.stringify({ ok: false, error: nativeError(error) }), {
    status: 200,
    headers: { 'content-type': 'application/json', 'kvparity-result': 'error' },
  });
}

/** @param {any} error what the platform threw, whatever it is */
function nativeError(error) {
  return { name: (error && error.name) || 'Error', message: String(error && error.message !== undefined ? error.message : error) };
}

const INVALID = Symbol('invalid');

/** @param {string | null} param */
function decodeKeyParam(param) {
  const value = decodeJsonParam(param ?? '');
  return typeof value === 'string' ? value : null;
}

/** @param {string} param */
function decodeJsonParam(param) {
  if (!/^[A-Za-z0-9_-]*$/.test(param) || param.length === 0) return INVALID;
  try {
    const b64 = param.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((param.length + 3) % 4);
    return JSON.parse(new TextDecoder().decode(decodeBase64(b64)));
  } catch {
    return INVALID;
  }
}

/** @param {unknown} value */
function encodeJsonParam(value) {
  return encodeBase64(new TextEncoder().encode(JSON.stringify(value))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Answers {"results":[...]} as a frame: each entry found carries its value's size, and the
// values follow the JSON line in the order of the results. One loop with no call of its own per op:
// in js-compute the guest is interpreted, and every extra async call costs about what a native op does.
/**
 * @param {any} body
 * @param {BridgeKvAdapter} kv
 * @param {Uint8Array} bytes
 */
async function runOps(body, kv, bytes) {
  const problem = checkBatch(body, bytes.byteLength);
  if (problem) return protocolError(400, problem);
  /** @type {WireOp[]} */
  const ops = body.ops;
  const results = new Array(ops.length);
  /** @type {Uint8Array[]} */
  const values = [];
  let offset = 0;
  let size = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    try {
      switch (op.op) {
        case 'get': {
          const entry = await kv.get(op.key);
          if (entry) {
            values.push(entry.value);
            size += entry.value.byteLength;
            results[i] = { ok: true, entry: { size: entry.value.byteLength, metadata: entry.metadata ?? null } };
          } else results[i] = MISSING;
          break;
        }
        case 'put': {
          if (kv.putMany) {
            // This put and the ones right after it, handed over together.
            /** @type {PutEntry[]} */
            const puts = [];
            for (let j = i; j < ops.length && ops[j].op === 'put'; j++) {
              const put = /** @type {{ key: string, size: number, ttl?: number, metadata?: unknown }} */ (ops[j]);
              puts.push({ key: put.key, value: new Uint8Array(bytes.buffer, bytes.byteOffset + offset, put.size), options: writeOptions(put) });
              offset += put.size;
            }
            const outcomes = await kv.putMany(puts);
            for (let k = 0; k < puts.length; k++) {
              const outcome = outcomes[k];
              results[i + k] = outcome.ok ? OK : { ok: false, error: nativeError(outcome.error) };
            }
            i += puts.length - 1;
            break;
          }
          // A view into the request body, which nothing writes to. The constructor, not subarray():
          // in js-compute subarray() costs twenty times as much (its species lookup is interpreted).
          const value = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, op.size);
          offset += op.size;
          await kv.put(op.key, value, writeOptions(op));
          results[i] = OK;
          break;
        }
        case 'delete':
          await kv.delete(op.key);
          results[i] = OK;
          break;
        case 'list':
          results[i] = { ok: true, page: await kv.list({ prefix: op.prefix, limit: op.limit, cursor: op.cursor }) };
          break;
      }
    } catch (error) {
      results[i] = { ok: false, error: nativeError(error) };
    }
  }
  return frame(200, { results }, values, size);
}

const OK = { ok: true };
const MISSING = { ok: true, entry: null };
const NO_OPTIONS = {};

/** @param {{ ttl?: number, metadata?: unknown }} op */
const writeOptions = (op) => (op.ttl === undefined && op.metadata === undefined ? NO_OPTIONS : { ttl: op.ttl, metadata: op.metadata });

// In-runtime loop for benchmarks: the same native ops the kit would send, without the HTTP hop.
/**
 * @param {any} body
 * @param {BridgeKvAdapter} kv
 */
async function runBench(body, kv) {
  const count = body && body.count;
  if (body?.kind !== 'put' && body?.kind !== 'get') return protocolError(400, 'bench: kind must be "put" or "get"');
  if (!Number.isInteger(count) || count < 1 || count > 100000) return protocolError(400, 'bench: count must be an integer in 1..100000');
  const prefix = typeof body.prefix === 'string' ? body.prefix : 'bench/';
  const value = new TextEncoder().encode('v'.repeat(64));
  // A monotonic clock where the runtime has one: under libfaketime's frozen clock (the deno-kv
  // host) Date.now() does not move, and the loop would seem to take no time at all.
  const now = () => (typeof performance === 'object' && typeof performance.now === 'function' ? performance.now() : Date.now());
  const started = now();
  for (let i = 0; i < count; i++) {
    if (body.kind === 'put') await kv.put(prefix + i, value, {});
    else await kv.get(prefix + i);
  }
  return json(200, { ops: count, ms: now() - started });
}

/**
 * Validates a whole batch before any op runs; returns a message naming the op and field, or null.
 * `valueBytes`: how many bytes follow the JSON line (the puts' sizes must add up to it).
 * @param {any} body
 * @param {number} [valueBytes]
 * @returns {string | null}
 */
export function checkBatch(body, valueBytes = 0) {
  if (!body || typeof body !== 'object' || !Array.isArray(body.ops)) return 'body must be {"ops":[...]}';
  if (body.ops.length === 0) return 'ops must not be empty';
  if (body.ops.length > MAX_OPS) return `ops holds ${body.ops.length} operations; at most ${MAX_OPS} per request`;
  let declared = 0;
  // Each field read once and the common ops first: this loop runs interpreted in js-compute.
  for (let i = 0; i < body.ops.length; i++) {
    const op = body.ops[i];
    if (!op || typeof op !== 'object') return `ops[${i}] must be an object`;
    const kind = op.op;
    if (kind === 'put' || kind === 'get' || kind === 'delete') {
      if (typeof op.key !== 'string') return `ops[${i}].key must be a string`;
      if (kind !== 'put') continue;
      const size = op.size;
      if (!Number.isInteger(size) || size < 0) return `ops[${i}].size must be the value's length in bytes (the bytes follow the JSON line)`;
      declared += size;
      if (op.ttl !== undefined && typeof op.ttl !== 'number') return `ops[${i}].ttl must be a number of seconds`;
    } else if (kind === 'list') {
      for (const field of ['prefix', 'cursor']) {
        if (op[field] !== undefined && typeof op[field] !== 'string') return `ops[${i}].${field} must be a string`;
      }
      if (op.limit !== undefined && typeof op.limit !== 'number') return `ops[${i}].limit must be a number`;
    } else {
      return `ops[${i}].op must be one of get, put, delete, list (got ${JSON.stringify(kind)})`;
    }
  }
  if (declared !== valueBytes) return `the puts declare ${declared} value bytes, but ${valueBytes} follow the JSON line`;
  return null;
}

/**
 * The request's body, refused (thrown { tooLarge: true }) past `limit` bytes without reading it whole.
 * @param {Request} request
 * @param {number} limit
 * @returns {Promise<Uint8Array>}
 */
async function readBounded(request, limit) {
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) throw { tooLarge: true };
  if (!request.body) return new Uint8Array(0);
  // A declared length within the bound: the runtime reads it in one native call (the loop below
  // costs an interpreted await per chunk in js-compute). HTTP framing holds the body to that length.
  if (request.headers.get('content-length') !== null && Number.isInteger(declared)) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Stop reading: an oversize body is refused without buffering it whole.
      await reader.cancel().catch(() => {});
      throw { tooLarge: true };
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * @param {string | null} header
 * @param {string} token
 */
function bearerMatches(header, token) {
  const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
  // Constant time in the token's length: always walk the whole expected token.
  let diff = presented.length ^ token.length;
  for (let i = 0; i < token.length; i++) diff |= token.charCodeAt(i) ^ (presented.charCodeAt(i) || 0);
  return diff === 0;
}

/**
 * @param {number} status
 * @param {string} message
 */
function protocolError(status, message) {
  return json(status, { error: { status, message } });
}

/**
 * @param {number} status
 * @param {unknown} body
 */
function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** @param {Uint8Array} bytes */
export function encodeBase64(bytes) {
  let out = '';
  /** @type {string[]} */
  const parts = [];
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
    // Flush in slices: repeated concatenation of a 33 MB string is slow in some engines.
    if (out.length >= 65536) {
      parts.push(out);
      out = '';
    }
  }
  parts.push(out);
  return parts.join('');
}

/** @param {string} text */
export function decodeBase64(text) {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let j = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (LOOKUP[text.charCodeAt(i)] << 18) | (LOOKUP[text.charCodeAt(i + 1)] << 12) |
      ((LOOKUP[text.charCodeAt(i + 2)] & 63) << 6) | (LOOKUP[text.charCodeAt(i + 3)] & 63);
    if (j < bytes.length) bytes[j++] = (n >> 16) & 255;
    if (j < bytes.length) bytes[j++] = (n >> 8) & 255;
    if (j < bytes.length) bytes[j++] = n & 255;
  }
  return bytes;
}

// For the adapters: only the options that were given, under the platform's names, so a platform
// call never gets a key set to undefined (which some read as a value).
/**
 * @template {Record<string, unknown>} T
 * @param {T} options
 * @returns {Partial<T>}
 */
export function givenOptions(options) {
  /** @type {Partial<T>} */
  const given = {};
  for (const name in options) if (options[name] !== undefined) given[name] = options[name];
  return given;
}

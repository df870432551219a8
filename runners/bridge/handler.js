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

export const PROTOCOL_VERSION = 2;
export const MAX_OPS = 1000;
// /ops: the largest legal value (25 MiB) as raw bytes, plus the JSON line (keys, metadata) and framing.
export const MAX_BODY_BYTES = 36 * 1024 * 1024;
// /value carries raw bytes. Its bound is the largest value any supported platform can be
// configured to take (Fastly: 100 MB on request), so native probes can look past 25 MiB.
export const MAX_VALUE_BYTES = 100 * 1024 * 1024;
// Metadata rides in a header on /value only up to this many characters.
export const MAX_METADATA_HEADER = 4096;


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
const ROUTES = {
  '/health': { GET: ({ runtime }) => json(200, { ok: true, protocol: PROTOCOL_VERSION, runtime }) },
  '/ops': { POST: withFramedBody(runOps) },
  '/bench': { POST: withFramedBody(runBench) },
  '/value': { GET: getValue, PUT: putValue },
};

function withFramedBody(run) {
  return async ({ request, kv, maxBodyBytes }) => {
    let body;
    let bytes;
    try {
      ({ body, bytes } = splitFrame(await readBounded(request, maxBodyBytes)));
    } catch (error) {
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
function splitFrame(frame) {
  const newline = frame.indexOf(10);
  const head = newline < 0 ? frame : frame.subarray(0, newline);
  return { body: JSON.parse(new TextDecoder().decode(head)), bytes: newline < 0 ? frame.subarray(0, 0) : frame.subarray(newline + 1) };
}

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
async function getValue({ url, kv }) {
  const key = decodeKeyParam(url.searchParams.get('key'));
  if (key === null) return badKeyParam();
  try {
    const entry = kv.getRaw ? await kv.getRaw(key) : await kv.get(key).then((e) => e && { body: e.value, metadata: e.metadata });
    if (!entry) return new Response(null, { status: 200, headers: { 'kvparity-result': 'missing' } });
    const headers = { 'kvparity-result': 'found', 'content-type': 'application/octet-stream' };
    if (entry.metadata !== null && entry.metadata !== undefined) {
      const encoded = encodeJsonParam(entry.metadata);
      // HTTP stacks cap header sizes well below what some platforms take as metadata: large
      // metadata is fetched through /ops instead, so the platform's limit is what a probe sees.
      if (encoded.length <= MAX_METADATA_HEADER) headers['kvparity-metadata'] = encoded;
      else headers['kvparity-metadata-via'] = 'ops';
    }
    return new Response(entry.body, { status: 200, headers });
  } catch (error) {
    return nativeFailure(error);
  }
}

async function putValue({ request, url, kv, maxValueBytes }) {
  const key = decodeKeyParam(url.searchParams.get('key'));
  if (key === null) return badKeyParam();
  const ttlParam = url.searchParams.get('ttl');
  const ttl = ttlParam === null ? undefined : Number(ttlParam);
  if (ttl !== undefined && (ttlParam.trim() === '' || Number.isNaN(ttl))) return protocolError(400, 'ttl must be a number of seconds');
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

function nativeFailure(error) {
  return new Response(JSON.stringify({ ok: false, error: nativeError(error) }), {
    status: 200,
    headers: { 'content-type': 'application/json', 'kvparity-result': 'error' },
  });
}

function nativeError(error) {
  return { name: (error && error.name) || 'Error', message: String(error && error.message !== undefined ? error.message : error) };
}

const INVALID = Symbol('invalid');

function decodeKeyParam(param) {
  const value = decodeJsonParam(param ?? '');
  return typeof value === 'string' ? value : null;
}

function decodeJsonParam(param) {
  if (!/^[A-Za-z0-9_-]*$/.test(param) || param.length === 0) return INVALID;
  try {
    const b64 = param.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((param.length + 3) % 4);
    return JSON.parse(new TextDecoder().decode(decodeBase64(b64)));
  } catch {
    return INVALID;
  }
}

function encodeJsonParam(value) {
  return encodeBase64(new TextEncoder().encode(JSON.stringify(value))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Answers {"results":[...]} as a frame: each entry found carries its value's size, and the
// values follow the JSON line in the order of the results. One loop with no call of its own per op:
// in js-compute the guest is interpreted, and every extra async call costs about what a native op does.
async function runOps(body, kv, bytes) {
  const problem = checkBatch(body, bytes.byteLength);
  if (problem) return protocolError(400, problem);
  const { ops } = body;
  const results = new Array(ops.length);
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
          // A view into the request body, which nothing writes to. The constructor, not subarray():
          // in js-compute subarray() costs twenty times as much (its species lookup is interpreted).
          const value = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, op.size);
          offset += op.size;
          await kv.put(op.key, value, op.ttl === undefined && op.metadata === undefined ? NO_OPTIONS : { ttl: op.ttl, metadata: op.metadata });
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

// In-runtime loop for benchmarks: the same native ops the kit would send, without the HTTP hop.
async function runBench(body, kv) {
  const count = body && body.count;
  if (body?.kind !== 'put' && body?.kind !== 'get') return protocolError(400, 'bench: kind must be "put" or "get"');
  if (!Number.isInteger(count) || count < 1 || count > 100000) return protocolError(400, 'bench: count must be an integer in 1..100000');
  const prefix = typeof body.prefix === 'string' ? body.prefix : 'bench/';
  const value = new TextEncoder().encode('v'.repeat(64));
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    if (body.kind === 'put') await kv.put(prefix + i, value, {});
    else await kv.get(prefix + i);
  }
  return json(200, { ops: count, ms: Date.now() - started });
}

/**
 * Validates a whole batch before any op runs; returns a message naming the op and field, or null.
 * `valueBytes`: how many bytes follow the JSON line (the puts' sizes must add up to it).
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

async function readBounded(request, limit) {
  const declared = Number(request.headers.get('content-length'));
  if (declared > limit) throw { tooLarge: true };
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
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

function bearerMatches(header, token) {
  const presented = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
  // Constant time in the token's length: always walk the whole expected token.
  let diff = presented.length ^ token.length;
  for (let i = 0; i < token.length; i++) diff |= token.charCodeAt(i) ^ (presented.charCodeAt(i) || 0);
  return diff === 0;
}

function protocolError(status, message) {
  return json(status, { error: { status, message } });
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes) {
  let out = '';
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
export function givenOptions(options) {
  const given = {};
  for (const name in options) if (options[name] !== undefined) given[name] = options[name];
  return given;
}

// EdgeZero's app-demo KV routes (examples/app-demo, PR #165 squash 170b74b), shared by
// the three demo runtimes. Plain JavaScript with no imports, so workerd and
// js-compute can bundle it. Behaviour follows EdgeZero's source, not its docs:
// - the router matches the RAW request path (matchit over uri().path()), so a
//   note id is the path segment as sent, percent escapes and all;
// - ValidatedPath counts the id in chars: more than 507 -> 422;
// - error bodies are serde_json with sorted keys: {"error":{"message","status"}}.
//
// A request is { method, path, readBody(limit) }, where readBody resolves the body,
// or null once it has read more than `limit` bytes (and stopped reading).
// `handle` is KvHandle-like: getBytes, putBytes, delete, readModifyWrite, throwing
// errors that carry httpStatus and httpMessage (contract/errors.ts, demo/kv-handle.js).
// The answer is { status, headers, body: Uint8Array | string | null }.

export const MAX_NOTE_ID_LEN = 507;
export const MAX_BODY_SIZE = 25 * 1024 * 1024;
export const COUNTER_KEY = 'demo:counter';

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

const ROUTES = [
  { method: 'GET', path: '/', run: root },
  { method: 'POST', path: '/kv/counter', run: counter },
  { method: 'POST', path: '/kv/notes/{id}', run: notePut },
  { method: 'GET', path: '/kv/notes/{id}', run: noteGet },
  { method: 'DELETE', path: '/kv/notes/{id}', run: noteDelete },
];

export async function routeDemo(request, handle) {
  try {
    return await dispatch(request, handle);
  } catch (error) {
    return errorAnswer(error);
  }
}

async function dispatch(request, handle) {
  const allowed = new Set();
  for (const route of ROUTES) {
    const params = match(route.path, request.path);
    if (params === null) continue;
    if (route.method === request.method) return route.run({ request, params, handle });
    allowed.add(route.method);
  }
  if (allowed.size === 0) throw edgeError(404, `no route matched path: ${request.path}`);
  throw edgeError(405, `method ${request.method} not allowed; allowed: ${[...allowed].sort().join(', ')}`);
}

/** matchit semantics for these patterns: literal segments, `{name}` = one non-empty segment. */
function match(pattern, path) {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
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

function root() {
  return { status: 200, headers: { 'content-type': TEXT }, body: 'app-demo app' };
}

async function counter({ handle }) {
  const count = await handle.readModifyWrite(COUNTER_KEY, 0, (n) => {
    // EdgeZero reads an i64: anything else stored under the key fails to deserialize.
    if (!Number.isSafeInteger(n)) throw edgeError(500, `internal error: kv serialization error: invalid type: ${JSON.stringify(n)}, expected i64`);
    return n + 1;
  });
  return { status: 200, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ count }) };
}

async function notePut({ request, params, handle }) {
  const id = noteId(params);
  const body = await request.readBody(MAX_BODY_SIZE);
  if (body === null) throw edgeError(400, 'request body too large');
  await handle.putBytes(`note:${id}`, body);
  return { status: 201, headers: {}, body: null };
}

async function noteGet({ params, handle }) {
  const id = noteId(params);
  const bytes = await handle.getBytes(`note:${id}`);
  if (bytes === null) throw edgeError(404, `no route matched path: note:${id}`);
  return { status: 200, headers: { 'content-type': TEXT }, body: bytes };
}

async function noteDelete({ params, handle }) {
  const id = noteId(params);
  await handle.delete(`note:${id}`);
  return { status: 204, headers: {}, body: null };
}

/** ValidatedPath<NoteIdPath>: validator's `length` counts chars (Unicode scalar values). */
function noteId(params) {
  const id = params.id;
  const chars = [...id].length;
  if (chars < 1 || chars > MAX_NOTE_ID_LEN) throw edgeError(422, 'id: note id must be 1–507 bytes');
  return id;
}

function edgeError(status, message) {
  const error = new Error(message);
  error.httpStatus = status;
  error.httpMessage = message;
  return error;
}

function errorAnswer(error) {
  const known = error && typeof error.httpStatus === 'number' && typeof error.httpMessage === 'string';
  const status = known ? error.httpStatus : 500;
  const message = known ? error.httpMessage : `internal error: ${(error && error.message) || String(error)}`;
  // serde_json without preserve_order sorts object keys: "message" comes before "status".
  return { status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify({ error: { message, status } }) };
}

/** readBody for Fetch-API runtimes: reads the stream until done or past `limit`, then stops. */
export async function readStreamBounded(stream, limit) {
  if (stream === null || stream === undefined) return new Uint8Array(0);
  const reader = stream.getReader();
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
export async function handleFetch(request, handle) {
  const answer = await routeDemo(
    { method: request.method, path: new URL(request.url).pathname, readBody: (limit) => readStreamBounded(request.body, limit) },
    handle,
  );
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

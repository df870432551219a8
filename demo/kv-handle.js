// A thin plain-JS port of the part of EdgeZero's KvHandle the demo routes use
// (get_bytes, put_bytes, delete, list_keys_page), for runtimes that cannot load the
// kit's TypeScript (workerd, js-compute). The rules, messages, error kinds and cursor
// envelope are those of contract/rules.ts, contract/errors.ts and contract/cursor.ts;
// test/smoke.test.ts holds this port to them case by case. The Node demo uses the real
// contract/handle.ts. Its types are the JSDoc below (checked with the kit's TypeScript).

/**
 * @typedef {import('../contract/errors.ts').KvErrorKind} KvErrorKind
 * @typedef {import('../contract/errors.ts').EdgeErrorKind} EdgeErrorKind
 * @typedef {import('./routes.js').DemoHandle} DemoHandle
 * @typedef {object} NativeStore A platform's KV binding, as the demo's runtimes adapt it.
 * @property {(key: string) => Promise<Uint8Array | null> | Uint8Array | null} get
 * @property {(key: string, value: Uint8Array) => Promise<void> | void} put
 * @property {(key: string) => Promise<void> | void} delete
 * @property {(options: { prefix: string, limit: number, cursor?: string }) => Promise<{ keys: string[], cursor: string | null }> | { keys: string[], cursor: string | null }} list
 */

export const MAX_KEY_BYTES = 512;
export const MAX_VALUE_BYTES = 25 * 1024 * 1024;
export const MAX_LIST_PAGE_SIZE = 1000;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** UTF-8 byte length (a lone surrogate counts 3 bytes, as U+FFFD, like Buffer.byteLength). */
/** @param {string} text */
export function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * @param {string} key
 * @returns {string | null}
 */
export function keyProblem(key) {
  if (key.length === 0) return 'key cannot be empty';
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) return `key length ${bytes} exceeds limit of ${MAX_KEY_BYTES} bytes`;
  if (key === '.' || key === '..') return "key cannot be exactly '.' or '..'";
  if (CONTROL.test(key)) return 'key contains invalid control characters';
  if (LONE_SURROGATE.test(key)) return 'key contains a lone surrogate (not valid UTF-8)';
  return null;
}

/**
 * @param {number} byteLength
 * @returns {string | null}
 */
export function valueProblem(byteLength) {
  return byteLength > MAX_VALUE_BYTES ? `value size ${byteLength} exceeds limit of ${MAX_VALUE_BYTES} bytes` : null;
}

/**
 * @param {string} prefix
 * @returns {string | null}
 */
export function prefixProblem(prefix) {
  const bytes = utf8Length(prefix);
  if (bytes > MAX_KEY_BYTES) return `prefix length ${bytes} exceeds limit of ${MAX_KEY_BYTES} bytes`;
  if (CONTROL.test(prefix)) return 'prefix contains invalid control characters';
  if (LONE_SURROGATE.test(prefix)) return 'prefix contains a lone surrogate (not valid UTF-8)';
  return null;
}

/**
 * @param {number} limit
 * @returns {string | null}
 */
export function limitProblem(limit) {
  if (!Number.isInteger(limit) || limit < 0) return `list limit ${limit} is not a whole number`;
  if (limit === 0) return 'list limit must be greater than zero';
  if (limit > MAX_LIST_PAGE_SIZE) return `list limit ${limit} exceeds maximum of ${MAX_LIST_PAGE_SIZE}`;
  return null;
}

/** The prefix-bound envelope, written {"cursor","prefix"} as upstream does since 7ec2ad1. */
export const encodeCursor = (/** @type {string} */ prefix, /** @type {string} */ backend) => JSON.stringify({ cursor: backend, prefix });

/**
 * @param {string} cursor
 * @param {string} prefix
 * @returns {{ backend: string, problem?: undefined } | { problem: string }}
 */
export function decodeCursor(cursor, prefix) {
  let envelope;
  try {
    envelope = JSON.parse(cursor);
  } catch {
    return { problem: 'list cursor is invalid or corrupted' };
  }
  const fields = envelope !== null && typeof envelope === 'object' && !Array.isArray(envelope) ? envelope : {};
  if (typeof fields.prefix !== 'string' || typeof fields.cursor !== 'string') return { problem: 'list cursor is invalid or corrupted' };
  if (fields.prefix !== prefix) return { problem: 'list cursor does not match the requested prefix' };
  if (fields.cursor === '') return { problem: 'list cursor payload cannot be empty' };
  return { backend: fields.cursor };
}

/**
 * KvError variant -> the EdgeError it becomes: status and error-body kind (contract/errors.ts).
 * @type {Record<KvErrorKind, [number, EdgeErrorKind]>}
 */
const EDGE = {
  Validation: [400, 'bad_request'],
  NotFound: [404, 'not_found'],
  Unavailable: [503, 'service_unavailable'],
  Serialization: [500, 'internal'],
  Internal: [500, 'internal'],
  LimitExceeded: [503, 'service_unavailable'],
  Unsupported: [501, 'not_implemented'],
};
/** @type {Record<KvErrorKind, (detail: string) => string>} */
const DISPLAY = {
  Validation: (detail) => `validation error: ${detail}`,
  NotFound: (detail) => `key not found: ${detail}`,
  Unavailable: () => 'kv store unavailable',
  Serialization: (detail) => `serialization error: ${detail}`,
  Internal: (detail) => `kv store error: ${detail}`,
  LimitExceeded: (detail) => `kv backend limit exceeded: ${detail}`,
  Unsupported: (detail) => `kv operation not supported by backend: ${detail}`,
};

/** KvError with the HTTP status, kind and message EdgeZero answers with. */
export class KvError extends Error {
  /**
   * @param {KvErrorKind} kind
   * @param {string} detail
   * @param {unknown} [cause]
   */
  constructor(kind, detail, cause) {
    super(DISPLAY[kind](detail));
    this.name = 'KvError';
    this.kind = kind;
    this.detail = detail;
    this.cause = cause;
  }

  get httpStatus() {
    return EDGE[this.kind][0];
  }

  get httpKind() {
    return EDGE[this.kind][1];
  }

  get httpMessage() {
    switch (this.kind) {
      case 'Validation':
        return `kv validation error: ${this.detail}`;
      case 'NotFound':
        return `no route matched path: kv key: ${this.detail}`;
      case 'Unavailable':
        return 'kv store unavailable';
      case 'Serialization':
        return `internal error: kv serialization error: ${this.detail}`;
      case 'LimitExceeded':
      case 'Unsupported':
        return this.message;
      default:
        return `internal error: ${this.detail}`;
    }
  }
}

/**
 * Validation first (an invalid call never reaches the store), then the native call;
 * a native failure becomes KvError Internal, as EdgeZero's Cloudflare and Fastly adapters map it.
 * `store`: { get(key) -> Uint8Array | null, put(key, bytes), delete(key),
 *            list({ prefix, limit, cursor }) -> { keys, cursor } (cursor null on the last page) }.
 */
/** @implements {DemoHandle} */
export class KvHandle {
  /** @param {NativeStore} store */
  constructor(store) {
    this.store = store;
  }

  /**
   * @param {string} key
   * @returns {Promise<Uint8Array | null>}
   */
  async getBytes(key) {
    validate(keyProblem(key));
    return native(() => this.store.get(key));
  }

  /**
   * @param {string} key
   * @param {Uint8Array} bytes
   */
  async putBytes(key, bytes) {
    validate(keyProblem(key));
    validate(valueProblem(bytes.byteLength));
    await native(() => this.store.put(key, bytes));
  }

  /** @param {string} key */
  async delete(key) {
    validate(keyProblem(key));
    await native(() => this.store.delete(key));
  }

  /**
   * @param {string} prefix
   * @param {string | null} cursor
   * @param {number} limit
   * @returns {Promise<{ keys: string[], cursor: string | null }>}
   */
  async listKeysPage(prefix, cursor, limit) {
    validate(prefixProblem(prefix));
    validate(limitProblem(limit));
    /** @type {string | undefined} */
    let backend;
    if (cursor !== null && cursor !== undefined) {
      const decoded = decodeCursor(cursor, prefix);
      if (decoded.problem !== undefined) throw new KvError('Validation', decoded.problem);
      backend = decoded.backend;
    }
    const page = await native(() => this.store.list({ prefix, limit, cursor: backend }));
    const next = page.cursor === null || page.cursor === undefined || page.cursor === '' ? null : encodeCursor(prefix, page.cursor);
    return { keys: page.keys, cursor: next };
  }
}

/** @param {string | null} problem */
/**
 * A native call whose failure carries `what` first, as EdgeZero's platform adapters prefix
 * theirs (then it becomes KvError Internal).
 * @template T
 * @param {string} what
 * @param {() => Promise<T>} call
 * @returns {Promise<T>}
 */
export const failing = (what, call) =>
  call().catch((error) => {
    throw new Error(`${what} failed: ${error && error.message}`);
  });

/** @param {string | null} problem */
function validate(problem) {
  if (problem !== null) throw new KvError('Validation', problem);
}

/**
 * @template T
 * @param {() => T | Promise<T>} call
 * @returns {Promise<T>}
 */
async function native(call) {
  try {
    return await call();
  } catch (/** @type {any} */ error) {
    if (error instanceof KvError) throw error;
    throw new KvError('Internal', (error && error.message) || String(error), error);
  }
}

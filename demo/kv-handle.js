// A thin plain-JS port of the part of EdgeZero's KvHandle the demo routes use
// (get_bytes, put_bytes, delete, read_modify_write), for runtimes that cannot
// load the kit's TypeScript (workerd, js-compute). The rules and messages are
// those of contract/rules.ts and contract/errors.ts; test/smoke.test.ts holds
// this port to them key by key. The Node demo uses the real contract/handle.ts.

export const MAX_KEY_BYTES = 512;
export const MAX_VALUE_BYTES = 25 * 1024 * 1024;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** UTF-8 byte length (a lone surrogate counts 3 bytes, as U+FFFD, like Buffer.byteLength). */
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

export function keyProblem(key) {
  if (key.length === 0) return 'key cannot be empty';
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) return `key length ${bytes} exceeds limit of ${MAX_KEY_BYTES} bytes`;
  if (key === '.' || key === '..') return "key cannot be exactly '.' or '..'";
  if (CONTROL.test(key)) return 'key contains invalid control characters';
  if (LONE_SURROGATE.test(key)) return 'key contains a lone surrogate (not valid UTF-8)';
  return null;
}

export function valueProblem(byteLength) {
  return byteLength > MAX_VALUE_BYTES ? `value size ${byteLength} exceeds limit of ${MAX_VALUE_BYTES} bytes` : null;
}

const STATUS = { Validation: 400, NotFound: 404, Unavailable: 503, Serialization: 500, Internal: 500 };
const DISPLAY = {
  Validation: (detail) => `validation error: ${detail}`,
  NotFound: (detail) => `key not found: ${detail}`,
  Unavailable: () => 'kv store unavailable',
  Serialization: (detail) => `serialization error: ${detail}`,
  Internal: (detail) => `kv store error: ${detail}`,
};

/** KvError with the HTTP status and message EdgeZero answers with (contract digest §2.3). */
export class KvError extends Error {
  constructor(kind, detail, cause) {
    super(DISPLAY[kind](detail));
    this.name = 'KvError';
    this.kind = kind;
    this.detail = detail;
    this.cause = cause;
  }

  get httpStatus() {
    return STATUS[this.kind];
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
      default:
        return `internal error: ${this.detail}`;
    }
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Validation first (an invalid call never reaches the store), then the native call;
 * a native failure becomes KvError Internal, as EdgeZero's adapters map it.
 * `store`: { get(key) -> Uint8Array | null, put(key, bytes), delete(key) }.
 */
export class KvHandle {
  constructor(store) {
    this.store = store;
  }

  async getBytes(key) {
    validate(keyProblem(key));
    return native(() => this.store.get(key));
  }

  async putBytes(key, bytes) {
    validate(keyProblem(key));
    validate(valueProblem(bytes.byteLength));
    await native(() => this.store.put(key, bytes));
  }

  async delete(key) {
    validate(keyProblem(key));
    await native(() => this.store.delete(key));
  }

  /** get_or, then put. NOT atomic, as in EdgeZero: concurrent calls can lose updates. */
  async readModifyWrite(key, fallback, update) {
    const bytes = await this.getBytes(key);
    const next = update(bytes === null ? fallback : parseJson(bytes));
    const encoded = encoder.encode(JSON.stringify(next));
    validate(keyProblem(key));
    validate(valueProblem(encoded.byteLength));
    await native(() => this.store.put(key, encoded));
    return next;
  }
}

function validate(problem) {
  if (problem !== null) throw new KvError('Validation', problem);
}

async function native(call) {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KvError) throw error;
    throw new KvError('Internal', (error && error.message) || String(error), error);
  }
}

function parseJson(bytes) {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new KvError('Serialization', error.message, error);
  }
}

/**
 * EdgeZero's KvHandle in TypeScript: validation first (an invalid call never
 * reaches the provider), then the native operation, with native failures mapped
 * to KvError the way EdgeZero's adapters map them.
 */
import type { KvInstance } from '../api/index.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { KvError, type KvErrorKind } from './errors.ts';
import { keyProblem, limitProblem, prefixProblem, ttlProblem, valueProblem } from './rules.ts';

export interface KvPage {
  keys: string[];
  /**
   * null on the last page, and only there: a page with no keys and a cursor is a
   * valid page in the middle of a listing (upstream KvPage, 7ec2ad1; axum's store
   * answers one when its scan cap is hit), so callers walk on until the cursor is null.
   */
  cursor: string | null;
}

/**
 * What a contract case calls: EdgeZero's KvHandle, whoever implements it. The kit's port below
 * (KvHandle) runs on any provider's native operations; a provider that runs EdgeZero's own Rust
 * code brings EdgeZero's handle instead (upstream-handle.ts).
 */
export interface ContractHandle {
  getBytes(key: string): Promise<Uint8Array | null>;
  putBytes(key: string, value: Uint8Array): Promise<void>;
  putBytesWithTtl(key: string, value: Uint8Array, ttlSeconds: number): Promise<void>;
  get<T>(key: string): Promise<T | null>;
  getOr<T>(key: string, fallback: T): Promise<T>;
  put<T>(key: string, value: T): Promise<void>;
  putWithTtl<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
  readModifyWrite<T>(key: string, fallback: T, update: Mutator<T>): Promise<T>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  listKeysPage(prefix: string, cursor: string | null, limit: number): Promise<KvPage>;
}

/**
 * The update of read_modify_write. A closure cannot cross to Rust, so the ones cases use carry
 * what they do as data too (`add`, `multiply`): EdgeZero's own handle runs the same update.
 */
export type Mutator<T> = ((current: T) => T) & { wire?: { add: number } | { mul: number } };

export const add = (n: number): Mutator<number> => Object.assign((current: number) => current + n, { wire: { add: n } });
export const multiply = (n: number): Mutator<number> => Object.assign((current: number) => current * n, { wire: { mul: n } });

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class KvHandle implements ContractHandle {
  constructor(private readonly store: Pick<KvInstance, 'get' | 'put' | 'delete' | 'list'>) {}

  async getBytes(key: string): Promise<Uint8Array | null> {
    validate(keyProblem(key));
    const entry = await native(() => this.store.get(key));
    return entry ? entry.value : null;
  }

  async putBytes(key: string, value: Uint8Array): Promise<void> {
    validate(keyProblem(key));
    validate(valueProblem(value.byteLength));
    await native(() => this.store.put(key, value));
  }

  async putBytesWithTtl(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    validate(keyProblem(key));
    validate(ttlProblem(ttlSeconds));
    validate(valueProblem(value.byteLength));
    await native(() => this.store.put(key, value, { ttlSeconds }));
  }

  async get<T>(key: string): Promise<T | null> {
    const bytes = await this.getBytes(key);
    return bytes === null ? null : parseJson<T>(bytes);
  }

  async getOr<T>(key: string, fallback: T): Promise<T> {
    const value = await this.get<T>(key);
    return value === null ? fallback : value;
  }

  async put<T>(key: string, value: T): Promise<void> {
    validate(keyProblem(key));
    const bytes = toJson(value);
    validate(valueProblem(bytes.byteLength));
    await native(() => this.store.put(key, bytes));
  }

  async putWithTtl<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    validate(keyProblem(key));
    validate(ttlProblem(ttlSeconds));
    const bytes = toJson(value);
    validate(valueProblem(bytes.byteLength));
    await native(() => this.store.put(key, bytes, { ttlSeconds }));
  }

  /**
   * get_or, then put; returns the new value. NOT atomic, as in EdgeZero: two
   * concurrent calls on one key can both read n and both write n + 1.
   */
  async readModifyWrite<T>(key: string, fallback: T, update: Mutator<T>): Promise<T> {
    const next = update(await this.getOr(key, fallback));
    await this.put(key, next);
    return next;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.getBytes(key)) !== null;
  }

  /** Succeeds whether or not the key existed. */
  async delete(key: string): Promise<void> {
    validate(keyProblem(key));
    await native(() => this.store.delete(key));
  }

  async listKeysPage(prefix: string, cursor: string | null, limit: number): Promise<KvPage> {
    validate(prefixProblem(prefix));
    validate(limitProblem(limit));
    let backend: string | undefined;
    if (cursor !== null && cursor !== undefined) {
      const decoded = decodeCursor(cursor, prefix);
      if ('problem' in decoded) throw new KvError('Validation', decoded.problem);
      backend = decoded.backend;
    }
    const page = await native(() => this.store.list({ prefix: prefix || undefined, limit, cursor: backend }));
    const more = !page.complete && page.cursor !== null && page.cursor !== '';
    return { keys: page.keys, cursor: more ? encodeCursor(prefix, page.cursor!) : null };
  }
}

function validate(problem: string | null): void {
  if (problem !== null) throw new KvError('Validation', problem);
}

/**
 * Native failures an adapter reports as their own KvError variant; every other one is
 * Internal. Upstream's Spin store answers LimitExceeded and Unsupported (e483723).
 */
const NATIVE_KINDS: Record<string, KvErrorKind> = { unavailable: 'Unavailable', 'limit-exceeded': 'LimitExceeded', unsupported: 'Unsupported' };

async function native<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof KvError) throw error;
    const cause = error as { errorClass?: string; message?: string };
    const kind = NATIVE_KINDS[cause?.errorClass ?? ''] ?? 'Internal';
    throw new KvError(kind, cause?.message ?? String(error), error);
  }
}

function toJson(value: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new KvError('Serialization', (error as Error).message, error);
  }
  if (text === undefined) throw new KvError('Serialization', `${typeof value} is not serializable to JSON`);
  return encoder.encode(text);
}

function parseJson<T>(bytes: Uint8Array): T {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch (error) {
    throw new KvError('Serialization', (error as Error).message, error);
  }
}

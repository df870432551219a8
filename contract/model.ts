/**
 * The reference model: the EdgeZero contract as a synchronous in-memory store
 * with a virtual clock. The `memory` provider serves it, and the model-based
 * property tests hold every other provider up against it.
 *
 * Semantics chosen where EdgeZero's own stores agree (MockStore, redb store):
 * keys ordered by UTF-8 bytes, expiry when now >= expiresAt, overwrite replaces
 * value, metadata and expiry, delete of a missing key succeeds, pages never end
 * with an empty trailing page.
 */
import type { Entry, JsonValue, KvInstance, ListOptions, ListPage, PutOptions } from '../api/index.ts';
import { NativeError, compareUtf8 } from '../api/index.ts';
import { CONTRACT_LIMITS } from './limits.ts';
import { keyProblem, limitProblem, prefixProblem, ttlProblem, valueProblem } from './rules.ts';

interface Stored {
  value: Uint8Array;
  metadata: JsonValue | null;
  expiresAtMs: number | null;
}

export class KvModel {
  private readonly entries = new Map<string, Stored>();

  constructor(public nowMs: number = Date.UTC(2026, 0, 1)) {}

  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
  }

  get(key: string): Entry | null {
    check(keyProblem(key), 'invalid-key');
    const stored = this.live(key);
    return stored ? { value: stored.value.slice(), metadata: stored.metadata } : null;
  }

  put(key: string, value: Uint8Array, options: PutOptions = {}): void {
    check(keyProblem(key), 'invalid-key');
    if (options.ttlSeconds !== undefined) check(ttlProblem(options.ttlSeconds), 'invalid-ttl');
    check(valueProblem(value.byteLength), 'too-large');
    const expiresAtMs = options.ttlSeconds === undefined ? null : this.nowMs + options.ttlSeconds * 1000;
    this.entries.set(key, { value: value.slice(), metadata: options.metadata ?? null, expiresAtMs });
  }

  delete(key: string): void {
    check(keyProblem(key), 'invalid-key');
    this.entries.delete(key);
  }

  list(options: ListOptions = {}): ListPage {
    const prefix = options.prefix ?? '';
    const limit = options.limit ?? CONTRACT_LIMITS.maxListPageSize;
    check(prefixProblem(prefix), 'invalid-argument');
    check(limitProblem(limit), 'invalid-argument');
    const after = options.cursor ? decodeModelCursor(options.cursor) : null;
    const keys = [...this.entries.keys()]
      .filter((key) => key.startsWith(prefix) && this.live(key) && (after === null || compareUtf8(key, after) > 0))
      .sort(compareUtf8);
    const page = keys.slice(0, limit);
    const more = keys.length > limit;
    return { keys: page, cursor: more ? encodeModelCursor(page[page.length - 1]) : null, complete: !more };
  }

  /** Every live key, in order (for assertions). */
  keys(): string[] {
    return [...this.entries.keys()].filter((key) => this.live(key)).sort(compareUtf8);
  }

  private live(key: string): Stored | undefined {
    const stored = this.entries.get(key);
    if (stored && stored.expiresAtMs !== null && this.nowMs >= stored.expiresAtMs) {
      this.entries.delete(key); // lazy expiry, like EdgeZero's stores
      return undefined;
    }
    return stored;
  }
}

/**
 * The native operations over a model, with its virtual clock: the memory provider, the test suite's
 * broken providers, and the suites' dry run of a case before it runs in real time start from this.
 */
export function modelInstance(model: KvModel, version = '1'): KvInstance {
  return {
    runtime: { name: 'kvparity-model', version },
    get: async (key) => model.get(key),
    put: async (key, value, options) => model.put(key, value, options),
    delete: async (key) => model.delete(key),
    list: async (options) => model.list(options),
    clock: { advance: async (seconds) => model.advance(seconds) },
    stop: async () => {},
  };
}

function check(problem: string | null, errorClass: NativeError['errorClass']): void {
  if (problem !== null) throw new NativeError(problem, errorClass);
}

const encodeModelCursor = (lastKey: string) => 'm1.' + Buffer.from(lastKey, 'utf8').toString('base64url');

function decodeModelCursor(cursor: string): string {
  if (!cursor.startsWith('m1.') || !/^[A-Za-z0-9_-]+$/.test(cursor.slice(3))) {
    throw new NativeError('list cursor is invalid or corrupted', 'invalid-argument');
  }
  return Buffer.from(cursor.slice(3), 'base64url').toString('utf8');
}

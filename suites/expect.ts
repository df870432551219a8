/**
 * Assertions for cases. Each failure is a CaseFailure carrying what was observed; the
 * contract-level ones expect EdgeZero's exact validation message, prove the provider was
 * never touched, and turn a platform refusal inside the contract's domain into a FAIL that
 * carries the platform's own text (so a known divergence can match it) instead of an ERROR.
 */
import { isDeepStrictEqual } from 'node:util';
import { sortUtf8 } from '../api/index.ts';
import type { CaseInstance, NativeKv } from './instance.ts';
import { add, type ContractHandle, type KvPage } from '../contract/handle.ts';
import { isKvError, type KvErrorKind } from '../contract/errors.ts';
import { CaseFailure, type CaseContext } from './case.ts';
import { eachPage, listAllNative, WalkStuck } from './listing.ts';
import { describeValue } from './observe.ts';

export function fail(message: string, observed?: unknown): never {
  throw new CaseFailure(message, { observed: observed === undefined ? undefined : describeValue(observed) });
}

export function equal<T>(actual: T, expected: T, what: string): void {
  if (!isDeepStrictEqual(normalise(actual), normalise(expected))) {
    fail(`${what}: expected ${showValue(expected)}, got ${showValue(actual)}`, actual);
  }
}

export function ok(condition: unknown, message: string, observed?: unknown): asserts condition {
  if (!condition) fail(message, observed);
}

/** Expects `call` to reject with a KvError of `kind` (and a message containing `includes`). Returns it. */
export async function rejects(call: () => Promise<unknown>, kind: KvErrorKind, includes?: string) {
  let result: unknown;
  try {
    result = await call();
  } catch (error) {
    if (!isKvError(error, kind)) fail(`expected KvError ${kind}, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
    if (includes !== undefined && !error.detail.includes(includes)) fail(`expected a ${kind} message containing ${showValue(includes)}, got ${showValue(error.detail)}`);
    return error;
  }
  return fail(`expected KvError ${kind}, but the call succeeded`, result);
}

const normalise = (value: unknown): unknown => (value instanceof Uint8Array ? Buffer.from(value) : value);

function showValue(value: unknown): string {
  const text = JSON.stringify(describeValue(value));
  return text === undefined ? String(value) : text.length > 200 ? text.slice(0, 200) + '…' : text;
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** Runs a contract call that must succeed; a KvError from the platform FAILs the case with what it said. */
export async function must<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isKvError(error) && error.kind !== 'Unavailable') fail(`${what} failed: ${error.message}`, error);
    throw error;
  }
}

/** Expects a KvError::Validation with exactly `message`. */
export async function expectValidation(what: string, call: () => Promise<unknown>, message: string): Promise<void> {
  let returned: unknown;
  try {
    returned = await call();
  } catch (error) {
    if (!isKvError(error, 'Validation')) fail(`${what}: expected KvError Validation "${message}", got ${(error as Error)?.message ?? String(error)}`, error);
    if (error.detail !== message) fail(`${what}: expected the message "${message}", got "${error.detail}"`, error);
    return;
  }
  fail(`${what}: expected KvError Validation "${message}", but the call succeeded`, returned);
}

/** Nothing is stored under the case's namespace (read natively, past the client). */
export async function expectNothingUnder(kv: NativeKv, ns: string, what: string): Promise<void> {
  const { keys } = await listAllNative(kv, ns);
  ok(keys.length === 0, `${what}: the provider holds ${keys.length} key(s) under the case namespace`, keys);
}

/** The contract handle whose every call to the provider is recorded: a rejected input must leave `calls` empty. */
export function spiedHandle(kv: Pick<CaseInstance, 'handle'>): { handle: ContractHandle; calls: string[] } {
  const calls: string[] = [];
  return { handle: kv.handle({ calls }), calls };
}

/**
 * The whole life of one valid key through the client: put, get, exists, delete, gone. How the key
 * is listed is pagination's rule (pagination.names-as-written), so a listing defect fails there only.
 */
export async function lifeOfKey(context: Pick<CaseContext, 'handle'>, key: string, value = bytes('v')): Promise<void> {
  const { handle } = context;
  await must(`put_bytes(${show(key)})`, () => handle.putBytes(key, value));
  equal(await must('get_bytes', () => handle.getBytes(key)), value, `get_bytes(${show(key)})`);
  equal(await must('exists', () => handle.exists(key)), true, `exists(${show(key)})`);
  await must('delete', () => handle.delete(key));
  equal(await must('get_bytes after delete', () => handle.getBytes(key)), null, `get_bytes(${show(key)}) after delete`);
}

export interface Walk {
  keys: string[];
  /** Keys per page, in order. */
  pageSizes: number[];
  /** The walk ended with an empty page after a full one. */
  trailingEmptyPage: boolean;
}

/**
 * Walks every page of `prefix` through the client; FAILs on a walk that never ends and, unless
 * `pageBound` is false, on a page over `limit` (that is pagination's rule: cases about other
 * rules turn it off, or use keysUnder).
 */
export async function walk(handle: ContractHandle, prefix: string, limit: number, options: { pageBound?: boolean } = {}): Promise<Walk> {
  const keys: string[] = [];
  const pageSizes: number[] = [];
  const listPage = (cursor: string | undefined) => must(`list_keys_page(${show(prefix)}, limit ${limit})`, () => handle.listKeysPage(prefix, cursor ?? null, limit));
  try {
    for await (const page of eachPage<string, KvPage>(listPage, (page) => page.cursor)) {
      if (options.pageBound !== false) ok(page.keys.length <= limit, `a page of limit ${limit} held ${page.keys.length} keys`, page.keys);
      keys.push(...page.keys);
      pageSizes.push(page.keys.length);
    }
  } catch (error) {
    if (error instanceof WalkStuck) fail(`the walk of ${show(prefix)} with limit ${limit}: ${error.message}`, { pageSizes: pageSizes.slice(-20) });
    throw error;
  }
  const trailingEmptyPage = pageSizes.length > 1 && pageSizes[pageSizes.length - 1] === 0;
  return { keys, pageSizes, trailingEmptyPage };
}

/**
 * The pages of a walk through the client, from `start` (a cursor, or the first page), with
 * `limit` keys a page (or `limit(n)` for the n-th page): for cases that act between pages. A walk
 * that does not advance FAILs, never spins.
 */
export async function* clientPages(handle: ContractHandle, prefix: string, limit: number | ((page: number) => number), start: string | null = null): AsyncGenerator<KvPage> {
  let n = 0;
  const listPage = (cursor: string | undefined) => {
    const size = typeof limit === 'number' ? limit : limit(n++);
    return must(`list_keys_page(${show(prefix)}, limit ${size})`, () => handle.listKeysPage(prefix, cursor ?? start, size));
  };
  try {
    yield* eachPage<string, KvPage>(listPage, (page) => page.cursor);
  } catch (error) {
    if (error instanceof WalkStuck) fail(`the walk of ${show(prefix)}: ${error.message}`);
    throw error;
  }
}

/**
 * The keys under `prefix` as a set (UTF-8 order, each once), for cases about another rule than
 * listing itself: a walk with small pages whose page sizes, order and repeats are not judged here
 * (pagination's cases judge them), so a store whose pages vary (Redis SCAN) answers the same way
 * every time.
 */
export async function keysUnder(handle: ContractHandle, prefix: string, pageSize = 10): Promise<string[]> {
  return sortUtf8([...new Set((await walk(handle, prefix, pageSize, { pageBound: false })).keys)]);
}

/** No key twice, none missing, none extra, in UTF-8 byte order. */
export function expectSameKeysInOrder(seen: string[], expected: string[], what: string): void {
  const duplicates = seen.filter((key, i) => seen.indexOf(key) !== i);
  ok(duplicates.length === 0, `${what}: ${duplicates.length} key(s) returned twice`, { duplicates: duplicates.slice(0, 20) });
  const missing = expected.filter((key) => !seen.includes(key));
  ok(missing.length === 0, `${what}: ${missing.length} key(s) never returned`, { missing: missing.slice(0, 20) });
  const extra = seen.filter((key) => !expected.includes(key));
  ok(extra.length === 0, `${what}: ${extra.length} unexpected key(s)`, { extra: extra.slice(0, 20) });
  equal(seen, sortUtf8(expected), `${what} (order)`);
}

/** A key for messages: JSON-quoted, long ones shortened. */
export function show(key: string): string {
  const text = JSON.stringify(key);
  return text.length > 80 ? `${text.slice(0, 40)}…${text.slice(-20)} (${Buffer.byteLength(key)} bytes)` : text;
}

/**
 * Every key-taking operation of the client refuses `key` with exactly `message`,
 * without one call reaching the provider, and nothing appears under the namespace.
 */
export async function expectKeyRejected(context: Pick<CaseContext, 'kv' | 'ns'>, key: string, message: string): Promise<void> {
  const { handle, calls } = spiedHandle(context.kv);
  const value = bytes('v');
  const operations: Array<[string, () => Promise<unknown>]> = [
    ['put_bytes', () => handle.putBytes(key, value)],
    ['put_bytes_with_ttl', () => handle.putBytesWithTtl(key, value, 60)],
    ['put', () => handle.put(key, 'v')],
    ['put_with_ttl', () => handle.putWithTtl(key, 'v', 60)],
    ['get_bytes', () => handle.getBytes(key)],
    ['get', () => handle.get(key)],
    ['get_or', () => handle.getOr(key, 0)],
    ['exists', () => handle.exists(key)],
    ['delete', () => handle.delete(key)],
    ['read_modify_write', () => handle.readModifyWrite(key, 0, add(1))],
  ];
  // Side by side (none may reach the store, so their order cannot matter): a provider that runs
  // EdgeZero's own handle answers each over HTTP. The first failure in this order is reported.
  const outcomes = await Promise.allSettled(operations.map(([name, call]) => expectValidation(`${name}(${show(key)})`, call, message)));
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  ok(calls.length === 0, `a rejected key still reached the provider (${calls.join(', ')})`, calls);
  await expectNothingUnder(context.kv, context.ns, `after rejecting ${show(key)}`);
}

/**
 * Whether `key` is listed: a walk under the key itself as prefix, where it is the first of few
 * names, so the answer depends on the listing's filter and expiry only, not on how the store pages.
 */
export async function isListed(handle: ContractHandle, key: string): Promise<boolean> {
  return (await keysUnder(handle, key)).includes(key);
}

/** No key of `unwanted` is listed under `prefix` (which other keys a walk returns is pagination's rule). */
export async function expectNoneListed(handle: ContractHandle, prefix: string, unwanted: string[], what: string, pageSize = 10): Promise<void> {
  const listed = (await keysUnder(handle, prefix, pageSize)).filter((key) => unwanted.includes(key));
  ok(listed.length === 0, `${what}: ${listed.length} key(s) listed that should not be`, listed);
}

/**
 * Each suffix is its own key: its own value back, present, and none merged with another. Read by
 * get and exists only: how the keys are listed is pagination's rule (pagination.names-as-written).
 */
export async function distinctKeys(context: CaseContext, suffixes: string[]): Promise<void> {
  const { handle, key } = context;
  for (const [i, suffix] of suffixes.entries()) await must(`put_bytes(${JSON.stringify(suffix)})`, () => handle.putBytes(key(suffix), bytes(`value ${i}`)));
  for (const [i, suffix] of suffixes.entries()) {
    equal(await must('get_bytes', () => handle.getBytes(key(suffix))), bytes(`value ${i}`), `get_bytes(${JSON.stringify(suffix)})`);
    equal(await must('exists', () => handle.exists(key(suffix))), true, `exists(${JSON.stringify(suffix)})`);
  }
}

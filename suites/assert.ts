/** Small assertions for cases: each failure is a CaseFailure carrying what was observed. */
import { isDeepStrictEqual } from 'node:util';
import { isKvError, type KvErrorKind } from '../contract/errors.ts';
import { CaseFailure } from './case.ts';
import { describeValue } from './observe.ts';

export function fail(message: string, observed?: unknown): never {
  throw new CaseFailure(message, { observed: observed === undefined ? undefined : describeValue(observed) });
}

export function equal<T>(actual: T, expected: T, what: string): void {
  if (!isDeepStrictEqual(normalise(actual), normalise(expected))) {
    fail(`${what}: expected ${show(expected)}, got ${show(actual)}`, actual);
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
    if (includes !== undefined && !error.detail.includes(includes)) fail(`expected a ${kind} message containing ${show(includes)}, got ${show(error.detail)}`);
    return error;
  }
  return fail(`expected KvError ${kind}, but the call succeeded`, result);
}

const normalise = (value: unknown): unknown => (value instanceof Uint8Array ? Buffer.from(value) : value);

function show(value: unknown): string {
  const described = describeValue(value);
  const text = typeof described === 'string' ? JSON.stringify(described) : JSON.stringify(described);
  return text === undefined ? String(value) : text.length > 200 ? text.slice(0, 200) + '…' : text;
}

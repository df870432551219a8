/** Turns anything a case observed into JSON-safe data for the results file. */
import { isNativeError } from '../api/index.ts';
import { isKvError } from '../contract/errors.ts';

const MAX_INLINE_BYTES = 64;

export function describeValue(value: unknown, depth = 0): unknown {
  if (value === undefined) return null;
  if (value instanceof Uint8Array) {
    if (value.byteLength <= MAX_INLINE_BYTES) return { bytes: value.byteLength, base64: Buffer.from(value).toString('base64') };
    return { bytes: value.byteLength };
  }
  if (isNativeError(value)) return { error: value.message, class: value.errorClass, ...(value.nativeName ? { name: value.nativeName } : {}) };
  if (isKvError(value)) return { kvError: value.kind, message: value.detail };
  if (value instanceof Error) return { error: value.message, name: value.name };
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value.length > 4096 ? value.slice(0, 4096) + `… (${value.length} chars)` : value;
  if (depth > 6) return '…';
  if (Array.isArray(value)) {
    const items = value.slice(0, 200).map((item) => describeValue(item, depth + 1));
    return value.length > 200 ? [...items, `… ${value.length - 200} more`] : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeValue(v, depth + 1)]));
  }
  return value;
}

/** The outcome of one native call, for probes: what it returned, or the platform's own error. */
export async function outcome<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string; class: string }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    if (isNativeError(error)) return { ok: false, error: error.message, class: error.errorClass };
    throw error;
  }
}

/**
 * Every validation rule of EdgeZero's KvHandle, with its exact message (§2.2 of the
 * contract digest). Each returns the message of the first rule broken, or null.
 */
import { CONTRACT_LIMITS as L } from './limits.ts';

export const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Unicode Cc: U+0000–U+001F and U+007F–U+009F (Rust's char::is_control). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'key cannot be empty';
  const bytes = utf8Length(key);
  if (bytes > L.maxKeyBytes) return `key length ${bytes} exceeds limit of ${L.maxKeyBytes} bytes`;
  if (key === '.' || key === '..') return "key cannot be exactly '.' or '..'";
  if (CONTROL.test(key)) return 'key contains invalid control characters';
  // Not in EdgeZero: a Rust &str cannot hold a lone surrogate at all, so the port must refuse one.
  if (LONE_SURROGATE.test(key)) return 'key contains a lone surrogate (not valid UTF-8)';
  return null;
}

export function valueProblem(byteLength: number): string | null {
  return byteLength > L.maxValueBytes ? `value size ${byteLength} exceeds limit of ${L.maxValueBytes} bytes` : null;
}

export function ttlProblem(seconds: number): string | null {
  if (!Number.isFinite(seconds) || seconds < L.minTtlSeconds) {
    return `TTL ${formatDuration(seconds)} is less than minimum of at least ${L.minTtlSeconds} seconds`;
  }
  if (seconds > L.maxTtlSeconds) return `TTL ${formatDuration(seconds)} exceeds maximum of 1 year`;
  return null;
}

export function prefixProblem(prefix: string): string | null {
  const bytes = utf8Length(prefix);
  if (bytes > L.maxPrefixBytes) return `prefix length ${bytes} exceeds limit of ${L.maxPrefixBytes} bytes`;
  if (CONTROL.test(prefix)) return 'prefix contains invalid control characters';
  if (LONE_SURROGATE.test(prefix)) return 'prefix contains a lone surrogate (not valid UTF-8)';
  return null;
}

export function limitProblem(limit: number): string | null {
  // usize in Rust; a negative or fractional number cannot reach EdgeZero, but can reach a TS caller.
  if (!Number.isInteger(limit) || limit < 0) return `list limit ${limit} is not a whole number`;
  if (limit === 0) return 'list limit must be greater than zero';
  if (limit > L.maxListPageSize) return `list limit ${limit} exceeds maximum of ${L.maxListPageSize}`;
  return null;
}

/** Rust's `{:?}` of a Duration: 10s, 1.5s, 500ms, 0ns. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds >= 1 || seconds <= -1) return `${trim(seconds)}s`;
  if (seconds * 1e3 >= 1) return `${trim(seconds * 1e3)}ms`;
  if (seconds * 1e6 >= 1) return `${trim(seconds * 1e6)}µs`;
  return `${trim(seconds * 1e9)}ns`;
}

const trim = (n: number) => String(Number(n.toFixed(9)));

/** Platform errors: the platform's own message, verbatim, with a best-effort class. */

/** Best-effort classes of a native error; the message itself is always kept verbatim. */
export const NATIVE_ERROR_CLASSES = [
  'invalid-key',
  'too-large',
  'invalid-ttl',
  'invalid-argument',
  'not-found',
  'unavailable',
  'timeout',
  /** A backend limit or quota (rate, memory, list size): EdgeZero's KvError::LimitExceeded, 503. */
  'limit-exceeded',
  /** The backend cannot do this operation at all: EdgeZero's KvError::Unsupported, 501. */
  'unsupported',
  'internal',
] as const;

/** Best-effort classification of a native error; the message itself is always kept verbatim. */
export type NativeErrorClass = (typeof NATIVE_ERROR_CLASSES)[number];

/** A platform error: the platform's own message, verbatim, plus a best-effort class. */
export class NativeError extends Error {
  readonly errorClass: NativeErrorClass;
  /** The HTTP status the platform attached, where there is one. */
  readonly status?: number;
  /** The JS error name the runtime threw (TypeError, Error, ...), where there is one. */
  readonly nativeName?: string;

  constructor(message: string, errorClass: NativeErrorClass, options: { status?: number; nativeName?: string } = {}) {
    super(message);
    this.name = 'NativeError';
    this.errorClass = errorClass;
    this.status = options.status;
    this.nativeName = options.nativeName;
  }
}

export function isNativeError(error: unknown): error is NativeError {
  return error instanceof Error && error.name === 'NativeError' && 'errorClass' in error;
}

// First match wins. Best effort only: the message is what the report shows; the class groups similar failures.
const RULES: Array<[RegExp, NativeErrorClass]> = [
  [/\b429\b|too many requests|rate limit|\bOOM\b|maxmemory/i, 'limit-exceeded'],
  [/\b501\b|not supported|unsupported|not implemented/i, 'unsupported'],
  [/not found/i, 'not-found'],
  [/\b(expiration|ttl|expireIn)\b/i, 'invalid-ttl'],
  [/\b413\b|too large|exceeds limit of \d+\.?$|payload too large|more than \d+ megabytes|value length|metadata length|ValueTooLong|too big|exceeds the maximum size/i, 'too-large'],
  [/\bkey\b|\b414\b|KeyTooLong/i, 'invalid-key'],
  [/cursor|limit|key_count|bad request|invalid/i, 'invalid-argument'],
  [/unavailable|unreachable|ECONNREFUSED|ECONNRESET|socket hang up/i, 'unavailable'],
  [/timed? ?out|did not answer/i, 'timeout'],
];

export function classifyNativeMessage(message: string): NativeErrorClass {
  for (const [pattern, errorClass] of RULES) if (pattern.test(message)) return errorClass;
  return 'internal';
}

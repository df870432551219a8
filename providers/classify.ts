import type { NativeErrorClass } from './api.ts';

// Best effort only: the message is what the report shows; the class groups similar failures.
const RULES: Array<[RegExp, NativeErrorClass]> = [
  [/not found/i, 'not-found'],
  [/\b(expiration|ttl)\b/i, 'invalid-ttl'],
  [/\b413\b|too large|exceeds limit of \d+\.?$|payload too large|more than \d+ megabytes|value length|metadata length/i, 'too-large'],
  [/\bkey\b|\b414\b/i, 'invalid-key'],
  [/cursor|limit|key_count|bad request|invalid/i, 'invalid-argument'],
  [/unavailable|unreachable|ECONNREFUSED|ECONNRESET|socket hang up/i, 'unavailable'],
  [/timed? ?out|did not answer/i, 'timeout'],
];

export function classifyNativeMessage(message: string): NativeErrorClass {
  for (const [pattern, errorClass] of RULES) if (pattern.test(message)) return errorClass;
  return 'internal';
}

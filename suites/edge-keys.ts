/**
 * Keys of an exact UTF-8 size under a case's namespace. The namespace is always
 * 20 bytes (engine.ts), so the 492 bytes left under the 512-byte limit divide by
 * 1, 2, 3 and 4: a key of exactly 512 bytes can be built from any one width.
 */
import { utf8Length } from '../contract/rules.ts';

export type CharWidth = 1 | 2 | 3 | 4;

/** One character of each UTF-8 width: a, é (U+00E9), € (U+20AC), 😀 (U+1F600). */
export const CHAR_OF_WIDTH: Record<CharWidth, string> = { 1: 'a', 2: '\u00e9', 3: '\u20ac', 4: '\u{1f600}' };

export const WIDTH_NAME: Record<CharWidth, string> = { 1: '1-byte', 2: '2-byte', 3: '3-byte', 4: '4-byte' };

/**
 * `prefix` followed by as many `width`-byte characters (`char`, é by default for 2) as fit,
 * padded with ASCII 'a' so the whole key is exactly `totalBytes` UTF-8 bytes.
 */
export function keyOfBytes(prefix: string, totalBytes: number, width: CharWidth = 1, char = CHAR_OF_WIDTH[width]): string {
  const room = totalBytes - utf8Length(prefix);
  if (room < 0) throw new Error(`a key of ${totalBytes} bytes cannot start with a ${utf8Length(prefix)}-byte prefix`);
  if (utf8Length(char) !== width) throw new Error(`internal: ${JSON.stringify(char)} is not a ${width}-byte character`);
  const count = Math.floor(room / width);
  const key = prefix + char.repeat(count) + 'a'.repeat(room - count * width);
  if (utf8Length(key) !== totalBytes) throw new Error(`internal: built a ${utf8Length(key)}-byte key instead of ${totalBytes}`);
  return key;
}

/** A readable id for a character: u0000, u007f, u1f600. */
export const charId = (char: string) => 'u' + char.codePointAt(0)!.toString(16).padStart(4, '0');

/** Unicode Cc, the characters EdgeZero's `char::is_control` refuses in keys. */
export const CONTROL_CHARS: string[] = [
  ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
  ...Array.from({ length: 0x21 }, (_, i) => String.fromCharCode(0x7f + i)),
];

/** Characters Fastly's KV Store forbids in keys (besides CR and LF, which the contract refuses as controls). */
export const FASTLY_FORBIDDEN: Array<{ id: string; char: string }> = [
  { id: 'hash', char: '#' },
  { id: 'semicolon', char: ';' },
  { id: 'question-mark', char: '?' },
  { id: 'caret', char: '^' },
  { id: 'pipe', char: '|' },
];

export const ACME_PREFIX = '.well-known/acme-challenge/';

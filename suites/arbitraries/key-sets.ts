/**
 * Arbitrary key sets for pagination: short keys from a small alphabet, so sets
 * share prefixes and straddle the places where UTF-8 byte order and JavaScript
 * (UTF-16) order disagree (U+FFFD vs U+10000).
 */
import fc from 'fast-check';
import type { KeyAlphabet } from '../key-alphabet.ts';

const ALPHABET = ['a', 'b', 'A', '0', '/', ':', '~', '\u00e9', '\ufffd', '\u{10000}', '\u{1f600}'];

/** Key sets of the characters above that the store takes (all of them, on most stores). */
export function keySet(keys: Pick<KeyAlphabet, 'only'>): fc.Arbitrary<string[]> {
  const suffix = fc.array(fc.constantFrom(...keys.only(ALPHABET)), { minLength: 1, maxLength: 5 }).map((chars) => chars.join(''));
  return fc.uniqueArray(suffix, { minLength: 0, maxLength: 40 });
}

/** Page sizes: mostly tiny (many pages), sometimes anywhere up to the maximum of 1000. */
export const pageSize: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 4 }), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 1000 }), weight: 1 },
);

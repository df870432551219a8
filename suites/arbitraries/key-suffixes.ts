/** Arbitrary valid keys: suffixes that, under a given prefix, stay inside the contract's key domain. */
import fc from 'fast-check';
import { keyProblem } from '../../contract/rules.ts';
import { codePoint } from './code-point.ts';

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const asciiLetter = fc.constantFrom(...'abcxyzABCXYZ0129');
/** ASCII that means something to some store or URL: separators, escapes, wildcards. */
const asciiSpecial = fc.constantFrom('/', ':', '.', '%', '#', '?', ' ', '-', '_', '~', '\\', '"', "'", '*', '|', ';', '^', '&', '=', '+', '@');
/** Any code point (surrogate pairs whole, never a lone half), minus the control characters. */
const anyCodePoint = codePoint.filter((char) => !CONTROL.test(char));
/** Code points from U+00A0 up, the BMP's upper end and the astral planes included. */
const nonAsciiCodePoint = fc
  .oneof(fc.integer({ min: 0xa0, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }))
  .map((code) => String.fromCodePoint(code));

/** Any suffix that makes `prefix + suffix` a valid contract key (1..24 characters). */
export function validKeySuffix(prefix: string): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ arbitrary: asciiLetter, weight: 3 }, { arbitrary: asciiSpecial, weight: 1 }, { arbitrary: anyCodePoint, weight: 2 }), { minLength: 1, maxLength: 24 })
    .map((chars) => chars.join(''))
    .filter((suffix) => keyProblem(prefix + suffix) === null);
}

/** Suffixes of ASCII letters and non-ASCII code points only (no ASCII punctuation). */
export function nonAsciiKeySuffix(prefix: string): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ arbitrary: asciiLetter, weight: 1 }, { arbitrary: nonAsciiCodePoint, weight: 3 }), { minLength: 1, maxLength: 24 })
    .map((chars) => chars.join(''))
    .filter((suffix) => keyProblem(prefix + suffix) === null);
}

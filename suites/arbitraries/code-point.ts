/**
 * Any Unicode code point but a lone surrogate half, as a string (an astral one is a surrogate
 * pair), shrinking towards U+0000. By hand, because fast-check's 'binary' string unit tabulates all
 * 1.1 million code points when the arbitrary is made: over a second that every command loading the
 * cases paid at start-up.
 */
import fc from 'fast-check';

const SURROGATES = 0xe000 - 0xd800;

export const codePoint: fc.Arbitrary<string> = fc.integer({ min: 0, max: 0x10ffff - SURROGATES }).map((n) => String.fromCodePoint(n < 0xd800 ? n : n + SURROGATES));

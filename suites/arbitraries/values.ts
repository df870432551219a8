/** Arbitrary values: raw bytes (mostly small, sometimes kilobytes) and JSON for the typed API. */
import fc from 'fast-check';
import { codePoint } from './code-point.ts';

export const valueBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 32 }), weight: 4 },
  { arbitrary: fc.uint8Array({ minLength: 256, maxLength: 8192 }), weight: 1 },
);

/** JSON values as EdgeZero's serde_json would store them (no -0: JSON.stringify writes it as 0). */
export const jsonValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3, stringUnit: codePoint }).map((value) => JSON.parse(JSON.stringify(value)));

/** The contract's key order: by UTF-8 bytes, not by JavaScript's UTF-16 code units. */
export const compareUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** A sorted copy in UTF-8 byte order. */
export const sortUtf8 = (keys: readonly string[]): string[] => [...keys].sort(compareUtf8);

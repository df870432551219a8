/**
 * The prefix-bound cursor envelope: KvHandle wraps the backend's cursor in
 * {"cursor":…,"prefix":…} (that field order since upstream 7ec2ad1; #165 wrote
 * "prefix" first) and refuses it with any other prefix. Decoding, like serde's,
 * takes the fields in any order.
 */
export function encodeCursor(prefix: string, backendCursor: string): string {
  return JSON.stringify({ cursor: backendCursor, prefix });
}

/** Returns the backend cursor, or the exact EdgeZero message of the rule broken. */
export function decodeCursor(cursor: string, prefix: string): { backend: string } | { problem: string } {
  let envelope: unknown;
  try {
    envelope = JSON.parse(cursor);
  } catch {
    return { problem: 'list cursor is invalid or corrupted' };
  }
  const { prefix: boundTo, cursor: backend } = (envelope ?? {}) as Record<string, unknown>;
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope) || typeof boundTo !== 'string' || typeof backend !== 'string') {
    return { problem: 'list cursor is invalid or corrupted' };
  }
  if (boundTo !== prefix) return { problem: 'list cursor does not match the requested prefix' };
  if (backend === '') return { problem: 'list cursor payload cannot be empty' };
  return { backend };
}

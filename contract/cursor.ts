/**
 * The prefix-bound cursor envelope: KvHandle wraps the backend's cursor in
 * {"prefix":…,"cursor":…} and refuses it with any other prefix.
 */
export function encodeCursor(prefix: string, backendCursor: string): string {
  return JSON.stringify({ prefix, cursor: backendCursor });
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

// Types for routes.js (plain JS, so every runtime can bundle it).
export const MAX_NOTE_ID_LEN: number;
export const MAX_BODY_SIZE: number;
export const COUNTER_KEY: string;

export interface DemoRequest {
  method: string;
  /** The raw request path, without the query. */
  path: string;
  /** The body, or null once more than `limit` bytes were read. */
  readBody(limit: number): Promise<Uint8Array | null>;
}

export interface DemoHandle {
  getBytes(key: string): Promise<Uint8Array | null>;
  putBytes(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  readModifyWrite<T>(key: string, fallback: T, update: (current: T) => T): Promise<T>;
}

export interface DemoAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string | null;
}

export function routeDemo(request: DemoRequest, handle: DemoHandle): Promise<DemoAnswer>;
export function readStreamBounded(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null>;
export function concat(chunks: Uint8Array[], total: number): Uint8Array;
export function handleFetch(request: Request, handle: DemoHandle): Promise<Response>;

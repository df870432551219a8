// Types for routes.js (plain JS, so every runtime can bundle it).
export const MAX_NOTE_ID_LEN: number;
export const MAX_BODY_SIZE: number;
export const COUNTER_KEY: string;
export const KV_STORE_IDS: readonly string[];
export const DEFAULT_KV_STORE: string;
export const COUNTER_STORE: string;
export const NOTES_STORE: string;
export const INSPECT_PREFIX: string;

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
  listKeysPage(prefix: string, cursor: string | null, limit: number): Promise<{ keys: string[]; cursor: string | null }>;
}

/** The KV registry: store id -> handle. An id left out is "not registered" (503). */
export type DemoStores = Partial<Record<string, DemoHandle>>;

export interface DemoAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string | null;
}

export function routeDemo(request: DemoRequest, stores: DemoStores): Promise<DemoAnswer>;
export function readStreamBounded(stream: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null>;
export function concat(chunks: Uint8Array[], total: number): Uint8Array;
export function handleFetch(request: Request, stores: DemoStores): Promise<Response>;

// Types for kv-handle.js (the plain-JS KvHandle port the Worker and js-compute demos use).
import type { DemoHandle } from './routes.js';
import type { EdgeErrorKind, KvErrorKind } from '../contract/errors.ts';

export const MAX_KEY_BYTES: number;
export const MAX_VALUE_BYTES: number;
export const MAX_LIST_PAGE_SIZE: number;
export function utf8Length(text: string): number;
export function keyProblem(key: string): string | null;
export function valueProblem(byteLength: number): string | null;
export function prefixProblem(prefix: string): string | null;
export function limitProblem(limit: number): string | null;
export function encodeCursor(prefix: string, backend: string): string;
export function decodeCursor(cursor: string, prefix: string): { backend: string } | { problem: string };

export class KvError extends Error {
  constructor(kind: KvErrorKind, detail: string, cause?: unknown);
  readonly kind: KvErrorKind;
  readonly detail: string;
  readonly httpStatus: number;
  readonly httpKind: EdgeErrorKind;
  readonly httpMessage: string;
}

export interface NativeStore {
  get(key: string): Promise<Uint8Array | null> | Uint8Array | null;
  put(key: string, value: Uint8Array): Promise<void> | void;
  delete(key: string): Promise<void> | void;
  list(options: { prefix: string; limit: number; cursor?: string }): Promise<{ keys: string[]; cursor: string | null }> | { keys: string[]; cursor: string | null };
}

export class KvHandle implements DemoHandle {
  constructor(store: NativeStore);
  getBytes(key: string): Promise<Uint8Array | null>;
  putBytes(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  listKeysPage(prefix: string, cursor: string | null, limit: number): Promise<{ keys: string[]; cursor: string | null }>;
}

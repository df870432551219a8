// Types for kv-handle.js (the plain-JS KvHandle port the Worker and js-compute demos use).
import type { DemoHandle } from './routes.js';

export const MAX_KEY_BYTES: number;
export const MAX_VALUE_BYTES: number;
export function utf8Length(text: string): number;
export function keyProblem(key: string): string | null;
export function valueProblem(byteLength: number): string | null;

export type KvErrorKind = 'Validation' | 'NotFound' | 'Unavailable' | 'Serialization' | 'Internal';

export class KvError extends Error {
  constructor(kind: KvErrorKind, detail: string, cause?: unknown);
  readonly kind: KvErrorKind;
  readonly detail: string;
  readonly httpStatus: number;
  readonly httpMessage: string;
}

export interface NativeStore {
  get(key: string): Promise<Uint8Array | null> | Uint8Array | null;
  put(key: string, value: Uint8Array): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

export class KvHandle implements DemoHandle {
  constructor(store: NativeStore);
  getBytes(key: string): Promise<Uint8Array | null>;
  putBytes(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
  readModifyWrite<T>(key: string, fallback: T, update: (current: T) => T): Promise<T>;
}

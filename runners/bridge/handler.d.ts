// Types for handler.js (plain JavaScript, because it runs inside workerd and js-compute).
export declare const PROTOCOL_VERSION: number;
export declare const MAX_OPS: number;
export declare const MAX_BODY_BYTES: number;
export declare const MAX_VALUE_BYTES: number;
export declare const MAX_METADATA_HEADER: number;
/** content-type of a frame: a JSON line, then raw value bytes (protocol.md). */
export declare const FRAME_TYPE: string;

export interface BridgeKvAdapter {
  get(key: string): Promise<{ value: Uint8Array; metadata: unknown } | null>;
  put(key: string, value: Uint8Array, options: { ttl?: number; metadata?: unknown }): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { prefix?: string; limit?: number; cursor?: string }): Promise<{ keys: string[]; cursor: string | null; complete: boolean }>;
  getRaw?(key: string): Promise<{ body: ReadableStream | Uint8Array; metadata: unknown } | null>;
  putRaw?(key: string, body: ReadableStream, options: { ttl?: number; metadata?: unknown }): Promise<void>;
}

export declare function handleBridgeRequest(
  request: Request,
  options: {
    kv: BridgeKvAdapter;
    runtime: { name: string; version: string; platform?: string; kind?: string };
    token?: string;
    requireToken?: boolean;
    maxBodyBytes?: number;
    maxValueBytes?: number;
  },
): Promise<Response>;
export declare function checkBatch(body: unknown, valueBytes?: number): string | null;
export declare function givenOptions<T extends Record<string, unknown>>(options: T): Partial<T>;
export declare function encodeBase64(bytes: Uint8Array): string;
export declare function decodeBase64(text: string): Uint8Array;

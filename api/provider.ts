/**
 * The provider plug-in API. A provider is one file whose default export is
 * `defineProvider({...})`. The kit never reaches past this interface: suites
 * talk to a running instance through the native operations below, and the
 * contract client (contract/) layers EdgeZero's rules on top of them.
 */
import type { NativeError } from './native-error.ts';

/** What a provider is, in the order the kit lists them: a store run here, a platform's emulator, a deployed production target. */
export const PROVIDER_KINDS = ['local', 'emulator', 'production'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Capabilities {
  /** Per-key expiry on put. */
  ttl: boolean;
  /** A JSON metadata value stored beside the value. */
  metadata: boolean;
  /** The instance exposes `clock.advance()` so expiry can be checked without waiting. */
  clock: boolean;
  /** Data survives stop() and a fresh start() on the same storage. */
  durable?: boolean;
  /** Writes are visible to the next read at once (false for production edge stores). */
  strongConsistency?: boolean;
}

export interface Entry {
  value: Uint8Array;
  /** null when none was stored. */
  metadata: JsonValue | null;
}

export interface PutOptions {
  /** Seconds, passed to the platform as it is (no clamping, no validation). */
  ttlSeconds?: number;
  metadata?: JsonValue;
}

export interface ListOptions {
  prefix?: string;
  limit?: number;
  cursor?: string;
}

export interface ListPage {
  keys: string[];
  /** The platform's own cursor for the next page, or null. */
  cursor: string | null;
  /** True when the platform says this is the last page. */
  complete: boolean;
}

/** One native operation, as a batch carries it (see runners/bridge/protocol.md). */
export type NativeOp =
  | { op: 'get'; key: string }
  | { op: 'put'; key: string; value: Uint8Array; options?: PutOptions }
  | { op: 'delete'; key: string }
  | { op: 'list'; options: ListOptions };

export type NativeOpResult =
  | { ok: true; entry?: Entry | null; page?: ListPage }
  | { ok: false; error: NativeError };

/**
 * One call of EdgeZero's own `KvHandle` (its Rust method and arguments), for a provider that runs
 * EdgeZero's code (the `edgezero-*` providers): contract cases then call EdgeZero itself instead of
 * the kit's TypeScript port. `put` carries a JSON value, `put_bytes` raw bytes; a `ttlSeconds` makes
 * them `put_with_ttl` and `put_bytes_with_ttl`. `read_modify_write` is EdgeZero's with T = i64 and
 * one of two mutators (a closure cannot cross to Rust).
 */
export type KvHandleCall =
  | { call: 'get_bytes' | 'get' | 'exists' | 'delete'; key: string }
  | { call: 'get_or'; key: string; fallback: JsonValue }
  | { call: 'put_bytes'; key: string; value: Uint8Array; ttlSeconds?: number }
  | { call: 'put'; key: string; value: JsonValue; ttlSeconds?: number }
  | { call: 'read_modify_write'; key: string; fallback: number; mutator: { add: number } | { mul: number } }
  | { call: 'list_keys_page'; prefix: string; cursor: string | null; limit: number };

/** EdgeZero's answer to a KvHandleCall. `storeCalls`: the store operations the call made, when spied. */
export type KvHandleAnswer = (
  | { ok: true; bytes?: Uint8Array | null; json?: JsonValue; exists?: boolean; page?: { keys: string[]; cursor: string | null } }
  /**
   * A KvError: its variant, its Display text, and the HTTP response an EdgeZero handler that
   * propagates it with `?` answers (status and JSON body).
   */
  | { ok: false; error: { variant: string; display: string; status: number; body: JsonValue } }
  /** An argument no Rust caller could pass (a lone surrogate in a &str, a negative usize or Duration). */
  | { ok: false; unrepresentable: string }
) & { storeCalls?: string[] };

export interface KvHandleTransport {
  /** `spy`: run the call on a handle over the same store with every store call recorded (`storeCalls`). */
  call(call: KvHandleCall, options?: { spy?: boolean }): Promise<KvHandleAnswer>;
}

export interface Clock {
  /** Moves the provider's notion of "now" forward; expiry follows it. */
  advance(seconds: number): Promise<void>;
}

export interface RuntimeInfo {
  name: string;
  version: string;
  /** e.g. the bridge URL or the temp directory: shown in reports, never required. */
  detail?: string;
  /** For targets only known once reached (the http provider): overrides the definition's. */
  kind?: ProviderKind;
  platform?: string;
}

/** A started provider: native KV operations only. */
export interface KvInstance {
  runtime: RuntimeInfo;
  get(key: string): Promise<Entry | null>;
  put(key: string, value: Uint8Array, options?: PutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: ListOptions): Promise<ListPage>;
  /**
   * Optional: EdgeZero's own KvHandle over this same store. Where present, contract cases call it
   * instead of the kit's TypeScript port, and every answer is held against the port's.
   */
  kvHandle?: KvHandleTransport;
  /** Optional: many operations in one round trip (bridges use it to cut latency). */
  batch?(ops: NativeOp[]): Promise<NativeOpResult[]>;
  clock?: Clock;
  /** Optional: ask the runtime to run `count` ops itself, on keys `<prefix><n>`, and report its own rate (benchmarks). */
  benchInside?(kind: 'put' | 'get', count: number, prefix?: string): Promise<{ ops: number; ms: number }>;
  /**
   * Optional, for providers with a runtime process: is it still there? After a case
   * errors, the engine asks; a dead runtime is restarted once and the run goes on.
   */
  alive?(): Promise<boolean>;
  /**
   * Optional, for providers reached over a transport: requests sent a second time because their
   * connection dropped (reset, or closed before the answer was whole), each in words. The engine records them in the results
   * (run_info.resent_requests), so a run that needed them says so.
   */
  resent?(): string[];
  stop(): Promise<void>;
}

export type Availability = { available: true } | { available: false; reason: string; enable: string };

export interface StartContext {
  /** A fresh directory owned by this run; removed after stop(). */
  tmpDir: string;
  /** Progress lines for long work (builds, downloads from registries). */
  log(message: string): void;
  /** Options given on the command line as --name=value, for providers that take them (http: --url). */
  options: Readonly<Record<string, string>>;
  /** Aborted when the run is interrupted; long starts should give up. */
  signal: AbortSignal;
}

export interface ProviderDefinition {
  id: string;
  title: string;
  kind: ProviderKind;
  /**
   * The platform whose behaviour this provider shows ("cloudflare", "fastly"): reports set an
   * emulator against production of the same platform. Defaults to the id.
   */
  platform?: string;
  /**
   * The provider whose platform this one runs EdgeZero's adapter over (`edgezero-fastly` → `fastly`):
   * the report puts the two side by side, the platform's store beside EdgeZero's adapter on it.
   */
  adapterOf?: string;
  /** The runtime this provider needs, in words ("workerd through Miniflare 4"). */
  runtime: string;
  capabilities: Capabilities;
  /** Documentation of the platform's own rules. */
  docs?: string;
  /** Can it start on this machine? If not, the exact command that enables it. */
  availability?(options?: Readonly<Record<string, string>>): Promise<Availability>;
  start(context: StartContext): Promise<KvInstance>;
}

export function defineProvider(definition: ProviderDefinition): ProviderDefinition {
  return definition;
}

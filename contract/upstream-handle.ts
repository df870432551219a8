/**
 * EdgeZero's own KvHandle, called through a provider that runs EdgeZero's Rust code (the
 * `edgezero-*` providers), shaped as the port is (ContractHandle), so every contract case runs
 * unchanged against the real thing. Every answer is also held against the port: where EdgeZero
 * validates, words, maps to HTTP or wraps a cursor otherwise than contract/ says it does,
 * `onDisagreement` hears of it, with the call and both answers (the case then fails with them:
 * either the port is wrong and is fixed, or upstream is, and the divergence is recorded).
 */
import type { JsonValue, KvHandleAnswer, KvHandleCall, KvHandleTransport } from '../api/index.ts';
import { encodeCursor } from './cursor.ts';
import { decodeCursor } from './cursor.ts';
import { display, KV_ERROR_KINDS, KvError, type KvErrorKind } from './errors.ts';
import type { ContractHandle, KvPage, Mutator } from './handle.ts';
import { keyProblem, limitProblem, prefixProblem, ttlProblem, valueProblem } from './rules.ts';

export interface PortDisagreement {
  /** EdgeZero's method, as called. */
  call: string;
  /** The arguments, briefly. */
  input: string;
  /** What EdgeZero answered, and what the port says it answers. */
  upstream: string;
  port: string;
}

export interface UpstreamHandleOptions {
  /** Run every call on a handle whose store calls are recorded into `calls` (a rejected input must leave it empty). */
  spy?: { calls: string[] };
  onDisagreement(disagreement: PortDisagreement): void;
}

const encoder = new TextEncoder();

export class UpstreamKvHandle implements ContractHandle {
  constructor(
    private readonly transport: KvHandleTransport,
    private readonly options: UpstreamHandleOptions,
  ) {}

  async getBytes(key: string): Promise<Uint8Array | null> {
    return (await this.call({ call: 'get_bytes', key }, keyProblem(key))).bytes ?? null;
  }

  async putBytes(key: string, value: Uint8Array): Promise<void> {
    await this.call({ call: 'put_bytes', key, value }, keyProblem(key) ?? valueProblem(value.byteLength));
  }

  async putBytesWithTtl(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    await this.call({ call: 'put_bytes', key, value, ttlSeconds }, keyProblem(key) ?? ttlProblem(ttlSeconds) ?? valueProblem(value.byteLength));
  }

  async get<T>(key: string): Promise<T | null> {
    return ((await this.call({ call: 'get', key }, keyProblem(key))).json ?? null) as T | null;
  }

  async getOr<T>(key: string, fallback: T): Promise<T> {
    const json = toJson(fallback);
    if (json instanceof KvError) throw json;
    return (await this.call({ call: 'get_or', key, fallback: json.value }, keyProblem(key))).json as T;
  }

  async put<T>(key: string, value: T): Promise<void> {
    const json = keyProblem(key) === null ? toJson(value) : null;
    if (json instanceof KvError) throw json; // a JavaScript value no Rust `T: Serialize` could be
    await this.call({ call: 'put', key, value: json?.value ?? null }, keyProblem(key) ?? (json ? valueProblem(json.bytes) : null));
  }

  async putWithTtl<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    const json = keyProblem(key) === null && ttlProblem(ttlSeconds) === null ? toJson(value) : null;
    if (json instanceof KvError) throw json;
    await this.call({ call: 'put', key, value: json?.value ?? null, ttlSeconds }, keyProblem(key) ?? ttlProblem(ttlSeconds) ?? (json ? valueProblem(json.bytes) : null));
  }

  async readModifyWrite<T>(key: string, fallback: T, update: Mutator<T>): Promise<T> {
    if (!update.wire || typeof fallback !== 'number') throw new Error('read_modify_write on EdgeZero itself takes an i64 and add(n) or multiply(n) from contract/handle.ts (a closure cannot cross to Rust)');
    return (await this.call({ call: 'read_modify_write', key, fallback, mutator: update.wire }, keyProblem(key))).json as T;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.call({ call: 'exists', key }, keyProblem(key))).exists ?? false;
  }

  async delete(key: string): Promise<void> {
    await this.call({ call: 'delete', key }, keyProblem(key));
  }

  async listKeysPage(prefix: string, cursor: string | null, limit: number): Promise<KvPage> {
    let problem = prefixProblem(prefix) ?? limitProblem(limit);
    if (problem === null && cursor !== null && cursor !== undefined) {
      const decoded = decodeCursor(cursor, prefix);
      if ('problem' in decoded) problem = decoded.problem;
    }
    const answer = await this.call({ call: 'list_keys_page', prefix, cursor: cursor ?? null, limit }, problem);
    const page = answer.page!;
    if (page.cursor !== null) {
      // The port wraps the backend's cursor as {"cursor":…,"prefix":…}: so must EdgeZero.
      let inner: unknown;
      try {
        inner = (JSON.parse(page.cursor) as { cursor?: unknown }).cursor;
      } catch {}
      const expected = typeof inner === 'string' ? encodeCursor(prefix, inner) : '(an envelope {"cursor","prefix"})';
      if (expected !== page.cursor) this.disagree('list_keys_page', `prefix ${brief(prefix)}, limit ${limit}`, `cursor ${brief(page.cursor)}`, `cursor ${brief(expected)}`);
    }
    return { keys: page.keys, cursor: page.cursor };
  }

  /** Sends the call; returns its answer or throws EdgeZero's KvError, and reports where the port (`portProblem`: its validation of these arguments) answers otherwise. */
  private async call(call: KvHandleCall, portProblem: string | null): Promise<Extract<KvHandleAnswer, { ok: true }>> {
    const named = nameOf(call);
    // Not a number JSON can carry (NaN, Infinity): no Rust caller could pass one either; the port's rule stands.
    if (portProblem !== null && [('ttlSeconds' in call ? call.ttlSeconds : 0), ('limit' in call ? call.limit : 0)].some((n) => n !== undefined && !Number.isFinite(n))) {
      throw new KvError('Validation', portProblem);
    }
    const answer = await this.transport.call(call, { spy: !!this.options.spy });
    this.options.spy?.calls.push(...(answer.storeCalls ?? []));
    const input = describe(call);
    if (answer.ok) {
      if (portProblem !== null) this.disagree(named, input, 'accepted it', `KvError::Validation("${portProblem}")`);
      return answer;
    }
    if ('unrepresentable' in answer) {
      // An argument EdgeZero's Rust API cannot be given (a lone surrogate in a &str): what refuses
      // it is the type system, and the port's rule for it is the port's own (contract/rules.ts).
      if (portProblem !== null) throw new KvError('Validation', portProblem);
      throw new Error(`EdgeZero's ${named} cannot take this input: ${answer.unrepresentable}`);
    }
    const { variant, display: shown, status, body } = answer.error;
    const kind = (KV_ERROR_KINDS as readonly string[]).includes(variant) ? (variant as KvErrorKind) : null;
    if (!kind) {
      this.disagree(named, input, `KvError::${variant}: ${shown}`, `one of ${KV_ERROR_KINDS.join(', ')}`);
      throw new KvError('Internal', shown, answer.error);
    }
    const prefix = display(kind, '');
    const detail = shown.startsWith(prefix) ? shown.slice(prefix.length) : shown;
    const error = new KvError(kind, detail, answer.error);
    if (error.message !== shown) this.disagree(named, input, `Display ${brief(shown)}`, `Display ${brief(error.message)}`);
    if (kind === 'Validation' && detail !== portProblem) {
      this.disagree(named, input, `KvError::Validation("${detail}")`, portProblem === null ? 'no validation error' : `KvError::Validation("${portProblem}")`);
    } else if (kind !== 'Validation' && portProblem !== null) {
      this.disagree(named, input, `KvError::${kind}: ${shown}`, `KvError::Validation("${portProblem}")`);
    }
    const response = body as { error?: { kind?: string; message?: string; status?: number } } | null;
    const port = { status: error.httpStatus, kind: error.httpKind, message: error.httpMessage };
    const real = { status, kind: response?.error?.kind, message: response?.error?.message };
    if (real.status !== port.status || real.kind !== port.kind || real.message !== port.message || response?.error?.status !== status) {
      this.disagree(named, input, `HTTP ${real.status} ${JSON.stringify(body)}`, `HTTP ${port.status} ${JSON.stringify(error.toResponseBody())}`);
    }
    throw error;
  }

  private disagree(call: string, input: string, upstream: string, port: string): void {
    this.options.onDisagreement({ call, input, upstream, port });
  }
}

/** JSON as EdgeZero's `serde_json` takes it, or the port's Serialization error for a value no Rust `T: Serialize` could be. */
function toJson(value: unknown): { value: JsonValue; bytes: number } | KvError {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    return new KvError('Serialization', (error as Error).message, error);
  }
  if (text === undefined) return new KvError('Serialization', `${typeof value} is not serializable to JSON`);
  return { value: JSON.parse(text) as JsonValue, bytes: encoder.encode(text).byteLength };
}

/** The Rust method a call is. */
function nameOf(call: KvHandleCall): string {
  if (call.call === 'put_bytes' && call.ttlSeconds !== undefined) return 'put_bytes_with_ttl';
  if (call.call === 'put' && call.ttlSeconds !== undefined) return 'put_with_ttl';
  return call.call;
}

function describe(call: KvHandleCall): string {
  const parts: string[] = [];
  if ('key' in call) parts.push(`key ${brief(call.key)}`);
  if (call.call === 'put_bytes') parts.push(`${call.value.byteLength} bytes`);
  if ('ttlSeconds' in call && call.ttlSeconds !== undefined) parts.push(`ttl ${call.ttlSeconds} s`);
  if (call.call === 'list_keys_page') parts.push(`prefix ${brief(call.prefix)}`, `cursor ${call.cursor === null ? 'none' : brief(call.cursor)}`, `limit ${call.limit}`);
  return parts.join(', ');
}

function brief(text: string): string {
  const shown = JSON.stringify(text);
  return shown.length > 80 ? `${shown.slice(0, 60)}…" (${text.length} chars)` : shown;
}

/**
 * The Node side of the bridge protocol (protocol.md): turns native KV calls into
 * HTTP requests to a bridge, and bridge answers back into entries, pages and
 * NativeErrors carrying the platform's text verbatim.
 */
import type { Entry, ListOptions, ListPage, NativeOp, NativeOpResult, PutOptions } from '../../providers/api.ts';
import { NativeError } from '../../providers/api.ts';
import { classifyNativeMessage } from '../../providers/classify.ts';

export interface BridgeClientOptions {
  baseUrl: string;
  token?: string;
  /** Per request; a hung runtime becomes a 'timeout' NativeError instead of a stuck run. */
  timeoutMs?: number;
}

type WireResult =
  | { ok: true; entry?: { value: string; metadata: unknown } | null; page?: ListPage }
  | { ok: false; error: { name: string; message: string } };

export class BridgeClient {
  readonly baseUrl: string;
  private readonly token?: string;
  private readonly timeoutMs: number;

  constructor(options: BridgeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  async health(): Promise<{ ok: boolean; protocol: number; runtime: { name: string; version: string } }> {
    return (await this.request('GET', '/health')) as never;
  }

  async get(key: string): Promise<Entry | null> {
    return unwrap(await this.one({ op: 'get', key })).entry ?? null;
  }

  async put(key: string, value: Uint8Array, options?: PutOptions): Promise<void> {
    unwrap(await this.one({ op: 'put', key, value, options }));
  }

  async delete(key: string): Promise<void> {
    unwrap(await this.one({ op: 'delete', key }));
  }

  async list(options: ListOptions): Promise<ListPage> {
    return unwrap(await this.one({ op: 'list', options })).page!;
  }

  async batch(ops: NativeOp[]): Promise<NativeOpResult[]> {
    const results: NativeOpResult[] = [];
    for (let i = 0; i < ops.length; i += 1000) {
      const body = { ops: ops.slice(i, i + 1000).map(toWire) };
      const answer = (await this.request('POST', '/ops', body)) as { results: WireResult[] };
      results.push(...answer.results.map(fromWire));
    }
    return results;
  }

  async benchInside(kind: 'put' | 'get', count: number): Promise<{ ops: number; ms: number }> {
    return (await this.request('POST', '/bench', { kind, count, prefix: 'bench/' })) as never;
  }

  private async one(op: NativeOp): Promise<NativeOpResult> {
    return (await this.batch([op]))[0];
  }

  /** Raw request, for tests of the protocol's own errors. Throws NativeError on a non-2xx answer. */
  async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new NativeError(
        timedOut ? `bridge did not answer ${method} ${path} within ${this.timeoutMs} ms` : `bridge unreachable at ${this.baseUrl}: ${causeOf(error)}`,
        timedOut ? 'timeout' : 'unavailable',
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {}
      throw new NativeError(`bridge answered ${response.status}: ${message}`, response.status >= 500 ? 'internal' : 'invalid-argument', {
        status: response.status,
      });
    }
    return JSON.parse(text);
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function toWire(op: NativeOp): Record<string, unknown> {
  switch (op.op) {
    case 'put':
      return {
        op: 'put',
        key: op.key,
        value: Buffer.from(op.value.buffer, op.value.byteOffset, op.value.byteLength).toString('base64'),
        ttl: op.options?.ttlSeconds,
        metadata: op.options?.metadata,
      };
    case 'list':
      return { op: 'list', prefix: op.options.prefix, limit: op.options.limit, cursor: op.options.cursor };
    default:
      return op;
  }
}

function fromWire(result: WireResult): NativeOpResult {
  if (!result.ok) {
    const { name, message } = result.error;
    return { ok: false, error: new NativeError(message, classifyNativeMessage(message), { nativeName: name }) };
  }
  if (result.entry !== undefined) {
    const entry = result.entry && {
      value: new Uint8Array(Buffer.from(result.entry.value, 'base64')),
      metadata: (result.entry.metadata ?? null) as Entry['metadata'],
    };
    return { ok: true, entry };
  }
  return result.page ? { ok: true, page: result.page } : { ok: true };
}

function unwrap(result: NativeOpResult): Extract<NativeOpResult, { ok: true }> {
  if (!result.ok) throw result.error;
  return result;
}

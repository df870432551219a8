/**
 * The Node side of the bridge protocol (protocol.md): turns native KV calls into
 * HTTP requests to a bridge, and bridge answers back into entries, pages and
 * NativeErrors carrying the platform's text verbatim.
 */
import type { Entry, KvHandleAnswer, KvHandleCall, KvInstance, ListOptions, ListPage, NativeOp, NativeOpResult, PutOptions } from '../../api/index.ts';
import { NativeError, classifyNativeMessage } from '../../api/index.ts';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { FRAME_TYPE } from './handler.js';

export interface BridgeClientOptions {
  baseUrl: string;
  token?: string;
  /** Per request; a hung runtime becomes a 'timeout' NativeError instead of a stuck run. */
  timeoutMs?: number;
  /**
   * A fresh connection per request (default: on loopback). workerd may close an idle keep-alive
   * connection without saying so (after long responses), and a request sent on it would fail for
   * nothing. A runtime that keeps its connections until the client closes them (Viceroy's hyper)
   * says false: a connection per request costs it about a third of a small request's time.
   */
  freshConnections?: boolean;
  /**
   * Send request bodies with a `+json` media type. EdgeZero's axum adapter buffers only JSON
   * bodies before its router runs, and answers no request whose streamed body is not in its
   * first read (the smoke's "streamed body over 16 KiB"): its bridge is sent bodies it buffers,
   * so the KV cases test the KV layer and that transport bug stays one finding of the smoke.
   */
  jsonBodies?: boolean;
  /** The runtime's own output: what it said while a connection dropped goes into the account of it (`resent`, the error). */
  runtimeOutput?: RuntimeOutput;
}

/** A runtime's stdout and stderr as a running count, so a client can take what it said during one request. */
export interface RuntimeOutput {
  name: string;
  /** Characters written so far. */
  written(): number;
  /** What was written after written() returned `mark`. */
  since(mark: number): string;
}

/** Whether a request may be sent again after its connection dropped, and what it carried, in words. */
interface Resend {
  /** Sending it twice leaves the store and the answer as sending it once: reads and puts, not deletes or read-modify-writes. */
  repeatable?: boolean;
  what?: string;
}

type WireResult =
  | { ok: true; entry?: { size: number; metadata: unknown } | null; page?: ListPage }
  | { ok: false; error: { name: string; message: string } };

/** handler.js MAX_OPS and MAX_BODY_BYTES: a batch is sent in requests within both. */
const MAX_OPS = 1000;
const MAX_FRAME_BYTES = 36 * 1024 * 1024;
const FRAME_SLACK = 64 * 1024;

export class BridgeClient {
  readonly baseUrl: string;
  private readonly token?: string;
  private readonly timeoutMs: number;
  private readonly freshConnections: boolean;
  private readonly frameType: string;
  private readonly valueType: string;
  private readonly agent: HttpAgent;
  private readonly runtimeOutput?: RuntimeOutput;
  /**
   * Requests sent a second time because their connection dropped, each in words.
   * What the connection did, not what the store answered: the engine records them in run_info.resent_requests.
   */
  readonly resent: string[] = [];

  constructor(options: BridgeClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/$/, '');
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    // Remote targets keep their connections (a TLS handshake per request would dominate the run).
    this.freshConnections = options.freshConnections ?? /^https?:\/\/(127\.|localhost[:/]|\[::1\])/.test(this.baseUrl + '/');
    this.frameType = options.jsonBodies ? `${FRAME_TYPE}+json` : FRAME_TYPE;
    this.valueType = options.jsonBodies ? 'application/vnd.kvparity.value+json' : 'application/octet-stream';
    const keepAlive = !this.freshConnections;
    this.agent = this.baseUrl.startsWith('https:') ? new HttpsAgent({ keepAlive }) : new HttpAgent({ keepAlive });
    this.runtimeOutput = options.runtimeOutput;
  }

  async health(): Promise<{ ok: boolean; protocol: number; runtime: { name: string; version: string } }> {
    return (await this.request('GET', '/health', undefined, { repeatable: true })) as never;
  }

  /** Single gets and puts use /value: raw bytes, so a 25 MiB value never passes through JSON and base64. */
  async get(key: string): Promise<Entry | null> {
    // A long key would make a URL some HTTP stacks refuse before the platform sees it.
    if (jsonParam(key).length > KEY_PARAM_LIMIT) return unwrap(await this.one({ op: 'get', key })).entry ?? null;
    const response = await this.send('GET', `/value?key=${jsonParam(key)}`, undefined, {}, { repeatable: true });
    const result = response.header('kvparity-result');
    if (result === 'missing') return null;
    if (result === 'error') throw fromWireError((response.json() as { error: WireError }).error);
    if (result !== 'found') throw new NativeError(`bridge answered GET /value without a kvparity-result header`, 'internal');
    if (response.header('kvparity-metadata-via') === 'ops') return unwrap(await this.one({ op: 'get', key })).entry ?? null;
    const metadata = response.header('kvparity-metadata');
    return { value: response.body, metadata: metadata === null ? null : (fromJsonParam(metadata) as Entry['metadata']) };
  }

  async put(key: string, value: Uint8Array, options: PutOptions = {}): Promise<void> {
    const ttl = options.ttlSeconds === undefined ? '' : `&ttl=${encodeURIComponent(String(options.ttlSeconds))}`;
    if (jsonParam(key).length > KEY_PARAM_LIMIT) return void unwrap(await this.one({ op: 'put', key, value, options }));
    const headers: Record<string, string> = { 'content-type': this.valueType };
    if (options.metadata !== undefined) {
      const metadata = jsonParam(options.metadata);
      // Large metadata cannot ride in a header (protocol.md): send it in a JSON batch.
      if (metadata.length > METADATA_HEADER_LIMIT) return void unwrap(await this.one({ op: 'put', key, value, options }));
      headers['kvparity-metadata'] = metadata;
    }
    const response = await this.send('PUT', `/value?key=${jsonParam(key)}${ttl}`, value, headers, { repeatable: true });
    const answer = response.json() as { ok: boolean; error?: WireError };
    if (!answer.ok) throw fromWireError(answer.error!);
  }

  async delete(key: string): Promise<void> {
    unwrap(await this.one({ op: 'delete', key }));
  }

  async list(options: ListOptions): Promise<ListPage> {
    return unwrap(await this.one({ op: 'list', options })).page!;
  }

  /** Many ops in one frame (protocol.md): a JSON line, then the put values' raw bytes. */
  async batch(ops: NativeOp[]): Promise<NativeOpResult[]> {
    const results: NativeOpResult[] = [];
    for (const segment of segments(ops)) {
      const repeatable = segment.every((op) => op.op !== 'delete');
      const response = await this.send('POST', '/ops', encodeFrame(segment), { 'content-type': this.frameType }, { repeatable, what: `${segment.length} ops` });
      const { head, bytes } = decodeFrame(response.body);
      let offset = 0;
      for (const result of (head as { results: WireResult[] }).results) {
        if (result.ok && result.entry) {
          const value = bytes.subarray(offset, offset + result.entry.size);
          offset += result.entry.size;
          results.push({ ok: true, entry: { value, metadata: (result.entry.metadata ?? null) as Entry['metadata'] } });
        } else results.push(fromWire(result));
      }
    }
    return results;
  }

  /**
   * POST /handle (protocol.md, "EdgeZero's own KvHandle"): one call of EdgeZero's KvHandle, on a
   * bridge that runs EdgeZero's code. A frame: the call as a JSON line, then put_bytes' value.
   */
  async handleCall(call: KvHandleCall, options: { spy?: boolean } = {}): Promise<KvHandleAnswer> {
    const { value, ttlSeconds, ...rest } = call as KvHandleCall & { value?: unknown; ttlSeconds?: number };
    const head: Record<string, unknown> = { ...rest, ...(ttlSeconds !== undefined ? { ttl: ttlSeconds } : {}), ...(options.spy ? { spy: true } : {}) };
    let bytes: Uint8Array | undefined;
    if (call.call === 'put_bytes') {
      bytes = call.value;
      head.size = call.value.byteLength;
    } else if (value !== undefined) head.value = value;
    const frame = Buffer.concat([Buffer.from(JSON.stringify(head) + '\n'), ...(bytes ? [bytes] : [])]);
    const repeatable = call.call !== 'delete' && call.call !== 'read_modify_write';
    const response = await this.send('POST', '/handle', new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), { 'content-type': this.frameType }, { repeatable, what: call.call });
    const answer = decodeFrame(response.body);
    const wire = answer.head as Record<string, unknown> & { store_calls?: string[] };
    const storeCalls = wire.store_calls ? { storeCalls: wire.store_calls } : {};
    if (wire.ok !== true) {
      if (typeof wire.unrepresentable === 'string') return { ok: false, unrepresentable: wire.unrepresentable, ...storeCalls };
      return { ok: false, error: wire.error as Extract<KvHandleAnswer, { error: unknown }>['error'], ...storeCalls };
    }
    return {
      ok: true,
      ...('size' in wire ? { bytes: wire.size === null ? null : answer.bytes.subarray(0, wire.size as number) } : {}),
      ...('json' in wire ? { json: wire.json as never } : {}),
      ...('exists' in wire ? { exists: wire.exists as boolean } : {}),
      ...('page' in wire ? { page: wire.page as { keys: string[]; cursor: string | null } } : {}),
      ...storeCalls,
    };
  }

  async benchInside(kind: 'put' | 'get', count: number, prefix = 'bench/'): Promise<{ ops: number; ms: number }> {
    return (await this.request('POST', '/bench', { kind, count, prefix })) as never;
  }

  private async one(op: NativeOp): Promise<NativeOpResult> {
    return (await this.batch([op]))[0];
  }

  /** A JSON request, for /ops, /bench, /health. Throws NativeError on a non-2xx answer. */
  async request(method: string, path: string, body?: unknown, resend: Resend = {}): Promise<unknown> {
    const response = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? {} : { 'content-type': 'application/json' }, resend);
    return response.json();
  }

  /**
   * One HTTP exchange; transport failures and non-2xx answers become NativeErrors. A repeatable
   * request whose connection dropped (reset, or closed before the answer was whole) is sent once
   * more, as HTTP clients do for idempotent requests (RFC 9110 §9.2.2): a case's outcome is not
   * what a dropped connection should decide. Whatever happens is kept in `resent`.
   */
  private async send(method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}, resend: Resend = {}): Promise<Answer> {
    if (this.token) headers = { ...headers, authorization: `Bearer ${this.token}` };
    if (this.freshConnections) headers = { ...headers, connection: 'close' };
    let response: Answer;
    const mark = this.runtimeOutput?.written();
    try {
      response = await this.exchange(method, path, body, headers);
    } catch (error) {
      const dropped = error instanceof BridgeTransportError && error.dropped;
      if (dropped) error.message += this.saidSince(mark);
      if (!dropped || !resend.repeatable) throw this.transportFailure(method, path, error);
      const request = `${method} ${path.replace(/\?.*/, '')}${resend.what ? ` (${resend.what})` : ''}`;
      try {
        response = await this.exchange(method, path, body, headers);
        this.resent.push(`${request}: ${error.message}; answered when sent again`);
      } catch (again) {
        this.resent.push(`${request}: ${error.message}; sent again: ${causeOf(again)}`);
        const failure = this.transportFailure(method, path, again);
        throw new NativeError(`${failure.message} (sent again after ${error.message})`, failure.errorClass);
      }
    }
    if (response.status < 200 || response.status > 299) {
      const text = response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {}
      throw new NativeError(`bridge answered ${response.status}: ${message}`, response.status >= 500 ? 'internal' : 'invalid-argument', {
        status: response.status,
      });
    }
    return response;
  }

  /** The runtime's last words since `mark`, if it said anything: ` [workerd: …]`. */
  private saidSince(mark: number | undefined): string {
    if (mark === undefined || !this.runtimeOutput) return '';
    const said = this.runtimeOutput.since(mark).trim().split('\n').slice(-3).join(' | ');
    return said ? ` [${this.runtimeOutput.name} said: ${said.length > 400 ? '…' + said.slice(-399) : said}]` : '';
  }

  private transportFailure(method: string, path: string, error: unknown): NativeError {
    const timedOut = error instanceof BridgeTimeout;
    return new NativeError(
      timedOut ? `bridge did not answer ${method} ${path} within ${this.timeoutMs} ms` : `bridge unreachable at ${this.baseUrl}: ${causeOf(error)}`,
      timedOut ? 'timeout' : 'unavailable',
    );
  }

  /**
   * The request through node:http, its answer read whole. Not fetch(): on loopback, with a fresh
   * connection each time, fetch spends about three times the CPU per request (2.3 ms against 0.7 ms,
   * measured on the kit's 2-core machine), and a run makes tens of thousands of requests.
   */
  private exchange(method: string, path: string, body: string | Uint8Array | undefined, headers: Record<string, string>): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const url = new URL(this.baseUrl + path);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const started = performance.now();
      // How far the exchange got, for a transport failure's message: a dropped connection reads
      // differently before the request was sent whole, while the bridge worked, and mid-answer.
      let stage: TransportStage = 'sending';
      const request = send(url, { method, headers, agent: this.agent }, (response) => {
        stage = 'answering';
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(timer);
          resolve(answer(response.statusCode ?? 0, response.headers, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
        });
      });
      request.on('finish', () => {
        if (stage === 'sending') stage = 'waiting';
      });
      const timer = setTimeout(() => request.destroy(new BridgeTimeout()), this.timeoutMs);
      function fail(error: Error) {
        clearTimeout(timer);
        reject(error instanceof BridgeTimeout ? error : new BridgeTransportError(error, stage, performance.now() - started));
      }
      request.on('error', fail);
      request.end(body);
    });
  }
}

/** A bridge's answer, read whole. */
interface Answer {
  status: number;
  /** A header's value, or null. */
  header(name: string): string | null;
  body: Uint8Array;
  text(): string;
  json(): unknown;
}

function answer(status: number, headers: IncomingHttpHeaders, body: Buffer): Answer {
  return {
    status,
    header: (name) => {
      const value = headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    // A copy with a buffer of its own: a socket's chunk is a view into a larger, shared one.
    body: new Uint8Array(body),
    text: () => body.toString('utf8'),
    json: () => JSON.parse(body.toString('utf8')) as unknown,
  };
}

class BridgeTimeout extends Error {
  name = 'TimeoutError';
}

type TransportStage = 'sending' | 'waiting' | 'answering';
const STAGE_WORDS: Record<TransportStage, string> = {
  sending: 'before the request was sent whole',
  waiting: 'after the request was sent whole, before any answer',
  answering: 'in the middle of the answer',
};

/** Codes of a connection the other side closed or reset; not ECONNREFUSED, where nobody listens (a dead runtime). */
const DROPPED = new Set(['ECONNRESET', 'EPIPE']);

/** A connection that failed: its code and Node's words, and how far the exchange had got. */
class BridgeTransportError extends Error {
  /** The other side reset or closed the connection (at any stage: a repeatable request may go again). */
  readonly dropped: boolean;

  constructor(cause: Error, stage: TransportStage, ms: number) {
    const { code } = cause as { code?: string };
    const words = code && cause.message !== code && !cause.message.includes(code) ? ` (${cause.message})` : '';
    super(`${code ?? cause.message}${code ? words : ''}, ${STAGE_WORDS[stage]} (${Math.round(ms)} ms)`, { cause });
    this.dropped = code !== undefined && DROPPED.has(code);
  }
}

type WireError = { name: string; message: string };

/** Keys whose parameter is longer go through /ops: an 8 KiB request line is a common server limit. */
const KEY_PARAM_LIMIT = 4096;

/** handler.js MAX_METADATA_HEADER: larger metadata goes through /ops. */
const METADATA_HEADER_LIMIT = 4096;


const jsonParam = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const fromJsonParam = (param: string): unknown => JSON.parse(Buffer.from(param, 'base64url').toString('utf8'));

function fromWireError({ name, message }: WireError): NativeError {
  return new NativeError(message, classifyNativeMessage(message), { nativeName: name });
}

function causeOf(error: unknown): string {
  if (error instanceof BridgeTransportError) return error.message;
  const { code } = error as { code?: string };
  return code ?? (error as Error).message;
}

function toWire(op: NativeOp): Record<string, unknown> {
  switch (op.op) {
    case 'put':
      return { op: 'put', key: op.key, size: op.value.byteLength, ttl: op.options?.ttlSeconds, metadata: op.options?.metadata };
    case 'list':
      return { op: 'list', prefix: op.options.prefix, limit: op.options.limit, cursor: op.options.cursor };
    default:
      return op;
  }
}

/** Splits a batch into requests of at most MAX_OPS ops and MAX_FRAME_BYTES (one larger value goes alone). */
function segments(ops: NativeOp[]): NativeOp[][] {
  const out: NativeOp[][] = [];
  let current: NativeOp[] = [];
  let bytes = 0;
  for (const op of ops) {
    const size = op.op === 'put' ? op.value.byteLength + FRAME_SLACK : 0;
    if (current.length === MAX_OPS || (current.length > 0 && bytes + size > MAX_FRAME_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(op);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

/** The JSON line of the ops, "\n", then the put values back to back (protocol.md, "Frames"). */
export function encodeFrame(ops: NativeOp[]): Uint8Array<ArrayBuffer> {
  const values = ops.flatMap((op) => (op.op === 'put' ? [op.value] : []));
  const frame = Buffer.concat([Buffer.from(JSON.stringify({ ops: ops.map(toWire) }) + '\n'), ...values]);
  return new Uint8Array(frame.buffer as ArrayBuffer, frame.byteOffset, frame.byteLength);
}

export function decodeFrame(frame: Uint8Array): { head: unknown; bytes: Uint8Array } {
  const newline = frame.indexOf(10);
  if (newline < 0) throw new NativeError('bridge answered /ops without the frame\'s newline (is it a bridge of protocol 1? redeploy it)', 'internal');
  return { head: JSON.parse(Buffer.from(frame.buffer, frame.byteOffset, newline).toString('utf8')), bytes: frame.subarray(newline + 1) };
}

function fromWire(result: WireResult): NativeOpResult {
  if (!result.ok) return { ok: false, error: fromWireError(result.error) };
  if (result.entry !== undefined) return { ok: true, entry: null };
  return result.page ? { ok: true, page: result.page } : { ok: true };
}

function unwrap(result: NativeOpResult): Extract<NativeOpResult, { ok: true }> {
  if (!result.ok) throw result.error;
  return result;
}

/** The native operations of a KvInstance behind a bridge. */
export type BridgedOps = Pick<KvInstance, 'get' | 'put' | 'delete' | 'list' | 'batch' | 'benchInside' | 'alive' | 'resent'>;

/**
 * A KvInstance's operations, each one request to the bridge: the one mapping every bridged
 * provider shares. `around` wraps each call (Viceroy appends its own account of a failure);
 * alive() asks /health.
 */
export function bridgedOps(client: BridgeClient, around: <T>(op: () => Promise<T>) => Promise<T> = (op) => op()): BridgedOps {
  return {
    get: (key) => around(() => client.get(key)),
    put: (key, value, options) => around(() => client.put(key, value, options)),
    delete: (key) => around(() => client.delete(key)),
    list: (options) => around(() => client.list(options)),
    batch: (ops) => around(() => client.batch(ops)),
    benchInside: (kind, count, prefix) => around(() => client.benchInside(kind, count, prefix)),
    alive: () => client.health().then(() => true, () => false),
    resent: () => [...client.resent],
  };
}

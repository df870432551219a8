// The shared bridge handler's own logic (protocol.md), run in Node over the reference model:
// the token rules, whole-batch validation, the raw /value encoding and base64. The real bridges
// are exercised inside workerd and Viceroy by cloudflare.test.ts, fastly.test.ts and remote.slow.test.ts.
import { describe, expect, it } from 'vitest';
import { FRAME_TYPE, checkBatch, decodeBase64, encodeBase64, firstNewline, handleBridgeRequest } from '../runners/bridge/handler.js';
import { decodeFrame, encodeFrame } from '../runners/bridge/client.ts';
import { KvModel } from '../contract/model.ts';
import type { NativeOp } from '../api/index.ts';
import { modelAdapter } from './fixtures/model-adapter.ts';

function bridge(options: { token?: string; requireToken?: boolean } = {}) {
  const { model, kv } = modelAdapter();
  const call = (path: string, init: RequestInit = {}) => handleBridgeRequest(new Request(`http://bridge${path}`, init), { kv, runtime: { name: 'test', version: '0' }, ...options });
  return { model, call };
}

const keyParam = (key: string) => Buffer.from(JSON.stringify(key)).toString('base64url');

describe('bridge handler', () => {
  it('a deployed bridge without a token serves nobody', async () => {
    const { call, model } = bridge({ requireToken: true });
    const response = await call('/ops', { method: 'POST', body: JSON.stringify({ ops: [{ op: 'put', key: 'k', size: 1 }] }) + '\n\0' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { status: 401, message: expect.stringMatching(/without a token/) } });
    expect(model.keys()).toEqual([]);
  });

  it('demands the exact bearer token, of any length', async () => {
    const { call } = bridge({ token: 'secret-token' });
    for (const header of [undefined, 'Bearer secret-toke', 'Bearer secret-tokenX', 'bearer secret-token', 'secret-token']) {
      expect((await call('/health', { headers: header ? { authorization: header } : {} })).status).toBe(401);
    }
    expect((await call('/health', { headers: { authorization: 'Bearer secret-token' } })).status).toBe(200);
  });

  it.each([
    [{}, 'body must be {"ops":[...]}'],
    [{ ops: [] }, 'ops must not be empty'],
    [{ ops: Array(1001).fill({ op: 'get', key: 'k' }) }, 'ops holds 1001 operations; at most 1000 per request'],
    [{ ops: [{ op: 'get', key: 'k' }, { op: 'put', key: 'k', value: 'AA==' }] }, "ops[1].size must be the value's length in bytes (the bytes follow the JSON line)"],
    [{ ops: [{ op: 'put', key: 'k', size: 1.5 }] }, "ops[0].size must be the value's length in bytes (the bytes follow the JSON line)"],
    [{ ops: [{ op: 'put', key: 'k', size: 0, ttl: '60' }] }, 'ops[0].ttl must be a number of seconds'],
    [{ ops: [{ op: 'put', key: 'k', size: 1 }, { op: 'put', key: 'k', size: 2 }] }, 'the puts declare 3 value bytes, but 0 follow the JSON line'],
    [{ ops: [{ op: 'list', cursor: 5 }] }, 'ops[0].cursor must be a string'],
    [{ ops: [{ op: 'delete' }] }, 'ops[0].key must be a string'],
  ])('refuses a malformed batch whole (%#): %s', async (body, message) => {
    expect(checkBatch(body)).toBe(message);
    const { call, model } = bridge();
    const response = await call('/ops', { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect(model.keys()).toEqual([]);
  });

  it('runs a framed batch: values with newlines and zero bytes, and the empty value, round-trip raw, in op order', async () => {
    const { call } = bridge();
    const values = [new Uint8Array([10, 0, 10]), new Uint8Array(0), new TextEncoder().encode('{"ops":[]}\n'), Uint8Array.from({ length: 256 }, (_, i) => i)];
    const puts = values.map((value, i) => ({ op: 'put' as const, key: `f/${i}`, value, options: i === 1 ? { metadata: { n: 1 } } : {} }));
    const gets = values.map((_, i) => ({ op: 'get' as const, key: `f/${i}` }));
    const send = async (ops: NativeOp[]) => {
      const response = await call('/ops', { method: 'POST', body: encodeFrame(ops) });
      expect([response.status, response.headers.get('content-type')]).toEqual([200, FRAME_TYPE]);
      return decodeFrame(new Uint8Array(await response.arrayBuffer()));
    };
    expect((await send(puts)).head).toEqual({ results: values.map(() => ({ ok: true })) });
    const { head, bytes } = await send([...gets, { op: 'get', key: 'f/missing' }]);
    const results = (head as { results: Array<{ entry: { size: number; metadata: unknown } | null }> }).results;
    expect(results.map((r) => r.entry)).toEqual([...values.map((v, i) => ({ size: v.byteLength, metadata: i === 1 ? { n: 1 } : null })), null]);
    expect([...bytes]).toEqual(values.flatMap((v) => [...v]));
  });

  it('hands consecutive puts to an adapter with putMany together, the values and outcomes in op order', async () => {
    const model = new KvModel();
    const calls: string[][] = [];
    const kv = {
      get: async (key: string) => model.get(key),
      put: async (key: string, value: Uint8Array) => model.put(key, value),
      putMany: async (puts: Array<{ key: string; value: Uint8Array }>) => {
        calls.push(puts.map((p) => p.key));
        return puts.map((p) => (p.key === 'bad' ? { ok: false as const, error: new TypeError('refused') } : (model.put(p.key, p.value), { ok: true as const })));
      },
      delete: async (key: string) => model.delete(key),
      list: async (o: { prefix?: string; limit?: number; cursor?: string }) => model.list(o),
    };
    const ops: NativeOp[] = [
      { op: 'put', key: 'a', value: new TextEncoder().encode('1') },
      { op: 'put', key: 'bad', value: new TextEncoder().encode('22') },
      { op: 'put', key: 'b', value: new TextEncoder().encode('333') },
      { op: 'get', key: 'b' },
      { op: 'put', key: 'c', value: new TextEncoder().encode('4444') },
    ];
    const response = await handleBridgeRequest(new Request('http://bridge/ops', { method: 'POST', body: encodeFrame(ops) }), { kv, runtime: { name: 'test', version: '0' } });
    const { head, bytes } = decodeFrame(new Uint8Array(await response.arrayBuffer()));
    expect(calls).toEqual([['a', 'bad', 'b'], ['c']]);
    expect((head as { results: unknown[] }).results).toEqual([{ ok: true }, { ok: false, error: { name: 'TypeError', message: 'refused' } }, { ok: true }, { ok: true, entry: { size: 3, metadata: null } }, { ok: true }]);
    expect(new TextDecoder().decode(bytes)).toBe('333');
    expect(new TextDecoder().decode(model.get('c')!.value)).toBe('4444');
  });

  it("finds the frame's newline wherever it lies (window edges, past 64 KiB), and no other byte reads as one", () => {
    const at = (size: number, index: number) => {
      const bytes = new Uint8Array(size);
      if (index >= 0) bytes[index] = 10;
      return firstNewline(bytes);
    };
    for (const index of [0, 1, 65_535, 65_536, 65_537, 196_607, 196_608, 299_999]) expect(at(300_000, index)).toBe(index);
    expect(at(300_000, -1)).toBe(-1);
    expect(firstNewline(new Uint8Array(0))).toBe(-1);
    const everyByte = Uint8Array.from({ length: 256 }, (_, i) => (i + 11) % 256); // 0x0A last
    expect(firstNewline(everyByte)).toBe(255);
  });

  it('round-trips any key through /value, lone surrogates included, and reports missing keys', async () => {
    const { call } = bridge();
    // The model refuses a lone surrogate by name, which proves the key arrived exactly as sent.
    const lone = await call(`/value?key=${keyParam('a\ud800b')}`, { method: 'PUT', body: 'x', headers: { 'content-length': '1' } });
    expect(await lone.json()).toEqual({ ok: false, error: { name: 'NativeError', message: 'key contains a lone surrogate (not valid UTF-8)' } });
    const key = 'a/é/😀';
    const put = await call(`/value?key=${keyParam(key)}&ttl=60`, { method: 'PUT', body: new Uint8Array([0, 255]), headers: { 'content-length': '2' } });
    expect(await put.json()).toEqual({ ok: true });
    const got = await call(`/value?key=${keyParam(key)}`);
    expect(got.headers.get('kvparity-result')).toBe('found');
    expect([...new Uint8Array(await got.arrayBuffer())]).toEqual([0, 255]);
    const missing = await call(`/value?key=${keyParam('nope')}`);
    expect(missing.headers.get('kvparity-result')).toBe('missing');
  });

  it('passes a native error through verbatim, as data, with status 200', async () => {
    const { call } = bridge();
    const response = await call(`/value?key=${keyParam('')}`);
    expect(response.headers.get('kvparity-result')).toBe('error');
    expect(await response.json()).toEqual({ ok: false, error: { name: 'NativeError', message: 'key cannot be empty' } });
  });

  it('answers 404, 405, 411 and 413 for the wrong endpoint, method, length and size', async () => {
    const { call } = bridge();
    expect((await call('/nope')).status).toBe(404);
    expect((await call('/ops')).status).toBe(405);
    expect((await call(`/value?key=${keyParam('k')}`, { method: 'PUT', body: new ReadableStream(), duplex: 'half' } as RequestInit)).status).toBe(411);
    expect((await call(`/value?key=${keyParam('k')}`, { method: 'PUT', body: 'x', headers: { 'content-length': String(200 * 1024 * 1024) } })).status).toBe(413);
  });

  it('encodes base64 like Node for every byte value and length', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let n = 0; n <= 256; n += 17) {
      const bytes = all.subarray(0, n);
      expect(encodeBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect([...decodeBase64(encodeBase64(bytes))]).toEqual([...bytes]);
    }
  });
});

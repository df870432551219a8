// The bridge client's transport failures, against real sockets that misbehave on purpose: each
// becomes an 'unavailable' NativeError saying what happened and how far the exchange got; a
// request whose connection dropped is sent once more only when sending it twice changes nothing,
// and the run's results and reports say it was.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defineProvider } from '../api/index.ts';
import { BridgeClient, bridgedOps } from '../runners/bridge/client.ts';
import { handleBridgeRequest } from '../runners/bridge/handler.js';
import { modelAdapter } from './fixtures/model-adapter.ts';
import { ALL_CASES } from '../suites/cases/index.ts';
import { runCases } from '../suites/engine.ts';
import { validateResults } from '../results/validate.ts';
import { buildParity } from '../reports/parity.ts';
import { renderMarkdown } from '../reports/markdown.ts';
import { renderHtml } from '../reports/html.ts';
import { renderSummary } from '../reports/summary.ts';

const servers: Array<Server | TcpServer> = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

async function listening<T extends Server | TcpServer>(server: T): Promise<string> {
  servers.push(server);
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('bridge client transport failures', () => {
  it('a connection closed after the request, with no answer: the code, Node\'s words and the stage', async () => {
    const url = await listening(
      createServer((request) => {
        request.resume();
        request.on('end', () => request.socket.destroy());
      }),
    );
    const error = await new BridgeClient({ baseUrl: url }).batch([{ op: 'put', key: 'k', value: new Uint8Array(64 * 1024) }, { op: 'delete', key: 'j' }]).catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'unavailable' });
    expect(error.message).toMatch(new RegExp(`^bridge unreachable at ${url}: ECONNRESET \\(socket hang up\\), after the request was sent whole, before any answer \\(\\d+ ms\\)$`));
  });

  it('a connection dropped in the middle of the answer says so', async () => {
    const url = await listening(
      createTcpServer((socket) => {
        socket.once('data', () => {
          socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"ok":');
          setTimeout(() => socket.destroy(), 20);
        });
      }),
    );
    const error = await new BridgeClient({ baseUrl: url }).batch([{ op: 'delete', key: 'k' }]).catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'unavailable' });
    expect(error.message).toMatch(/: ECONNRESET \(aborted\), in the middle of the answer \(\d+ ms\)$/);
  });

  it('nobody listening: ECONNREFUSED before the request was sent', async () => {
    const url = await listening(createServer());
    await new Promise((done) => servers.pop()!.close(done));
    const error = await new BridgeClient({ baseUrl: url }).health().catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'unavailable' });
    expect(error.message).toMatch(new RegExp(`^bridge unreachable at ${url}: ECONNREFUSED, before the request was sent whole \\(\\d+ ms\\)$`));
  });

  it('a bridge that never answers is a timeout, not a dropped connection', async () => {
    const url = await listening(createTcpServer(() => {}));
    const error = await new BridgeClient({ baseUrl: url, timeoutMs: 200 }).health().catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'timeout', message: 'bridge did not answer GET /health within 200 ms' });
  });
});

/**
 * A bridge over the reference model on a real socket. Each request `drop` picks (by its 1-based
 * number, or its method and path) is served, so the store changes, and then its connection is
 * closed with no answer, or (`midAnswer`) after the head and part of the answer: the worst case
 * for sending it again.
 */
async function droppingBridge(drop: (number: number, request: string) => boolean, { midAnswer = false } = {}) {
  const { model, kv } = modelAdapter();
  const seen: string[] = [];
  const url = await listening(
    createServer(async (req, res) => {
      const what = `${req.method} ${req.url!.replace(/\?.*/, '')}`;
      seen.push(what);
      const dropped = drop(seen.length, what);
      const body = await bodyOf(req);
      const request = new Request(`http://bridge${req.url}`, { method: req.method, headers: req.headers as HeadersInit, body: body.length ? new Uint8Array(body) : undefined });
      const response = await handleBridgeRequest(request, { kv, runtime: { name: 'dropping', version: '1' } });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (dropped && midAnswer) {
        res.writeHead(response.status, { ...Object.fromEntries(response.headers), 'content-length': String(bytes.length) });
        res.write(bytes.subarray(0, 1));
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      if (dropped) return void req.socket.destroy();
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(bytes);
    }),
  );
  return { url, model, seen };
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('a request whose connection dropped', () => {
  it('is sent once more when that changes nothing (a put), and the client keeps what happened', async () => {
    const bridge = await droppingBridge((n) => n === 1);
    const client = new BridgeClient({ baseUrl: bridge.url });
    await client.put('k', bytes('v'));
    expect(bridge.seen).toEqual(['PUT /value', 'PUT /value']);
    expect(new TextDecoder().decode(bridge.model.get('k')!.value)).toBe('v');
    expect(client.resent).toEqual([expect.stringMatching(/^PUT \/value: ECONNRESET \(socket hang up\), after the request was sent whole, before any answer \(\d+ ms\); answered when sent again$/)]);
  });

  it("carries what the runtime said meanwhile, when it said something", async () => {
    const bridge = await droppingBridge((n) => n === 1);
    let log = 'started\n';
    const runtimeOutput = { name: 'dropping', written: () => log.length, since: (mark: number) => log.slice(mark) };
    const client = new BridgeClient({ baseUrl: bridge.url, runtimeOutput });
    const put = client.put('k', bytes('v'));
    log += 'kj/compat/http.c++: error: a line the runtime wrote\n';
    await put;
    expect(client.resent).toEqual([expect.stringMatching(/before any answer \(\d+ ms\) \[dropping said: kj\/compat\/http\.c\+\+: error: a line the runtime wrote\]; answered when sent again$/)]);
  });

  it('mid-answer too: a get whose answer was cut off is sent once more', async () => {
    const bridge = await droppingBridge((_, request) => request === 'GET /value' && bridge.seen.filter((r) => r === request).length === 1, { midAnswer: true });
    const client = new BridgeClient({ baseUrl: bridge.url });
    await client.put('k', bytes('a value of some bytes'));
    expect(new TextDecoder().decode((await client.get('k'))!.value)).toBe('a value of some bytes');
    expect(bridge.seen).toEqual(['PUT /value', 'GET /value', 'GET /value']);
    expect(client.resent).toEqual([expect.stringMatching(/^GET \/value: ECONNRESET \(aborted\), in the middle of the answer \(\d+ ms\); answered when sent again$/)]);
  });

  it('is not sent again when it holds a delete: the second would meet a missing key', async () => {
    const bridge = await droppingBridge((n) => n === 2);
    const client = new BridgeClient({ baseUrl: bridge.url });
    await client.put('k', bytes('v'));
    const error = await client.batch([{ op: 'put', key: 'j', value: bytes('w') }, { op: 'delete', key: 'k' }]).catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'unavailable', message: expect.stringMatching(/ECONNRESET \(socket hang up\), after the request was sent whole/) });
    expect(bridge.seen).toEqual(['PUT /value', 'POST /ops']);
    expect(client.resent).toEqual([]);
  });

  it('dropped twice: the error names both, and is not sent a third time', async () => {
    const bridge = await droppingBridge((n) => n <= 2);
    const client = new BridgeClient({ baseUrl: bridge.url });
    const error = await client.batch([{ op: 'get', key: 'k' }, { op: 'list', options: { prefix: '' } }]).catch((e) => e);
    expect(error).toMatchObject({ errorClass: 'unavailable' });
    expect(error.message).toMatch(/^bridge unreachable at .*: ECONNRESET \(socket hang up\), after the request was sent whole, before any answer \(\d+ ms\) \(sent again after ECONNRESET \(socket hang up\), .*\)$/);
    expect(bridge.seen).toEqual(['POST /ops', 'POST /ops']);
    expect(client.resent).toEqual([expect.stringMatching(/^POST \/ops \(2 ops\): .*; sent again: ECONNRESET/)]);
  });

  it('a run that needed it passes, and its results file and every report say so', async () => {
    let puts = 0;
    const bridge = await droppingBridge((_, request) => request === 'PUT /value' && ++puts === 1);
    const provider = defineProvider({
      id: 'dropping-bridge',
      title: 'A bridge that drops one connection after serving it',
      kind: 'local',
      runtime: 'a Node HTTP server in the test',
      capabilities: { ttl: false, metadata: true, clock: false, durable: false, strongConsistency: true },
      async start() {
        const client = new BridgeClient({ baseUrl: bridge.url });
        return { runtime: { name: 'dropping', version: '1' }, ...bridgedOps(client), stop: async () => {} };
      },
    });
    const warnings: string[] = [];
    const file = await runCases({
      provider,
      source: 'test',
      cases: ALL_CASES.filter((c) => c.category === 'crud' && c.check === 'contract'),
      seed: 1,
      runs: 2,
      kitVersion: 'test',
      divergences: [],
      start: () => provider.start({ tmpDir: '/nonexistent', log: () => {}, options: {}, signal: new AbortController().signal }),
      onWarning: (line) => warnings.push(line),
    });
    expect(validateResults(file)).toEqual([]);
    expect(file.results.filter((r) => r.status !== 'PASS' && r.status !== 'SKIP')).toEqual([]);
    expect(file.run_info.resent_requests).toEqual([expect.stringMatching(/: ECONNRESET \(socket hang up\), after the request was sent whole, before any answer \(\d+ ms\); answered when sent again$/)]);
    expect(warnings).toEqual([expect.stringMatching(/^1 request sent again after their connection dropped: /)]);
    const parity = buildParity([{ path: 'dropping-bridge.json', file }]);
    const said = /dropping-bridge.*1 request sent again after their connection dropped: PUT \/value: ECONNRESET/;
    expect(renderMarkdown(parity)).toMatch(said);
    expect(renderSummary(parity, [])).toMatch(said);
    expect(renderHtml(parity)).toMatch(/1 request sent again after their connection dropped/);
  });
});

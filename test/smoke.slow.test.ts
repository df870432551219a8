// The demo and its smoke: the kit's port of the demo's routes answers as EdgeZero's demo does, the
// smoke passes against the demo it starts and against one started by hand, and fails, naming the
// check, against a server that only pretends. Upstream's own demo: test/edgezero.slow.test.ts.
import { spawn } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvHandle } from '../contract/handle.ts';
import { KvModel } from '../contract/model.ts';
import { KV_STORE_IDS, routeDemo, type DemoAnswer, type DemoStores } from '../demo/routes.js';
import { startNodeDemo } from '../demo/node-server.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE } from '../contract/upstream.js';

const root = resolve(import.meta.dirname, '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-smoke-test-'));

function run(command: string, args: string[], timeoutMs = 180_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out, err });
    });
  });
}
const smoke = (...args: string[]) => run(process.execPath, [join(root, 'cli/kvparity.mjs'), 'smoke', ...args]);

interface SmokeReport {
  format: string;
  target: string;
  base_url: string;
  started: string;
  ended: string;
  checks: Array<{ name: string; status: 'PASS' | 'FAIL' | 'INFO'; detail: string }>;
}
const readReport = (dir: string, target: string): SmokeReport => JSON.parse(readFileSync(join(dir, `smoke-${target}.json`), 'utf8'));


describe("the demo's routes over contract KvHandle", () => {
  /** The demo's registry: contract KvHandle over the reference model, one per store id. */
  function registries(ids: readonly string[] = KV_STORE_IDS) {
    const real: DemoStores = {};
    const models: Record<string, KvModel> = {};
    for (const id of ids) {
      const model = (models[id] = new KvModel());
      real[id] = new KvHandle({ get: async (k) => model.get(k), put: async (k, v, o) => model.put(k, v, o), delete: async (k) => model.delete(k), list: async (o) => model.list(o) });
    }
    return { real, models };
  }
  const body = (text: string) => async () => new TextEncoder().encode(text);
  async function through(stores: DemoStores, requests: Array<[string, string, ((limit: number) => Promise<Uint8Array | null>)?]>) {
    const answers: DemoAnswer[] = [];
    for (const [method, path, readBody = body('')] of requests) answers.push(await routeDemo({ method, path, readBody }, stores));
    return answers.map((a) => ({ ...a, body: typeof a.body === 'string' || a.body === null ? a.body : new TextDecoder().decode(a.body) }));
  }

  it("routes answer as EdgeZero's demo does, with kind in every error body", async () => {
    const { real } = registries();
    const requests: Array<[string, string, ((limit: number) => Promise<Uint8Array | null>)?]> = [
      ['GET', '/'],
      ['POST', '/kv/counter'],
      ['POST', '/kv/counter'],
      ['GET', '/kv/counter'],
      ['PUT', '/kv/notes/a'],
      ['POST', '/kv/notes/a', body('hello')],
      ['GET', '/kv/notes/a'],
      ['DELETE', '/kv/notes/a'],
      ['GET', '/kv/notes/a'],
      ['DELETE', '/kv/notes/missing'],
      ['POST', `/kv/notes/${'i'.repeat(507)}`, body('x')],
      ['POST', `/kv/notes/${'i'.repeat(508)}`, body('x')],
      ['POST', `/kv/notes/${'日'.repeat(200)}`, body('x')], // 200 chars, 605 bytes of key: KV validation, 400
      ['POST', '/kv/notes/..', body('x')],
      ['POST', '/kv/notes/big', async () => null],
      ['GET', '/kv/notes/'],
      ['GET', '/nope'],
      ['GET', '/__kvparity/stores/cache/keys'],
      ['GET', '/__kvparity/stores/sessions/keys/demo:'],
      ['GET', '/__kvparity/stores/other/keys'],
    ];
    const viaPort = await through(real, requests);
    expect(viaPort.map((a) => a.status)).toEqual([200, 200, 200, 405, 405, 201, 200, 204, 404, 204, 201, 422, 400, 201, 400, 404, 404, 200, 200, 503]);
    const errors = viaPort.filter((a) => a.status >= 400);
    expect(errors.map((a) => a.headers['content-type'])).toEqual(errors.map(() => 'application/json'));
    expect(errors.map((a) => JSON.parse(a.body as string).error.kind)).toEqual([
      'method_not_allowed', 'method_not_allowed', 'not_found', 'validation', 'bad_request', 'bad_request', 'not_found', 'not_found', 'service_unavailable',
    ]);
    expect(viaPort[12].body).toBe('{"error":{"kind":"bad_request","message":"kv validation error: key length 605 exceeds limit of 512 bytes","status":400}}');
    expect(viaPort[3].body).toBe('{"error":{"kind":"method_not_allowed","message":"method GET not allowed; allowed: POST","status":405}}');
    expect(viaPort[17].body).toBe(`{"keys":["note:..","note:${'i'.repeat(507)}"],"cursor":null}`);
    expect(viaPort[18].body).toBe('{"keys":["demo:counter"],"cursor":null}');
  });

  it('keeps the counter in sessions and notes in cache: neither store sees the other\'s keys', async () => {
    const { real, models } = registries();
    await through(real, [['POST', '/kv/counter'], ['POST', '/kv/notes/n1', body('x')]]);
    expect(models.sessions.keys()).toEqual(['demo:counter']);
    expect(models.cache.keys()).toEqual(['note:n1']);
  });

  it('an unregistered store answers 503 "KV store `<id>` is not registered", after the id check', async () => {
    for (const ids of [['cache'], ['sessions'], []]) {
      const { real } = registries(ids);
      const requests: Array<[string, string, ((limit: number) => Promise<Uint8Array | null>)?]> = [
        ['POST', '/kv/counter'],
        ['POST', '/kv/notes/a', body('x')],
        ['GET', '/kv/notes/a'],
        ['DELETE', '/kv/notes/a'],
        ['POST', `/kv/notes/${'i'.repeat(508)}`, body('x')],
      ];
      const viaPort = await through(real, requests);
      const want = (id: string) => (ids.includes(id) ? null : `{"error":{"kind":"service_unavailable","message":"KV store \`${id}\` is not registered","status":503}}`);
      expect(viaPort.slice(0, 4).map((a) => (a.status === 503 ? a.body : null))).toEqual([want('sessions'), want('cache'), want('cache'), want('cache')]);
      expect(viaPort[4].status).toBe(422);
    }
  });

  it('increments an i64 with wrapping_add, and refuses a stored value that is not an i64 with a 500', async () => {
    for (const [stored, answer] of [
      ['9223372036854775806', '{"count":9223372036854775807}'],
      ['9223372036854775807', '{"count":-9223372036854775808}'],
      [' -5\n', '{"count":-4}'],
    ]) {
      const { real, models } = registries();
      models.sessions.put('demo:counter', new TextEncoder().encode(stored));
      const viaPort = await through(real, [['POST', '/kv/counter']]);
      expect(viaPort[0].body).toBe(answer);
      expect(new TextDecoder().decode(models.sessions.get('demo:counter')!.value)).toBe(answer.slice('{"count":'.length, -1));
    }
    for (const [stored, message] of [
      ['9223372036854775808', 'invalid value: integer `9223372036854775808`, expected i64'],
      ['1.5', 'invalid type: floating point `1.5`, expected i64'],
      ['"7"', 'invalid type: string "7", expected i64'],
    ]) {
      const { real, models } = registries();
      models.sessions.put('demo:counter', new TextEncoder().encode(stored));
      const [answer] = await through(real, [['POST', '/kv/counter']]);
      expect(JSON.parse(answer.body as string)).toEqual({ error: { kind: 'internal', message: `internal error: kv serialization error: ${message}`, status: 500 } });
    }
  });
});

describe('the Node demo (real SQLite, real HTTP)', () => {
  it('keeps one SQLite file per store id and answers 503 for an id it did not register', async () => {
    const dataDir = tmp();
    const demo = await startNodeDemo({ dataDir, storeIds: ['cache'] });
    try {
      const counter = await fetch(`${demo.url}/kv/counter`, { method: 'POST' });
      expect([counter.status, counter.headers.get('content-type'), await counter.text()]).toEqual([
        503, 'application/json', '{"error":{"kind":"service_unavailable","message":"KV store `sessions` is not registered","status":503}}',
      ]);
      expect((await fetch(`${demo.url}/kv/notes/n1`, { method: 'POST', body: 'x' })).status).toBe(201);
      expect(Object.keys(demo.stores)).toEqual(['cache']);
      expect(demo.stores.cache.path).toBe(join(dataDir, 'cache.sqlite'));
    } finally {
      await demo.close();
    }
    const both = await startNodeDemo({ dataDir: tmp() });
    try {
      expect((await fetch(`${both.url}/kv/counter`, { method: 'POST' })).status).toBe(200);
      expect((await fetch(`${both.url}/kv/notes/n1`, { method: 'POST', body: 'x' })).status).toBe(201);
      expect(both.stores.sessions.list({}).keys).toEqual(['demo:counter']);
      expect(both.stores.cache.list({}).keys).toEqual(['note:n1']);
    } finally {
      await both.close();
    }
  });
});

describe('kvparity smoke', () => {
  it('passes against the demo on Node/SQLite it starts, writes its JSON and prints coverage', async () => {
    const out = tmp();
    const { code, out: stdout, err } = await smoke('--provider=sqlite', `--out=${out}`);
    expect(code, stdout + err).toBe(0);
    expect(stdout).toMatch(/Results: 19 passed, 0 failed, 1 info/);
    expect(stdout).toMatch(/Coverage of the Node demo server during the smoke \(c8\)[\s\S]*Lines\s+: \d+(\.\d+)?%/);
    const report = readReport(out, 'sqlite');
    expect(report).toMatchObject({ format: 'kvparity-smoke@1', target: 'sqlite', contract: { source: CONTRACT_SOURCE, commit: CONTRACT_COMMIT } });
    expect(report.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.checks.map((c) => c.status).filter((s) => s === 'FAIL')).toEqual([]);
    expect(report.checks.find((c) => c.name === 'concurrent counter increments')?.status).toBe('INFO');
    expect(report.checks.find((c) => c.name === 'stores kept apart')).toMatchObject({ status: 'PASS', detail: 'sessions: demo:counter and no note; cache: the note and no counter' });
  }, 180_000);

  describe('--base-url against a server it did not start', () => {
    let server: ReturnType<typeof spawn>;
    let url: string;
    beforeAll(async () => {
      server = spawn(process.execPath, ['--import', 'tsx', 'demo/node-server.ts', '--port=0', `--data-dir=${tmp()}`], { cwd: root });
      url = await new Promise<string>((found, fail) => {
        let seen = '';
        server.stdout!.on('data', (chunk) => {
          seen += chunk;
          const match = /listening on (http:\/\/\S+)/.exec(seen);
          if (match) found(match[1]);
        });
        server.on('exit', (code) => fail(new Error(`demo server exited with ${code}: ${seen}`)));
      });
    }, 60_000);
    afterAll(() => void server?.kill('SIGTERM'));

    it('passes against the demo server started by hand', async () => {
      const out = tmp();
      const { code, out: stdout, err } = await smoke(`--base-url=${url}`, `--out=${out}`);
      expect(code, stdout + err).toBe(0);
      expect(stdout).toMatch(/Results: 19 passed, 0 failed, 1 info/);
      const target = new URL(url).host.replace(':', '_');
      expect(readReport(out, target)).toMatchObject({ target: new URL(url).host, base_url: url });
    }, 120_000);

    it('--target holds the server to that target\'s divergences: one it does not show fails, saying to remove it', async () => {
      const out = tmp();
      const { code, out: stdout } = await smoke(`--base-url=${url}`, '--target=edgezero-axum', `--out=${out}`);
      expect(code).toBe(1);
      expect(stdout).toMatch(/holding edgezero-axum to 1 recorded divergence/);
      expect(stdout).toMatch(/FAIL {2}streamed body over 16 KiB +20000 bytes as application\/octet-stream → 201, byte-exact; a known divergence \(https:\/\/github\.com\/stackpop\/edgezero\/blob\/f2bbe6f\w+\/crates\/edgezero-adapter-axum\/src\/service\.rs#L193-L195\) was not observed: remove it/);
      expect(stdout).toMatch(/Results: 18 passed, 1 failed, 1 info/);
      expect(readReport(out, 'edgezero-axum').target).toBe('edgezero-axum');
    }, 120_000);

    describe('behind a proxy that never passes on a streamed body past the first 16 KiB (the fault EdgeZero\'s axum adapter has)', () => {
      let proxy: Server;
      let proxyUrl: string;
      const held: Array<import('node:http').ServerResponse> = [];
      beforeAll(async () => {
        proxy = createServer((req, res) => {
          const type = req.headers['content-type'] ?? '';
          if (!/json/.test(type) && Number(req.headers['content-length'] ?? 0) > 16_000) {
            held.push(res); // read nothing more, answer nothing
            return;
          }
          const target = new URL(url);
          const forward = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode!, answer.headers);
            answer.pipe(res);
          });
          req.pipe(forward);
        });
        await new Promise<void>((ready) => proxy.listen(0, '127.0.0.1', ready));
        proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
      });
      afterAll(() => {
        for (const res of held) res.destroy();
        proxy.closeAllConnections();
        return new Promise<void>((closed) => proxy.close(() => closed()));
      });

      it('ends green with the fault as a known divergence whose detail is the finding, and the large-body checks still check their rules', async () => {
        const out = tmp();
        const { code, out: stdout, err } = await smoke(`--base-url=${proxyUrl}`, '--target=edgezero-axum', `--out=${out}`);
        expect(code, stdout + err).toBe(0);
        expect(stdout).toMatch(
          /≠ {5}streamed body over 16 KiB +POST of 20000 bytes as application\/octet-stream: no answer within 10 s; 15000 bytes as application\/octet-stream: 201; the same 20000 bytes as application\/json: 201 \(known divergence: /,
        );
        expect(stdout).toMatch(/PASS {2}oversize body 400 +26214401 bytes → 400 bad_request "request body too large", nothing stored \(sent as application\/json/);
        expect(stdout).toMatch(/PASS {2}1 MiB note round trip +1048576 random bytes byte-exact \(sent as application\/json/);
        expect(stdout).toMatch(/Results: 18 passed, 0 failed, 1 known divergences, 1 info/);
        const streamed = readReport(out, 'edgezero-axum').checks.find((c) => c.name === 'streamed body over 16 KiB');
        expect(streamed).toMatchObject({ status: 'EXPECTED_DIVERGENCE' });
      }, 180_000);
    });
  });

  describe('against a server that answers 200 to everything', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end('ok'));
      });
      await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

    it('fails, naming each check that caught it', async () => {
      const out = tmp();
      const { code, out: stdout } = await smoke(`--base-url=${url}`, `--out=${out}`);
      expect(code).toBe(1);
      expect(stdout).toMatch(/PASS {2}root 200/);
      expect(stdout).toMatch(/FAIL {2}counter 200 +POST \/kv\/counter: body is not \{"count":N\}: "ok"/);
      expect(stdout).toMatch(/FAIL {2}note create 201 +POST \/kv\/notes\/smoke-test: expected 201, got 200/);
      expect(stdout).toMatch(/FAIL {2}counter GET 405 +GET \/kv\/counter: expected 405, got 200/);
      expect(stdout).toMatch(/FAIL {2}oversize body 400 /);
      expect(stdout).toMatch(/Results: 1 passed, 19 failed/);
      const failed = readReport(out, new URL(url).host.replace(':', '_')).checks.filter((c) => c.status === 'FAIL').map((c) => c.name);
      expect(failed).toContain('missing note 404');
      expect(failed).toHaveLength(19);
    }, 120_000);
  });

  it('says when nothing answers, within the --wait bound', async () => {
    const idle = createServer();
    await new Promise<void>((ready) => idle.listen(0, '127.0.0.1', ready));
    const { port: free } = idle.address() as { port: number };
    await new Promise<void>((closed) => idle.close(() => closed()));
    const { code, out: stdout } = await smoke(`--base-url=http://127.0.0.1:${free}`, '--wait=1', `--out=${tmp()}`);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL {2}server reachable +no HTTP answer from http:\/\/127\.0\.0\.1:\d+\/ within 1 s \(.*ECONNREFUSED\)/);
  }, 30_000);

  it.concurrent.each([
    [[], /exactly one of --provider=LIST, --target=NAME and --base-url=URL/],
    [['--provider=sqlite', '--base-url=http://x'], /exactly one of/],
    [['--provider=nope'], /unknown demo runtime "nope" \(choose from sqlite\)/],
    [['--base-url=not a url'], /--base-url is not a URL/],
    [['--provider=sqlite', '--wait=0'], /--wait must be a whole number from 1 to 600/],
    [['--provider=sqlite', '--target=edgezero-axum'], /--target names a server of its own \(with --provider, each runtime is its own target\)/],
    [['--target=nowhere'], /--target alone starts upstream's demo: one of edgezero-axum, edgezero-fastly, edgezero-cloudflare \(got "nowhere"\)/],
    [['--base-url=http://127.0.0.1:1', '--target=a b'], /--target must be a name of letters, digits/],
  ])('%j → exit 2 with a clear message', async (args, message) => {
    const { code, err } = await smoke(...(args as string[]));
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 60_000);

});

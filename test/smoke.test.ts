// The demo and its smoke: the plain-JS KvHandle port agrees with contract/, the smoke passes
// against the demo it starts and against one started by hand, and fails, naming the check,
// against a server that only pretends.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyProblem, valueProblem } from '../contract/rules.ts';
import { KvError } from '../contract/errors.ts';
import { KvHandle } from '../contract/handle.ts';
import { KvModel } from '../contract/model.ts';
import * as port from '../demo/kv-handle.js';
import { routeDemo, type DemoAnswer, type DemoHandle } from '../demo/routes.js';

const root = resolve(import.meta.dirname, '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-smoke-test-'));
const selected = new Set((process.env.KVPARITY_PROVIDERS ?? '').split(',').filter(Boolean));

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

const KEYS = [
  '', 'a', '.', '..', '...', './a', 'a/..', ' ', 'note:', 'a/b:c#d?e|f',
  'x'.repeat(511), 'x'.repeat(512), 'x'.repeat(513), `note:${'i'.repeat(507)}`, `note:${'i'.repeat(508)}`,
  '日'.repeat(170), '日'.repeat(171), '🙂'.repeat(128), `${'🙂'.repeat(128)}a`, 'é'.repeat(256), 'é'.repeat(257),
  '\n', 'a\tb', 'a\rb', '\u0000', '\u001f', '\u007f', '\u0080', '\u009f', '\u00a0', '\u2028',
  '\ud800', 'a\udc00', '\ud83d\ude42', '\ud83d', `${'x'.repeat(510)}\ud800`, '日本語キー', 'note:%E6%97%A5',
];

describe('demo/kv-handle.js agrees with contract/', () => {
  it.each(KEYS.map((key) => [JSON.stringify(key).slice(0, 40), key]))('key %s', (_, key) => {
    expect(port.keyProblem(key)).toBe(keyProblem(key));
  });

  it('on random keys (any code point, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (key) => port.keyProblem(key) === keyProblem(key)),
      { numRuns: 1000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (key) => port.keyProblem(key) === keyProblem(key)), { numRuns: 300 });
  }, 60_000);

  it.each([0, 1, 25 * 1024 * 1024, 25 * 1024 * 1024 + 1, 2 ** 32])('value of %i bytes', (size) => {
    expect(port.valueProblem(size)).toBe(valueProblem(size));
  });

  it.each(['Validation', 'NotFound', 'Unavailable', 'Serialization', 'Internal'] as const)('KvError %s: status, message and HTTP message', (kind) => {
    const mine = new port.KvError(kind, 'detail text');
    const theirs = new KvError(kind, 'detail text');
    expect([mine.httpStatus, mine.httpMessage, mine.message]).toEqual([theirs.httpStatus, theirs.httpMessage, theirs.message]);
  });

  it('routes answer the same over the port (Map store) and over contract KvHandle (reference model)', async () => {
    const map = new Map<string, Uint8Array>();
    const ported = new port.KvHandle({ get: (key) => map.get(key) ?? null, put: (key, value) => void map.set(key, value.slice()), delete: (key) => void map.delete(key) });
    const model = new KvModel();
    const real = new KvHandle({ get: async (k) => model.get(k), put: async (k, v, o) => model.put(k, v, o), delete: async (k) => model.delete(k), list: async (o) => model.list(o) });
    const body = (text: string) => async () => new TextEncoder().encode(text);
    const requests: Array<[string, string, (limit: number) => Promise<Uint8Array | null>]> = [
      ['GET', '/', body('')],
      ['POST', '/kv/counter', body('')],
      ['POST', '/kv/counter', body('')],
      ['GET', '/kv/counter', body('')],
      ['PUT', '/kv/notes/a', body('')],
      ['POST', '/kv/notes/a', body('hello')],
      ['GET', '/kv/notes/a', body('')],
      ['DELETE', '/kv/notes/a', body('')],
      ['GET', '/kv/notes/a', body('')],
      ['DELETE', '/kv/notes/missing', body('')],
      ['POST', `/kv/notes/${'i'.repeat(507)}`, body('x')],
      ['POST', `/kv/notes/${'i'.repeat(508)}`, body('x')],
      ['POST', `/kv/notes/${'日'.repeat(200)}`, body('x')], // 200 chars, 605 bytes of key: KV validation, 400
      ['POST', '/kv/notes/..', body('x')],
      ['POST', '/kv/notes/big', async () => null],
      ['GET', '/kv/notes/', body('')],
      ['GET', '/nope', body('')],
    ];
    const through = async (handle: DemoHandle) => {
      const answers: DemoAnswer[] = [];
      for (const [method, path, readBody] of requests) answers.push(await routeDemo({ method, path, readBody }, handle));
      return answers.map((a) => ({ ...a, body: typeof a.body === 'string' || a.body === null ? a.body : new TextDecoder().decode(a.body) }));
    };
    const [viaPort, viaContract] = [await through(ported), await through(real)];
    expect(viaPort).toEqual(viaContract);
    expect(viaPort.map((a) => a.status)).toEqual([200, 200, 200, 405, 405, 201, 200, 204, 404, 204, 201, 422, 400, 201, 400, 404, 404]);
    expect(viaPort[12].body).toBe('{"error":{"message":"kv validation error: key length 605 exceeds limit of 512 bytes","status":400}}');
  });
});

describe('kvparity smoke', () => {
  it('passes against the demo on Node/SQLite it starts, writes its JSON and prints coverage', async () => {
    const out = tmp();
    const { code, out: stdout, err } = await smoke('--provider=sqlite', `--out=${out}`);
    expect(code, stdout + err).toBe(0);
    expect(stdout).toMatch(/Results: 15 passed, 0 failed, 1 info/);
    expect(stdout).toMatch(/Coverage of the Node demo server during the smoke \(c8\)[\s\S]*Lines\s+: \d+(\.\d+)?%/);
    const report = readReport(out, 'sqlite');
    expect(report).toMatchObject({ format: 'kvparity-smoke@1', target: 'sqlite' });
    expect(report.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(report.checks.map((c) => c.status).filter((s) => s === 'FAIL')).toEqual([]);
    expect(report.checks.find((c) => c.name === 'concurrent counter increments')?.status).toBe('INFO');
  }, 180_000);

  describe('--base-url against a server it did not start', () => {
    let server: ReturnType<typeof spawn>;
    let url: string;
    beforeAll(async () => {
      server = spawn(process.execPath, ['--import', 'tsx', 'demo/node-server.ts', '--port=0', `--db=${join(tmp(), 'kv.sqlite')}`], { cwd: root });
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
      expect(stdout).toMatch(/Results: 15 passed, 0 failed, 1 info/);
      const target = new URL(url).host.replace(':', '_');
      expect(readReport(out, target)).toMatchObject({ target: new URL(url).host, base_url: url });
    }, 120_000);
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
      expect(stdout).toMatch(/Results: 1 passed, 15 failed/);
      const failed = readReport(out, new URL(url).host.replace(':', '_')).checks.filter((c) => c.status === 'FAIL').map((c) => c.name);
      expect(failed).toContain('missing note 404');
      expect(failed).toHaveLength(15);
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
    [[], /exactly one of --provider=LIST and --base-url=URL/],
    [['--provider=sqlite', '--base-url=http://x'], /exactly one of/],
    [['--provider=nope'], /unknown demo runtime "nope" \(choose from sqlite, cloudflare, fastly\)/],
    [['--base-url=not a url'], /--base-url is not a URL/],
    [['--provider=sqlite', '--wait=0'], /--wait must be a whole number from 1 to 600/],
  ])('%j → exit 2 with a clear message', async (args, message) => {
    const { code, err } = await smoke(...(args as string[]));
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 30_000);

  it.runIf(selected.has('cloudflare'))('passes against the Worker on Miniflare', async () => {
    const out = tmp();
    const { code, out: stdout, err } = await smoke('--provider=cloudflare', `--out=${out}`);
    expect(code, stdout + err).toBe(0);
    expect(readReport(out, 'cloudflare').checks.filter((c) => c.status === 'FAIL')).toEqual([]);
  }, 180_000);
});

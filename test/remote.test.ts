// Remote targets (the http provider) against bridges hosted by the real runtimes and started with a
// token: a run with the token passes; without it every request is 401 and nothing is written;
// malformed requests get 400, oversize bodies 413; two concurrent runs never see each other's keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BridgeClient } from '../runners/bridge/client.ts';
import { startCloudflareKv } from '../runners/miniflare/store.ts';
import { ensureViceroy, viceroyAvailability } from '../runners/viceroy/install.ts';
import { ensureBridgeWasm } from '../runners/viceroy/wasm.ts';
import { startViceroy } from '../runners/viceroy/runtime.ts';
import { validateResults } from '../results/validate.ts';

const root = resolve(import.meta.dirname, '..');
const token = randomBytes(24).toString('hex');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-remote-test-'));
const log = () => {};

/** Runs the CLI as a user would, with the token only in the environment. */
function kvparity(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'cli/kvparity.mjs'), ...args], { cwd: root, env: { ...process.env, KVPARITY_TOKEN: undefined, ...env } });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => done({ code, err }));
  });
}

/**
 * Status of an upload of `size` zero bytes. Its first kilobyte goes alone: a bridge that checks its
 * bound before reading (workerd) answers at once, and sending the rest would race its reset of a
 * connection with unread data against our reading of the answer. A host that buffers the whole
 * body before the guest runs (Viceroy) gets the rest after a pause.
 */
function uploadStatus(url: string, size: number, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': size } });
    let answered = false;
    const timer = setTimeout(() => (request.destroy(), reject(new Error('no answer to the upload'))), 120_000);
    request.on('response', (response) => {
      answered = true;
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
      response.resume();
      request.destroy();
    });
    request.on('error', () => {}); // destroyed after the answer, or the timer's reject says why
    const first = 1024;
    request.write(new Uint8Array(first));
    setTimeout(async () => {
      const chunk = new Uint8Array(1024 * 1024);
      for (let sent = first; sent < size && !answered && !request.destroyed; sent += chunk.byteLength) {
        const piece = chunk.subarray(0, Math.min(chunk.byteLength, size - sent));
        if (!request.write(piece)) await new Promise((drained) => request.once('drain', drained));
      }
      if (!answered && !request.destroyed) request.end();
    }, 2000);
  });
}

interface Bridge {
  url: string;
  stop(): Promise<void>;
}

// Under `kvparity test --provider=…` (KVPARITY_PROVIDERS) only the selected platforms' bridges start.
const selected = process.env.KVPARITY_PROVIDERS ? process.env.KVPARITY_PROVIDERS.split(',') : null;
const wanted = (id: string) => !selected || selected.includes(id) || selected.includes('http');
const bridges: Array<[string, () => Promise<Bridge>]> = [];
if (wanted('cloudflare')) {
  bridges.push([
    'cloudflare (Miniflare)',
    async () => {
      const kv = await startCloudflareKv({ persistDir: join(tmp(), 'kv'), token, clock: 'off' });
      return { url: kv.bridge.url, stop: () => kv.stop() };
    },
  ]);
}
if (wanted('fastly') && viceroyAvailability().available) {
  bridges.push([
    'fastly (Viceroy)',
    async () => {
      const viceroy = await ensureViceroy(log, new AbortController().signal);
      const wasm = await ensureBridgeWasm(log, new AbortController().signal);
      const run = await startViceroy({ viceroyPath: viceroy.path, viceroyVersion: viceroy.version, wasmPath: wasm.path, tmpDir: tmp(), token, log, signal: new AbortController().signal });
      return { url: run.url, stop: () => run.stop() };
    },
  ]);
} else if (wanted('fastly')) {
  it.skip(`fastly bridge: unavailable here (${JSON.stringify(viceroyAvailability())})`, () => {});
}
if (bridges.length === 0) it.skip(`no bridge selected (KVPARITY_PROVIDERS=${process.env.KVPARITY_PROVIDERS})`, () => {});

describe.each(bridges)('the %s bridge started with a token', (_name, startBridge) => {
  let bridge: Bridge;
  let owner: BridgeClient;
  beforeAll(async () => {
    bridge = await startBridge();
    owner = new BridgeClient({ baseUrl: bridge.url, token });
    // Someone else's data in the same store: no run may read or delete it.
    await owner.put('someone-else/precious', new TextEncoder().encode('keep me'));
  });
  afterAll(() => bridge?.stop());

  it('without the token every endpoint answers 401 and nothing is written', async () => {
    const anonymous = new BridgeClient({ baseUrl: bridge.url });
    const wrong = new BridgeClient({ baseUrl: bridge.url, token: token.replace(/.$/, token.endsWith('0') ? '1' : '0') });
    for (const client of [anonymous, wrong]) {
      await expect(client.put('intruder', new Uint8Array([1]))).rejects.toMatchObject({ status: 401 });
      await expect(client.batch([{ op: 'put', key: 'intruder2', value: new Uint8Array([1]) }])).rejects.toMatchObject({ status: 401 });
      await expect(client.get('someone-else/precious')).rejects.toMatchObject({ status: 401 });
      await expect(client.health()).rejects.toMatchObject({ status: 401 });
    }
    const { code, err } = await kvparity(['run', '--provider=http', `--url=${bridge.url}`, '--category=crud', `--out=${tmp()}`], {});
    // The run completes, and says the target did not start: a provider with no verdict exits 1.
    expect(code).toBe(1);
    expect(err).toMatch(/401.*set \$KVPARITY_TOKEN/s);
    expect(err).toMatch(/kvparity: http did not start/);
    expect((await owner.list({ prefix: 'intruder' })).keys).toEqual([]);
    expect((await owner.list({ prefix: 'kvp-' })).keys).toEqual([]);
  });

  it('answers 400 to malformed requests, naming the field, and writes nothing', async () => {
    const bad = [
      { ops: 'nope' },
      { ops: [] },
      { ops: [{ op: 'frob', key: 'k' }] },
      { ops: [{ op: 'put', key: 'k', size: -1 }] },
      { ops: [{ op: 'put', key: 'k', size: 0 }, { op: 'get' }] },
      { ops: [{ op: 'list', limit: 'ten' }] },
    ];
    for (const body of bad) await expect(owner.request('POST', '/ops', body)).rejects.toMatchObject({ status: 400 });
    const raw = await fetch(`${bridge.url}/ops`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{not json' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { status: 400, message: expect.stringMatching(/not JSON/) } });
    const badKey = await fetch(`${bridge.url}/value?key=%%%`, { headers: { authorization: `Bearer ${token}` } });
    expect(badKey.status).toBe(400);
    expect((await owner.list({ prefix: 'k' })).keys).toEqual([]);
  });

  it('answers 413 to a body beyond its bound, before reading it whole', async () => {
    // The bridge answers as soon as it sees content-length, while the body is still being sent.
    expect(await uploadStatus(`${bridge.url}/ops`, 37 * 1024 * 1024)).toBe(413);
    expect(await uploadStatus(`${bridge.url}/value?key=${Buffer.from('"k"').toString('base64url')}`, 101 * 1024 * 1024, 'PUT')).toBe(413);
    expect((await owner.list({ prefix: 'k' })).keys).toEqual([]);
  });

  it('with the token, two concurrent runs pass and never see each other (or anyone else)', async () => {
    const [a, b] = [tmp(), tmp()];
    const args = (out: string) => ['run', '--provider=http', `--url=${bridge.url}`, '--case=crud.*,keys.*,pagination.walk*,pagination.prefix*', `--out=${out}`, '--runs=5'];
    const [first, second] = await Promise.all([kvparity(args(a), { KVPARITY_TOKEN: token }), kvparity(args(b), { KVPARITY_TOKEN: token })]);
    for (const [run, out] of [[first, a], [second, b]] as const) {
      expect(run.code, run.err).toBe(0);
      const file = JSON.parse(readFileSync(join(out, 'http.json'), 'utf8'));
      expect(validateResults(file)).toEqual([]);
      expect(file.run_info).toMatchObject({ kind: 'emulator', available: true });
      expect(['cloudflare', 'fastly']).toContain(file.run_info.platform);
      // A walk that saw the other run's keys would fail "nothing lost, nothing repeated" here; the
      // platform's recorded divergences apply to an emulator reached over http as to the provider itself.
      const unexpected = file.results.filter((r: { status: string }) => ['FAIL', 'ERROR', 'TIMEOUT'].includes(r.status));
      expect(unexpected.map((r: { test: string; message: string }) => `${r.test}: ${r.message}`)).toEqual([]);
    }
    const namespaces = [a, b].map((out) => JSON.parse(readFileSync(join(out, 'http.json'), 'utf8')).run_info.namespace);
    expect(namespaces[0]).not.toBe(namespaces[1]);
    // Cleanup removed only the runs' own keys.
    expect((await owner.list({ prefix: 'kvp-' })).keys).toEqual([]);
    expect(new TextDecoder().decode((await owner.get('someone-else/precious'))!.value)).toBe('keep me');
  });
});

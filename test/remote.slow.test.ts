// Remote targets (the http provider) against bridges hosted by the real runtimes and started with a
// token (the shared runtimes of test/fixtures/pool-setup.ts): a run with the token passes; without it
// every request is 401 and nothing is written; malformed requests get 400, oversize bodies 413; two
// concurrent runs never see each other's keys.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BridgeClient } from '../runners/bridge/client.ts';
import { viceroyAvailability } from '../runners/viceroy/install.ts';
import { validateResults } from '../results/validate.ts';
import { SHARED_START_MS, sharedBridge, type TestBridge } from './fixtures/shared-bridge.ts';
import { uploadStatus } from './fixtures/upload.ts';

const root = resolve(import.meta.dirname, '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'kvparity-remote-test-'));

/** Runs the CLI as a user would, with the token only in the environment. */
function kvparity(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(root, 'cli/kvparity.mjs'), ...args], { cwd: root, env: { ...process.env, KVPARITY_TOKEN: undefined, ...env } });
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => done({ code, err }));
  });
}

// Under `kvparity test --provider=…` (KVPARITY_PROVIDERS) only the selected platforms' bridges are used.
const selected = process.env.KVPARITY_PROVIDERS ? process.env.KVPARITY_PROVIDERS.split(',') : null;
const wanted = (id: string) => !selected || selected.includes(id) || selected.includes('http');
// With whether the runtime answers an upload from its content-length, before the body (test/fixtures/upload.ts).
const bridges: Array<[string, string, boolean]> = [];
if (wanted('cloudflare')) bridges.push(['cloudflare (Miniflare)', 'cloudflare', true]);
if (wanted('fastly') && viceroyAvailability().available) bridges.push(['fastly (Viceroy)', 'fastly', false]);
else if (wanted('fastly')) it.skip(`fastly bridge: unavailable here (${JSON.stringify(viceroyAvailability())})`, () => {});
if (bridges.length === 0) it.skip(`no bridge selected (KVPARITY_PROVIDERS=${process.env.KVPARITY_PROVIDERS})`, () => {});

const runKeys = async (owner: BridgeClient) => (await owner.list({ prefix: 'kvp-' })).keys;

describe.each(bridges)('the %s bridge started with a token', (_name, id, early) => {
  let bridge: TestBridge;
  let owner: BridgeClient;
  let token: string;
  beforeAll(async () => {
    bridge = await sharedBridge(id);
    ({ client: owner, token } = bridge);
    // Someone else's data in the same store: no run may read or delete it.
    await owner.put(bridge.key('someone-else/precious'), new TextEncoder().encode('keep me'));
  }, SHARED_START_MS);

  it('without the token every endpoint answers 401 and nothing is written', async () => {
    const anonymous = new BridgeClient({ baseUrl: bridge.url });
    const wrong = new BridgeClient({ baseUrl: bridge.url, token: token.replace(/.$/, token.endsWith('0') ? '1' : '0') });
    for (const client of [anonymous, wrong]) {
      await expect(client.put(bridge.key('intruder'), new Uint8Array([1]))).rejects.toMatchObject({ status: 401 });
      await expect(client.batch([{ op: 'put', key: bridge.key('intruder2'), value: new Uint8Array([1]) }])).rejects.toMatchObject({ status: 401 });
      await expect(client.get(bridge.key('someone-else/precious'))).rejects.toMatchObject({ status: 401 });
      await expect(client.health()).rejects.toMatchObject({ status: 401 });
    }
    const before = await runKeys(owner);
    const { code, err } = await kvparity(['run', '--provider=http', `--url=${bridge.url}`, '--category=crud', `--out=${tmp()}`], {});
    // The run completes, reports the target as not started, and its exit code says it gave no verdict.
    expect(code).toBe(1);
    expect(err).toMatch(/401.*set \$KVPARITY_TOKEN/s);
    expect(err).toMatch(/kvparity: http did not start/);
    expect((await owner.list({ prefix: bridge.key('intruder') })).keys).toEqual([]);
    expect(await runKeys(owner)).toEqual(before);
  });

  it('answers 400 to malformed requests, naming the field, and writes nothing', async () => {
    const k = bridge.key('k');
    const bad = [
      { ops: 'nope' },
      { ops: [] },
      { ops: [{ op: 'frob', key: k }] },
      { ops: [{ op: 'put', key: k, size: -1 }] },
      { ops: [{ op: 'put', key: k, size: 0 }, { op: 'get' }] },
      { ops: [{ op: 'list', limit: 'ten' }] },
    ];
    for (const body of bad) await expect(owner.request('POST', '/ops', body)).rejects.toMatchObject({ status: 400 });
    const raw = await fetch(`${bridge.url}/ops`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{not json' });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { status: 400, message: expect.stringMatching(/not JSON/) } });
    const badKey = await fetch(`${bridge.url}/value?key=%%%`, { headers: { authorization: `Bearer ${token}` } });
    expect(badKey.status).toBe(400);
    expect((await owner.list({ prefix: k })).keys).toEqual([]);
  });

  it('answers 413 to a body beyond its bound, before reading it whole', async () => {
    // The bridge answers from content-length, never buffering the body (workerd answers before it is sent).
    const k = bridge.key('k');
    const headers = { authorization: `Bearer ${token}` };
    expect(await uploadStatus(`${bridge.url}/ops`, 37 * 1024 * 1024, { headers, early })).toBe(413);
    expect(await uploadStatus(`${bridge.url}/value?key=${Buffer.from(JSON.stringify(k)).toString('base64url')}`, 101 * 1024 * 1024, { method: 'PUT', headers, early })).toBe(413);
    expect((await owner.list({ prefix: k })).keys).toEqual([]);
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
    const namespaces = [a, b].map((out) => JSON.parse(readFileSync(join(out, 'http.json'), 'utf8')).run_info.namespace as string);
    expect(namespaces[0]).not.toBe(namespaces[1]);
    // Cleanup removed the runs' own keys, and only theirs.
    for (const namespace of namespaces) expect((await owner.list({ prefix: namespace })).keys).toEqual([]);
    expect(new TextDecoder().decode((await owner.get(bridge.key('someone-else/precious')))!.value)).toBe('keep me');
  });
});

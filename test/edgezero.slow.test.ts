// EdgeZero's own code under the suites (providers/edgezero-*.ts): where the source comes from and
// what is said when there is none; how EdgeZero's answers are held against the kit's port; and,
// where the source is here, the three adapters running for real.
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KvHandleAnswer, KvHandleCall } from '../api/index.ts';
import { isKvError } from '../contract/errors.ts';
import { UpstreamKvHandle, type PortDisagreement } from '../contract/upstream-handle.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE } from '../contract/upstream.js';
import { BridgeClient } from '../runners/bridge/client.ts';
import { ADAPTERS, toolchainProblem, type AdapterName } from '../runners/edgezero/build.ts';
import { checkSource, enableSource, findSource, SOURCE_ENV } from '../runners/edgezero/source.ts';
import { edgezeroAvailability, edgezeroSetup, oneCertificateStore, startEdgeZeroKv } from '../runners/edgezero/store.ts';

const pin = { repository: CONTRACT_SOURCE, commit: CONTRACT_COMMIT };
const root = join(import.meta.dirname, '..');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [join(root, 'cli/kvparity.mjs'), ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** A scripted transport: what a real EdgeZero handle would answer, given as data, so the cross-check itself is under test. */
function scripted(answers: KvHandleAnswer[]) {
  const calls: KvHandleCall[] = [];
  const disagreements: PortDisagreement[] = [];
  const handle = new UpstreamKvHandle(
    { call: async (call) => (calls.push(call), answers.shift() ?? { ok: true }) },
    { onDisagreement: (d) => disagreements.push(d) },
  );
  return { handle, calls, disagreements };
}

const validation = (detail: string, status = 400, message = `kv validation error: ${detail}`): KvHandleAnswer => ({
  ok: false,
  error: { variant: 'Validation', display: `validation error: ${detail}`, status, body: { error: { kind: 'bad_request', message, status } } },
});

describe("EdgeZero's answers held against the kit's port", () => {
  it('agree: the same validation message, Display, status and body are no disagreement, and the KvError is the port\'s', async () => {
    const { handle, disagreements } = scripted([validation('key cannot be empty')]);
    const error = await handle.getBytes('').catch((e: unknown) => e);
    expect(isKvError(error, 'Validation') && error.detail).toBe('key cannot be empty');
    expect(disagreements).toEqual([]);
  });

  it('another validation message, another HTTP answer, or an accepted input the port refuses are each reported with both answers', async () => {
    const { handle, disagreements } = scripted([validation('key is empty'), validation('key cannot be empty', 422, 'kv validation error: key cannot be empty'), { ok: true, bytes: null }]);
    await handle.getBytes('').catch(() => {});
    await handle.getBytes('').catch(() => {});
    await handle.getBytes('');
    expect(disagreements.map((d) => [d.call, d.upstream, d.port])).toEqual([
      ['get_bytes', 'KvError::Validation("key is empty")', 'KvError::Validation("key cannot be empty")'],
      ['get_bytes', expect.stringMatching(/^HTTP 422 /), expect.stringMatching(/^HTTP 400 /)],
      ['get_bytes', 'accepted it', 'KvError::Validation("key cannot be empty")'],
    ]);
  });

  it("a cursor not wrapped as the port wraps it is reported; one that is, is not", async () => {
    const wrapped = JSON.stringify({ cursor: 'c1', prefix: 'p/' });
    const { handle, disagreements } = scripted([
      { ok: true, page: { keys: ['p/a'], cursor: wrapped } },
      { ok: true, page: { keys: ['p/a'], cursor: JSON.stringify({ prefix: 'p/', cursor: 'c1' }) } },
    ]);
    expect(await handle.listKeysPage('p/', null, 1)).toEqual({ keys: ['p/a'], cursor: wrapped });
    await handle.listKeysPage('p/', null, 1);
    expect(disagreements).toHaveLength(1);
    expect(disagreements[0].upstream).toMatch(/prefix.*p\/.*cursor.*c1/);
  });

  it('an input no Rust caller could pass (a lone surrogate) is refused by the port\'s own rule, with no disagreement', async () => {
    const { handle, disagreements } = scripted([{ ok: false, unrepresentable: 'key: not valid UTF-8' }]);
    const error = await handle.getBytes('a\ud800').catch((e: unknown) => e);
    expect(isKvError(error, 'Validation') && error.detail).toBe('key contains a lone surrogate (not valid UTF-8)');
    expect(disagreements).toEqual([]);
  });

  it('read_modify_write sends the update as data, and refuses a closure it cannot send', async () => {
    const { add } = await import('../contract/handle.ts');
    const { handle, calls } = scripted([{ ok: true, json: 1 }]);
    expect(await handle.readModifyWrite('n', 0, add(1))).toBe(1);
    expect(calls[0]).toMatchObject({ call: 'read_modify_write', fallback: 0, mutator: { add: 1 } });
    await expect(handle.readModifyWrite('n', 0, (n: number) => n + 1)).rejects.toThrow(/a closure cannot cross to Rust/);
  });
});

describe("EdgeZero's source", () => {
  const saved = process.env[SOURCE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[SOURCE_ENV];
    else process.env[SOURCE_ENV] = saved;
  });

  it('a folder that is not an EdgeZero tree, or a checkout at another commit, is named as such', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kvparity-ez-'));
    expect(await checkSource(empty, CONTRACT_COMMIT)).toEqual({ ok: false, problem: expect.stringContaining('is not an EdgeZero source tree') });
    process.env[SOURCE_ENV] = empty;
    const found = await findSource(pin);
    expect('problem' in found && found.problem).toMatch(new RegExp(`^${SOURCE_ENV}: .* is not an EdgeZero source tree`));
  });

  it('an unpacked tree (no .git) is taken as the pin and says it could not check', async () => {
    const tree = mkdtempSync(join(tmpdir(), 'kvparity-ez-'));
    mkdirSync(join(tree, 'crates', 'edgezero-core'), { recursive: true });
    mkdirSync(join(tree, 'examples', 'app-demo'), { recursive: true });
    writeFileSync(join(tree, 'crates', 'edgezero-core', 'Cargo.toml'), '');
    writeFileSync(join(tree, 'examples', 'app-demo', 'Cargo.lock'), '');
    expect(await checkSource(tree, CONTRACT_COMMIT)).toEqual({ ok: true, how: expect.stringContaining('its commit cannot be checked') });
  });

  it('without one, and where a clone fails, the providers are unavailable with the commands that give one', async () => {
    delete process.env[SOURCE_ENV];
    const unreachable = { repository: `file://${mkdtempSync(join(tmpdir(), 'kvparity-no-repo-'))}/none`, commit: '0'.repeat(40) };
    const found = await findSource(unreachable);
    expect('problem' in found && found.problem).toMatch(/^no EdgeZero source: KVPARITY_EDGEZERO_SRC is not set, .* does not exist, and cloning .* failed/);
    expect(enableSource(unreachable)).toMatch(/^git init -q .* && git -C .* fetch --depth 1 .* 0{40} && git -C .* checkout -q FETCH_HEAD {3}\(or KVPARITY_EDGEZERO_SRC=/);
  });
});

describe("EdgeZero's one-time setup", () => {
  it("a machine without the kit's app says what it will build (and Viceroy too, for Fastly); one with it built, nothing", async () => {
    const saved = process.env.KVPARITY_CACHE;
    process.env.KVPARITY_CACHE = mkdtempSync(join(tmpdir(), 'kvparity-empty-cache-'));
    try {
      for (const adapter of Object.keys(ADAPTERS) as AdapterName[]) {
        if (toolchainProblem(adapter)) continue; // unavailable here: availability says so, no setup is offered
        const pending = edgezeroSetup(adapter, pin).pending();
        expect(pending, adapter).toMatch(new RegExp(`the kit's EdgeZero app for ${adapter} is built once on this machine, from EdgeZero's source at ${CONTRACT_COMMIT.slice(0, 7)}: about \\d`));
        if (adapter === 'fastly' && !process.env.VICEROY_BIN) expect(pending).toMatch(/^Viceroy .* is built once on this machine, from crates\.io: .*; then the kit's EdgeZero app/);
      }
    } finally {
      if (saved === undefined) delete process.env.KVPARITY_CACHE;
      else process.env.KVPARITY_CACHE = saved;
    }
    // Where a build is here, nothing is pending: the provider starts with the others.
    for (const adapter of Object.keys(ADAPTERS) as AdapterName[]) {
      if (!notRun[adapter]) await startEdgeZeroKv({ adapter, pin, context: { tmpDir: mkdtempSync(join(tmpdir(), 'kvparity-ez-')), log: () => {}, options: {}, signal: new AbortController().signal } }).then((kv) => kv.stop());
      if (!notRun[adapter]) expect(edgezeroSetup(adapter, pin).pending(), adapter).toBe(null);
    }
  }, 40 * 60_000);
});

// With the source here (or where it can be cloned), the three adapters for real; elsewhere each test
// says it was not run and why (the conformance run reports the providers unavailable with the command).
const ADAPTER_NAMES = Object.keys(ADAPTERS) as AdapterName[];
const selected = new Set((process.env.KVPARITY_PROVIDERS ?? '').split(',').filter(Boolean));
const notRun = Object.fromEntries(
  await Promise.all(
    ADAPTER_NAMES.map(async (adapter) => {
      const id = `edgezero-${adapter}`;
      if (selected.size > 0 && !selected.has(id)) return [adapter, `${id} not selected`];
      const availability = await edgezeroAvailability(adapter, pin);
      return [adapter, availability.available ? null : `${id} unavailable: ${availability.reason} (enable: ${availability.enable})`];
    }),
  ),
) as Record<AdapterName, string | null>;
const titled = (adapter: AdapterName, title: string) => `${title}${notRun[adapter] ? ` — not run: ${notRun[adapter]}` : ''}`;

describe("the kit's axum app's CA store (EdgeZero's adapter reads it on every request)", () => {
  it('is the first certificate of the first bundle found, alone, and no directory of others; nothing changes where no bundle is found', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvparity-ca-'));
    const cert = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(dir, 'bundle.crt'), `# a comment\n${cert('AAAA')}${cert('BBBB')}`);
    writeFileSync(join(dir, 'empty.crt'), '');
    const env = oneCertificateStore(dir, [join(dir, 'missing.crt'), join(dir, 'empty.crt'), join(dir, 'bundle.crt')]);
    expect(readFileSync(env.SSL_CERT_FILE, 'utf8')).toBe(cert('AAAA'));
    expect(readdirSync(env.SSL_CERT_DIR)).toEqual([]);
    expect(oneCertificateStore(dir, [join(dir, 'missing.crt'), join(dir, 'empty.crt')])).toEqual({});
  });
});

describe.each(ADAPTER_NAMES)("EdgeZero's %s adapter, built from source and running", (adapter) => {
  it.runIf(!notRun[adapter])(
    titled(adapter, "answers the contract through EdgeZero's own KvHandle: a refused key never reaches the adapter's store, a good one does, and EdgeZero's error is its own"),
    async () => {
      const tmpDir = mkdtempSync(join(tmpdir(), `kvparity-ez-${adapter}-`));
      const kv = await startEdgeZeroKv({ adapter, pin, context: { tmpDir, log: () => {}, options: {}, signal: new AbortController().signal } });
      try {
        expect((await new BridgeClient({ baseUrl: kv.bridge.url }).health()).runtime).toMatchObject({ name: `edgezero-${adapter}`, version: CONTRACT_COMMIT });
        const refused = await kv.kvHandle!.call({ call: 'put_bytes', key: 'a\u0000b', value: new Uint8Array(1) }, { spy: true });
        expect(refused).toMatchObject({ ok: false, error: { variant: 'Validation', display: 'validation error: key contains invalid control characters', status: 400 }, storeCalls: [] });
        const stored = await kv.kvHandle!.call({ call: 'put_bytes', key: 'kvparity-test/k', value: new Uint8Array([1, 2]) }, { spy: true });
        expect(stored).toEqual({ ok: true, storeCalls: ['put_bytes'] });
        expect(await kv.get('kvparity-test/k')).toEqual({ value: new Uint8Array([1, 2]), metadata: null });
        expect(await kv.kvHandle!.call({ call: 'get', key: 'kvparity-test/k' })).toMatchObject({ ok: false, error: { variant: 'Serialization', status: 500 } });
      } finally {
        await kv.stop();
      }
    },
    40 * 60_000, // a first run builds the app for this adapter
  );

  it.runIf(!notRun[adapter])(
    titled(adapter, `smoke --target=edgezero-${adapter}: upstream's own app-demo, started by the kit, ends green with upstream's bugs as recorded divergences`),
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'kvparity-ez-smoke-'));
      const { code, stdout, stderr } = await cli(['smoke', `--target=edgezero-${adapter}`, `--out=${out}`]);
      expect(code, stdout + stderr).toBe(0);
      const report = JSON.parse(readFileSync(join(out, `smoke-edgezero-${adapter}.json`), 'utf8')) as { checks: Array<{ name: string; status: string }> };
      expect(report.checks.filter((check) => check.status === 'FAIL')).toEqual([]);
      expect(report.checks.length).toBeGreaterThan(15);
    },
    40 * 60_000,
  );
});

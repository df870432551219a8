/**
 * The cloudflare provider against Miniflare's real workerd + the bridge Worker.
 * Skipped (with the reason) when miniflare or the workerd binary is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import cloudflare from '../providers/cloudflare.ts';
import type { CloudflareKv } from '../runners/miniflare/store.ts';
import { MAX_BODY_BYTES, PROTOCOL_VERSION } from '../runners/bridge/handler.js';
import { rejection } from './fixtures/rejection.ts';
import { uploadStatus } from './fixtures/upload.ts';

const availability = await cloudflare.availability!();
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);

interface Started {
  kv: CloudflareKv;
  dir: string;
}

async function start(options: Record<string, string> = {}): Promise<Started> {
  const dir = mkdtempSync(join(tmpdir(), 'kvparity-cloudflare-test-'));
  const kv = (await cloudflare.start({ tmpDir: dir, log: () => {}, options, signal: new AbortController().signal })) as CloudflareKv;
  return { kv, dir };
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started) return;
  await started.kv.stop();
  rmSync(started.dir, { recursive: true, force: true });
}

/** Alive = exists and is not a zombie (a killed child of an exited parent waits for init to reap it). */
function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const line = readFileSync(stat, 'utf8');
    return line[line.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function post(url: string, body: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: response.status, json: await response.json() };
}

describe.skipIf(!availability.available)(`cloudflare provider${availability.available ? '' : ` (skipped: ${(availability as { reason: string }).reason})`}`, () => {
  let main: Started;

  beforeAll(async () => {
    main = await start();
  }, 60_000);
  afterAll(() => stop(main));

  it('reports the real workerd version', async () => {
    expect(main.kv.runtime.name).toBe('workerd');
    expect(main.kv.runtime.version).toMatch(/^1\.\d{8}\.\d+$/);
    const health = await main.kv.client.health();
    expect(health).toMatchObject({ ok: true, protocol: PROTOCOL_VERSION, runtime: { name: 'workerd', version: main.kv.runtime.version } });
  });

  it('round-trips values, metadata and binary bytes', async () => {
    await main.kv.put('t/round', bytes('hello'), { metadata: { a: 1, s: 'x' } });
    const entry = await main.kv.get('t/round');
    expect(text(entry!.value)).toBe('hello');
    expect(entry!.metadata).toEqual({ a: 1, s: 'x' });
    await main.kv.put('t/bin', new Uint8Array([0, 255, 1]));
    expect(await main.kv.get('t/bin')).toEqual({ value: new Uint8Array([0, 255, 1]), metadata: null });
    expect(await main.kv.get('t/absent')).toBeNull();
    await main.kv.delete('t/bin');
    expect(await main.kv.get('t/bin')).toBeNull();
  });

  it("passes workerd's own errors through verbatim", async () => {
    const key = await rejection(main.kv.put('k'.repeat(513), bytes('x')));
    expect(key.message).toContain('414');
    expect(key.message).toBe('KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.');
    const ttl = await rejection(main.kv.put('t/ttl59', bytes('x'), { ttlSeconds: 59 }));
    expect(ttl.message).toBe('KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60.');
    const empty = await rejection(main.kv.get(''));
    expect([empty.nativeName, empty.message]).toEqual(['TypeError', 'Key name cannot be empty.']);
  });

  it('expires a 60 s TTL on the fake clock: present at +59 s, gone at +60 s', async () => {
    await main.kv.put('t/ttl60', bytes('x'), { ttlSeconds: 60 });
    await main.kv.clock!.advance(59);
    expect(await main.kv.get('t/ttl60')).not.toBeNull();
    await main.kv.clock!.advance(1);
    expect(await main.kv.get('t/ttl60')).toBeNull();
  });

  it('expires a one-year TTL without waiting', async () => {
    const year = 365 * 86_400;
    await main.kv.put('t/year', bytes('x'), { ttlSeconds: year });
    await main.kv.clock!.advance(year - 1);
    expect(await main.kv.get('t/year')).not.toBeNull();
    await main.kv.clock!.advance(1);
    expect(await main.kv.get('t/year')).toBeNull();
  });

  it("keeps Cloudflare's value limit above 1 KiB once the clock is in use, and keeps pending TTLs across the switch", async () => {
    // Fake time makes Miniflare cap values at 1024 bytes; 'auto' switches back to real limits (a workerd restart).
    await main.kv.put('t/pending', bytes('x'), { ttlSeconds: 120 });
    const restarts = main.kv.stats().restarts;
    await main.kv.put('t/2k', new Uint8Array(2048));
    expect((await main.kv.get('t/2k'))!.value.byteLength).toBe(2048);
    expect(main.kv.stats().restarts).toBe(restarts + 1);
    await main.kv.clock!.advance(119);
    expect(await main.kv.get('t/pending')).not.toBeNull();
    await main.kv.clock!.advance(1);
    expect(await main.kv.get('t/pending')).toBeNull();
  });

  it("shows why 'auto' exists: with the clock always on (--clock=eager) Miniflare caps values at 1024 bytes", async () => {
    const eager = await start({ clock: 'eager' });
    try {
      await eager.kv.put('e/1024', new Uint8Array(1024));
      const error = await rejection(eager.kv.put('e/1025', new Uint8Array(1025)));
      expect(error.message).toBe('KV PUT failed: 413 Value length of 1025 exceeds limit of 1024.');
    } finally {
      await stop(eager);
    }
  }, 30_000);

  it('runs a batch in order, one failure not stopping it', async () => {
    const results = await main.kv.batch!([
      { op: 'put', key: 'b/1', value: bytes('one'), options: { metadata: { n: 1 } } },
      { op: 'put', key: 'b/2', value: bytes('two') },
      { op: 'put', key: '', value: bytes('bad') },
      { op: 'get', key: 'b/1' },
      { op: 'delete', key: 'b/2' },
      { op: 'list', options: { prefix: 'b/' } },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true, true]);
    expect(results[3]).toMatchObject({ ok: true, entry: { metadata: { n: 1 } } });
    expect(results[5]).toMatchObject({ ok: true, page: { keys: ['b/1'], cursor: null, complete: true } });
  });

  it('answers a malformed batch with 400 and writes nothing', async () => {
    const ops = [
      { op: 'put', key: 'm/1', size: 3 },
      { op: 'put', key: 'm/2', size: 'three' },
    ];
    const answer = await post(`${main.kv.client.baseUrl}/ops`, `${JSON.stringify({ ops })}\nabc`);
    expect(answer.status).toBe(400);
    expect(answer.json.error.message).toContain('ops[1].size');
    expect(await main.kv.get('m/1')).toBeNull();
    expect((await post(`${main.kv.client.baseUrl}/ops`, '{not json')).status).toBe(400);
  });

  it('refuses an oversize body with 413, from its content-length, before the body is sent', async () => {
    expect(await uploadStatus(`${main.kv.client.baseUrl}/ops`, MAX_BODY_BYTES + 1, { early: true })).toBe(413);
  });

  it('demands the bearer token when started with one, and leaves no workerd behind after stop()', async () => {
    const guarded = await start({ token: 'sekret-token' });
    const pids = guarded.kv.bridge.pids();
    try {
      expect(pids.length).toBeGreaterThan(0);
      expect(pids.every(alive)).toBe(true);
      const url = guarded.kv.client.baseUrl;
      expect((await fetch(`${url}/health`)).status).toBe(401);
      expect((await post(`${url}/ops`, JSON.stringify({ ops: [{ op: 'get', key: 'x' }] }), { authorization: 'Bearer wrong' })).status).toBe(401);
      await guarded.kv.put('tok', bytes('ok')); // the provider's client sends the token
      expect(text((await guarded.kv.get('tok'))!.value)).toBe('ok');
    } finally {
      await stop(guarded);
    }
    expect(pids.filter(alive)).toEqual([]);
  }, 30_000);
});

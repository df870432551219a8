/**
 * --real-time on a store without a clock: the cases that need time run side by side in one phase
 * (its wall time is the longest that fits, not the sum), the run says which ran and which did not
 * fit, a SKIP says what budget would run it, and the TTL facts say what the store honours. The
 * stores are the in-process fixture on Date.now(); the timers are vitest's fake ones, so nothing
 * here waits for real (the etcd example's test does, test/etcd-example.slow.test.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALL_CASES } from '../suites/cases/index.ts';
import { planRealTime } from '../suites/run-case.ts';
import { RealTimeSlip, Timeline, virtualWall } from '../suites/real-time.ts';
import { caseInstance } from '../suites/instance.ts';
import { KvModel, modelInstance } from '../contract/model.ts';
import type { ProviderDefinition } from '../api/index.ts';
import type { ResultsFile } from '../results/types.ts';
import { runInProcess } from './fixtures/run-in-process.ts';
import { limitedProvider, type Limits } from './fixtures/limited-store.ts';

const byId = (id: string) => ALL_CASES.find((c) => c.id === id)!;
const TIMED = ALL_CASES.filter((c) => c.clock);
const ETCDISH: Limits = { ttlMinSeconds: 1, ttlFloorSeconds: 2, truncateTtls: true, expiryTickMs: 500 };

afterEach(() => void vi.useRealTimers());

/** Runs the suites with faked timers and clock, moving them on until the run is done; the fake wall time it took. */
async function inFakeTime(provider: ProviderDefinition, options: { realTimeSeconds?: number; cases?: typeof ALL_CASES }) {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  const notes: string[] = [];
  const started = performance.now();
  let file: ResultsFile | undefined;
  let failure: unknown;
  const run = runInProcess(provider, { seed: 7, runs: 5, cases: options.cases ?? TIMED, timeoutMs: 120_000, ...options, onNote: (line) => notes.push(line) }).then(
    (done) => void (file = done),
    (error) => void (failure = error),
  );
  while (!file && !failure) await vi.advanceTimersByTimeAsync(50);
  await run;
  if (failure) throw failure;
  const wallSeconds = (performance.now() - started) / 1000;
  vi.useRealTimers();
  const status = Object.fromEntries(file!.results.map((r) => [r.test, r.status]));
  const result = (id: string) => file!.results.find((r) => r.test === id)!;
  return { file: file!, notes, wallSeconds, status, result };
}

describe('a store without a clock, with --real-time', () => {
  it('runs every case that fits side by side: the phase takes about the longest of them, not their sum', async () => {
    const { notes, wallSeconds, status, result } = await inFakeTime(limitedProvider('no-clock', 'etcd-like, no clock', ETCDISH, { clock: false }), { realTimeSeconds: 70 });
    const fits = ['ttl.expiry.exact', 'ttl.expiry.exact-in-list', 'ttl.expiry.exact-61s', 'ttl.expired.vanishes', 'ttl.expired.vanishes.61s', 'ttl.expired.list-only', 'ttl.expired.list-only.61s', 'ttl.expired.left-out-of-every-page', 'ttl.expired.long-run-before-live', 'ttl.expired.delete', 'ttl.overwrite.clears-ttl', 'ttl.overwrite.replaces-ttl', 'ttl.overwrite.replaces-ttl.61s', 'ttl.independent-keys.61s-65.5s'];
    for (const id of fits) {
      expect(status[id], `${id}: ${result(id).message}`).toBe('PASS');
      expect(result(id).message).toMatch(/^in real time, expiry decided to the second/);
    }
    // What did not fit says what would run it; a year never fits, a half-second reading needs a clock.
    expect(result('ttl.expiry.exact-300s').message).toBe('does not fit the real-time budget (--real-time=70): it needs 301 s of real time: --real-time=301 runs it');
    expect(result('ttl.independent-keys').message).toMatch(/--real-time=121 runs it$/);
    expect(result('ttl.rmw-drops-ttl').message).toMatch(/--real-time=120 runs it$/);
    expect(result('ttl.expired.overwrite').message).toMatch(/--real-time=181 runs it$/);
    expect(result('ttl.expiry.one-year').message).toMatch(/it needs 31,536,001 s of real time, more than --real-time takes \(86,400\): only a clock runs it$/);
    expect(result('ttl.expiry.exact-90.5s').message).toMatch(/it reads a key 0\.5 s before its TTL, and real time decides expiry only to the second: only a clock runs it$/);
    for (const id of ['ttl.expiry.exact-300s', 'ttl.independent-keys', 'ttl.expiry.one-year', 'ttl.expiry.exact-90.5s']) expect(status[id]).toBe('SKIP');
    // The model's TTL runs and the probes measure in real time too.
    for (const id of ['model.commands.ttl', 'model.commands.present-key-deletes', 'ttl.native.expiry-at-ttl']) expect(status[id], `${id}: ${result(id).message}`).toBe('PASS');
    // One phase: the longest case that fits (67 s) plus the store's lateness, far from the sum of them all.
    expect(wallSeconds).toBeGreaterThan(66);
    expect(wallSeconds).toBeLessThan(72);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^real time \(--real-time=70\): \d+ of \d+ cases ran side by side in \d+\.\d s \(.*ttl\.expiry\.exact,/);
    expect(notes[0]).toContain('ttl.expiry.one-year (it needs 31,536,001 s of real time, more than --real-time takes (86,400): only a clock runs it)');
  });

  it('reports the TTLs the store honours, measured in real time: a 2 s floor, whole seconds, lateness with a TTL it honours', async () => {
    const { result } = await inFakeTime(limitedProvider('no-clock', 'etcd-like, no clock', ETCDISH, { clock: false }), { realTimeSeconds: 70, cases: [byId('ttl.native.min'), byId('ttl.native.expiry-at-ttl')] });
    expect(result('ttl.native.min').observed).toMatchObject({
      unit: 'ms',
      value: 1000,
      lifetimes: { honoured: 2, floor: { from: 1, to: 1.5, lives: 2 }, fraction: { asked: 59.5, lived: 59, rule: 'truncated' }, measured: 'real-time' },
    });
    const expiry = result('ttl.native.expiry-at-ttl').observed as { ttlSeconds: number; lateMs: number; measured: string };
    // With the 1 s TTL the store raises to 2 s, the floor would pass for a second of lateness.
    expect(expiry).toMatchObject({ fact: 'expiry', ttlSeconds: 2, measured: 'real-time' });
    expect(expiry.lateMs).toBeLessThan(700);
  });

  it('says only what narrow readings prove: a store that stalls for two seconds under a burst of writes is not taken for one honouring 1 s', async () => {
    const etcdish = limitedProvider('stalls', 'etcd-like, stalls', ETCDISH, { clock: false });
    const started = Date.now();
    const stalling: ProviderDefinition = {
      ...etcdish,
      async start(context) {
        const instance = await etcdish.start(context);
        const get = instance.get.bind(instance);
        // Reads from 1 s to 3.2 s into the run answer only at 3.2 s, as etcd did while it synced 600 lease writes.
        return { ...instance, get: async (key) => (await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 3200 - Date.now()))), get(key)) };
      },
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const { result } = await inFakeTime(stalling, { realTimeSeconds: 70, cases: [byId('ttl.native.min'), byId('ttl.native.expiry-at-ttl')] });
    expect(result('ttl.native.min').observed).toMatchObject({ lifetimes: { honoured: 2, fraction: { rule: 'truncated' } } });
    expect(result('ttl.native.expiry-at-ttl').observed).toMatchObject({ ttlSeconds: 2 });
  });

  it('fails the expiry rules on a store that is late by more than the second real time allows', async () => {
    const { status, result } = await inFakeTime(limitedProvider('late', 'no clock, 3 s late', { lateSeconds: 3 }, { clock: false }), {
      realTimeSeconds: 65,
      cases: ['ttl.expiry.exact', 'ttl.expired.vanishes', 'ttl.overwrite.clears-ttl'].map(byId),
    });
    expect(result('ttl.expiry.exact').message).toMatch(/^get_bytes at 60 s: expected null/);
    expect(status['ttl.expired.vanishes']).toBe('FAIL');
    expect(status['ttl.overwrite.clears-ttl']).toBe('PASS');
  });

  it('without --real-time, a SKIP says what budget would run the case', async () => {
    const { status, result } = await inFakeTime(limitedProvider('no-clock', 'no clock', {}, { clock: false }), { cases: ['ttl.expiry.exact', 'ttl.expiry.one-year', 'model.commands.ttl', 'ttl.native.min'].map(byId) });
    expect(result('ttl.expiry.exact').message).toBe('capability absent: clock (it needs 61 s of real time: --real-time=61 runs it)');
    expect(status['ttl.expiry.one-year']).toBe('SKIP');
    expect(result('model.commands.ttl').message).toBe('capability absent: clock (--real-time=SECONDS measures it in real time)');
    // The acceptance probe runs; what keys live it leaves unsaid, with the budget that would say it.
    expect(result('ttl.native.min').observed).toMatchObject({ lifetimes: { honoured: null, stopped: 'not observed: no clock (--real-time=64 observes them)' } });
  });
});

describe('the timeline a clock-bound case runs on in real time', () => {
  const plan = (id: string) => planRealTime(byId(id), { provider: limitedProvider('x', 'x', {}), ns: 'kvp-plan/', seed: 1, runs: 1 });

  it('is planned by a dry run on the model: the real time a case needs and how near a TTL it reads', async () => {
    expect(await plan('ttl.expiry.exact')).toEqual({ needMs: 61_000, minMarginMs: 1000 });
    expect(await plan('ttl.expired.vanishes')).toEqual({ needMs: 61_000, minMarginMs: Infinity });
    expect(await plan('ttl.expiry.exact-90.5s')).toMatchObject({ minMarginMs: 500 });
    expect((await plan('ttl.expiry.one-year')).needMs).toBe(31_536_001_000);
  });

  it('waits a second past a TTL before a key must be gone', async () => {
    const model = modelInstance(new KvModel());
    const wall = virtualWall(model.clock!);
    const timeline = new Timeline(caseInstance(model), wall);
    await timeline.kv.put('k', new Uint8Array([1]), { ttlSeconds: 60 });
    await timeline.clock.advance(59);
    expect(timeline.elapsedMs()).toBe(59_000);
    await timeline.clock.advance(1);
    expect(timeline.elapsedMs()).toBe(61_000);
  });

  it('refuses a read that comes after the TTL of a key the case still expects (a machine too slow for real time)', async () => {
    const model = modelInstance(new KvModel());
    let now = 0;
    // A wall whose sleeps overrun by 1.5 s, as a loaded machine's timers do.
    const late = { now: () => now, sleep: async (ms: number) => void (now += Math.max(0, ms) + 1500) };
    const timeline = new Timeline(caseInstance(model), late);
    await timeline.kv.put('k', new Uint8Array([1]), { ttlSeconds: 60 });
    await timeline.clock.advance(59);
    await expect(timeline.kv.get('k')).rejects.toThrow(RealTimeSlip);
  });
});

/**
 * The Cloudflare KvInstance: the bridge on Miniflare's workerd (runtime.ts),
 * spoken to through the shared BridgeClient, plus a fake clock (time.ts).
 *
 * Why the clock needs a policy (both measured on miniflare 4.20260426.0):
 *  1. Any control op (which fake timers need) makes Miniflare's KV object lower
 *     its put value limit from 25 MiB to 1024 bytes. Only a new object clears it.
 *  2. workerd evicts the KV object after ~10 s idle, and the new object runs on
 *     real time again.
 *
 * Clock modes:
 *  - 'auto' (default): the store runs on real time with the real limits until a
 *    put carries a TTL or clock.advance() is called; then fake time is switched
 *    on, frozen at one virtual "now" that only advance() moves. A later put of a
 *    value over 1024 bytes switches back: the expirations still pending are parked
 *    far in the future (so nothing expires while real time runs), workerd is
 *    restarted on the same port and storage (~200 ms; clears the limit), and the
 *    next switch to fake time unparks them at the same virtual "now". Batches
 *    are split at such switches; ops still run in order.
 *  - 'eager': fake time from the start and always (values over 1024 bytes are refused).
 *  - 'off': real time, no clock.
 * In fake time a keep-alive ping (every 3 s) stops the eviction, and the fake
 * time is re-checked before any op if no ping succeeded for 4 s.
 *
 * Transport: workerd may close a keep-alive connection after a long response
 * without saying so; the bridge client opens a fresh connection per request on
 * loopback (runners/bridge/client.ts), so no request is sent on a dead one.
 */
import type { Clock, Entry, KvHandleAnswer, KvHandleCall, KvInstance, ListOptions, ListPage, NativeOp, NativeOpResult, PutOptions } from '../../api/index.ts';
import { BridgeClient } from '../bridge/client.ts';
import { startMiniflareBridge, type MiniflareBridge, type MiniflareBridgeOptions } from './runtime.ts';
import { KvObjectControl } from './time.ts';

export type ClockMode = 'auto' | 'eager' | 'off';

/** Miniflare's MAX_VALUE_SIZE_TEST_BYTES: the put value limit once a control op was seen. */
export const CONTROLLED_VALUE_LIMIT = 1024;
const PARK_MS = 200 * 365 * 86_400_000; // beyond any TTL workerd accepts (< 2^31 s)
const KEEPALIVE_MS = 3000;
const STALE_MS = 4000;
const MAX_OPS = 1000; // per bridge request (protocol.md)

export interface CloudflareKvOptions {
  /** Storage directory (kept across the restarts that 'auto' may do). */
  persistDir: string;
  token?: string;
  clock?: ClockMode;
  /** Virtual "now" when fake time first starts (ms). Default: real now, floored to a whole second. */
  epochMs?: number;
  signal?: AbortSignal;
  /** Another Worker that speaks the bridge protocol over its KV binding (runtime.ts, MiniflareBridgeOptions.worker). */
  worker?: MiniflareBridgeOptions['worker'];
}

export interface CloudflareKv extends KvInstance {
  clock?: Clock & { now(): Promise<number> };
  bridge: MiniflareBridge;
  client: BridgeClient;
  /** One call of EdgeZero's KvHandle (a Worker that runs EdgeZero's code), in the clock mode it needs. */
  handleCall(call: KvHandleCall, options?: { spy?: boolean }): Promise<KvHandleAnswer>;
  /** restarts: workerd restarts by 'auto'. */
  stats(): { mode: 'real' | 'fake'; restarts: number; restartMs: number[]; lastPingError?: string };
}

type Need = 'fake' | 'real' | 'any';

export async function startCloudflareKv(options: CloudflareKvOptions): Promise<CloudflareKv> {
  const clockMode = options.clock ?? 'auto';
  const bridge = await startMiniflareBridge({
    persistDir: options.persistDir,
    token: options.token,
    controlEndpoints: clockMode !== 'off',
    signal: options.signal,
    worker: options.worker,
  });
  try {
    const client = new BridgeClient({ baseUrl: bridge.url, token: options.token, runtimeOutput: bridge.outputLog });
    const time = new TimePolicy(bridge, clockMode, options.epochMs);
    if (clockMode === 'eager') await time.advance(0);
    return {
      runtime: { name: 'workerd', version: bridge.info.version, detail: `${bridge.url} (miniflare ${bridge.info.miniflareVersion})` },
      bridge,
      client,
      get: (key: string): Promise<Entry | null> => time.run('any', () => client.get(key)),
      put: (key: string, value: Uint8Array, putOptions?: PutOptions) =>
        time.run(time.need({ op: 'put', key, value, options: putOptions }), () => client.put(key, value, putOptions)),
      delete: (key: string) => time.run('any', () => client.delete(key)),
      list: (listOptions: ListOptions): Promise<ListPage> => time.run('any', () => client.list(listOptions)),
      async batch(ops: NativeOp[]): Promise<NativeOpResult[]> {
        const results: NativeOpResult[] = [];
        for (const { need, ops: segment } of time.segments(ops)) results.push(...(await time.run(need, () => client.batch(segment))));
        return results;
      },
      benchInside: (kind: 'put' | 'get', count: number, prefix?: string) => time.run('any', () => client.benchInside(kind, count, prefix)),
      handleCall: (call, callOptions) => time.run(time.needOfCall(call), () => client.handleCall(call, callOptions)),
      clock: clockMode === 'off' ? undefined : { advance: (seconds: number) => time.advance(seconds), now: () => time.virtualNow() },
      stats: () => time.stats(),
      // workerd's own restarts (clock 'auto') reuse the port, so a health answer means it is up.
      alive: () => client.health().then(() => true, () => false),
      resent: () => [...client.resent],
      async stop() {
        time.close();
        await bridge.stop();
      },
    };
  } catch (error) {
    await bridge.stop().catch(() => {});
    throw error;
  }
}

/** Shared/exclusive gate: ops run side by side; a mode switch waits for them and holds new ones back. */
class Gate {
  private inflight = 0;
  private waiters: Array<() => void> = [];
  private pending = 0;
  private tail: Promise<unknown> = Promise.resolve();

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.pending > 0) await this.tail;
    this.inflight++;
    try {
      return await fn();
    } finally {
      if (--this.inflight === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(async () => {
      while (this.inflight > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
      return fn();
    });
    this.tail = run.then(
      () => this.pending--,
      () => this.pending--,
    );
    return run;
  }
}

class TimePolicy {
  private mode: 'real' | 'fake' = 'real';
  /** The frozen virtual "now" (ms) while in fake time; where fake time resumes after real time. */
  private fakeNow?: number;
  private parked?: { threshold: number; shift: number };
  private verifiedAt = -Infinity;
  private readonly gate = new Gate();
  private readonly control: KvObjectControl;
  private keepalive?: NodeJS.Timeout;
  private pinging = false;
  private lastPingError?: string;
  private readonly restartMs: number[] = [];

  constructor(
    private readonly bridge: MiniflareBridge,
    private readonly clockMode: ClockMode,
    private readonly epochMs?: number,
  ) {
    this.control = new KvObjectControl(() => bridge.miniflare(), 'KV');
  }

  need(op: NativeOp): Need {
    if (this.clockMode !== 'auto' || op.op !== 'put') return 'any';
    if (op.value.byteLength > CONTROLLED_VALUE_LIMIT) return 'real';
    return op.options?.ttlSeconds !== undefined ? 'fake' : 'any';
  }

  /** A KvHandle call writes as a native put does: with a TTL it needs fake time, a value over the controlled limit real time. */
  needOfCall(call: KvHandleCall): Need {
    if (call.call === 'put_bytes') return this.need({ op: 'put', key: call.key, value: call.value, options: { ttlSeconds: call.ttlSeconds } });
    if (call.call === 'put') {
      const size = new TextEncoder().encode(JSON.stringify(call.value)).byteLength;
      return this.need({ op: 'put', key: call.key, value: new Uint8Array(size), options: { ttlSeconds: call.ttlSeconds } });
    }
    return 'any';
  }

  /** Splits a batch where it needs another mode, and into requests of at most MAX_OPS; order is kept. */
  segments(ops: NativeOp[]): Array<{ need: Need; ops: NativeOp[] }> {
    const out: Array<{ need: Need; ops: NativeOp[] }> = [];
    for (const op of ops) {
      const need = this.need(op);
      const last = out[out.length - 1];
      if (last && last.ops.length < MAX_OPS && (need === 'any' || last.need === 'any' || last.need === need)) {
        last.ops.push(op);
        if (last.need === 'any') last.need = need;
      } else out.push({ need, ops: [op] });
    }
    return out;
  }

  async run<T>(need: Need, fn: () => Promise<T>): Promise<T> {
    if (need === 'any' || need === this.mode) {
      const retry = Symbol();
      const out = await this.gate.shared(async () => {
        if (need !== 'any' && need !== this.mode) return retry;
        await this.fresh();
        return fn();
      });
      if (out !== retry) return out as T;
    }
    return this.gate.exclusive(async () => {
      await this.switchTo(need);
      await this.fresh();
      return fn();
    });
  }

  advance(seconds: number): Promise<void> {
    if (!Number.isFinite(seconds) || seconds < 0) return Promise.reject(new RangeError(`clock.advance: seconds must be a finite number >= 0 (got ${seconds})`));
    return this.gate.exclusive(async () => {
      await this.switchTo('fake');
      await this.fresh();
      const ms = Math.round(seconds * 1000);
      if (ms > 0) await this.control.advanceFakeTime(ms, this.fakeNow! + ms);
      this.fakeNow! += ms;
    });
  }

  async virtualNow(): Promise<number> {
    return this.gate.shared(async () => (this.mode === 'fake' ? this.control.now() : (this.fakeNow ?? Date.now())));
  }

  stats() {
    return { mode: this.mode, restarts: this.restartMs.length, restartMs: [...this.restartMs], lastPingError: this.lastPingError };
  }

  close(): void {
    clearInterval(this.keepalive);
    this.keepalive = undefined;
  }

  private async switchTo(need: Need): Promise<void> {
    if (need === 'fake' && this.mode === 'real') await this.enterFake();
    else if (need === 'real' && this.mode === 'fake') await this.leaveFake();
  }

  private async enterFake(): Promise<void> {
    this.fakeNow ??= this.epochMs ?? Math.floor(Date.now() / 1000) * 1000;
    await this.control.setFakeTime(this.fakeNow);
    if (this.parked) {
      await this.control.sql('UPDATE _mf_entries SET expiration = expiration - ?1 WHERE expiration >= ?2', this.parked.shift, this.parked.threshold);
      this.parked = undefined;
    }
    this.mode = 'fake';
    this.verifiedAt = performance.now();
    this.keepalive ??= setInterval(() => void this.ping(), KEEPALIVE_MS).unref();
  }

  private async leaveFake(): Promise<void> {
    const now = this.fakeNow!;
    await this.fresh();
    // What expired at the virtual "now" goes (as a get would see it); the rest is parked beyond any real time.
    await this.control.sql('DELETE FROM _mf_entries WHERE expiration IS NOT NULL AND expiration <= ?1', now);
    const realNow = Date.now();
    const shift = realNow - now + PARK_MS;
    await this.control.sql('UPDATE _mf_entries SET expiration = expiration + ?1 WHERE expiration IS NOT NULL', shift);
    this.parked = { threshold: realNow + PARK_MS, shift };
    this.close();
    this.restartMs.push(await this.bridge.restart());
    this.control.reset();
    this.mode = 'real';
  }

  /** In fake time: re-asserts the virtual "now" unless a check succeeded within STALE_MS (eviction takes ~10 s idle). */
  private async fresh(): Promise<void> {
    if (this.mode !== 'fake' || performance.now() - this.verifiedAt < STALE_MS) return;
    const started = performance.now();
    if ((await this.control.now()) !== this.fakeNow) await this.control.setFakeTime(this.fakeNow!);
    this.verifiedAt = started;
  }

  private async ping(): Promise<void> {
    if (this.pinging || this.mode !== 'fake') return;
    this.pinging = true;
    try {
      await this.gate.shared(async () => {
        if (this.mode !== 'fake') return;
        this.verifiedAt = -Infinity;
        await this.fresh();
      });
      this.lastPingError = undefined;
    } catch (error) {
      this.lastPingError = (error as Error).message;
    } finally {
      this.pinging = false;
    }
  }
}

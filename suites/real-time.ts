/**
 * Time without a clock (--real-time=SECONDS). A case written against a clock (`clock.advance`)
 * runs on a timeline instead: its virtual time becomes real time from the case's start, and each
 * advance waits until the keys the case wrote are where the virtual time says they are.
 *
 * Real time decides expiry to the second (REAL_TIME_RESOLUTION_MS), never finer: a key whose TTL
 * has passed in virtual time is read only a second after its TTL counted from when its put
 * answered (so a store may be that late), and a key still expected is read at least a second
 * before its TTL counted from when its put was sent (so a store that truncates a fraction or
 * expires a tick early is not caught by the round trip). A case that observes a key closer to its
 * TTL than that runs only with a clock; the engine finds out by running it first on the reference
 * model with the timeline on virtual time (planRealTime in run-case.ts), which also says how much
 * real time it needs.
 */
import type { Clock, NativeOp, NativeOpResult, PutOptions } from '../api/index.ts';
import { withPortHandle, type CaseInstance } from './instance.ts';

/** The most --real-time takes: a day. */
export const MAX_REAL_TIME_SECONDS = 86_400;
/** Real time decides expiry to the second: the allowance after a TTL, and the least distance before one. */
export const REAL_TIME_RESOLUTION_MS = 1000;
/** A read sent this close to the TTL of a key the case still expects has slipped (a loaded machine woke late). */
const SLIP_GUARD_MS = 100;

/** Where a timeline reads the time and waits: real time, or virtual time for a dry run. */
export interface Wall {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_WALL: Wall = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A wall that moves only when slept on, and moves `clock` with it: a dry run takes no time. */
export function virtualWall(clock: Clock): Wall {
  let now = 0;
  return {
    now: () => now,
    async sleep(ms) {
      if (ms <= 0) return;
      now += ms;
      await clock.advance(ms / 1000);
    },
  };
}

/** The machine was too slow to read a key before its TTL in real time: the observation would not be the case's. */
export class RealTimeSlip extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RealTimeSlip';
  }
}

interface Written {
  ttlMs: number;
  /** Virtual time of the put. */
  virtualAt: number;
  /** The timeline's shift (allowances so far) at the put. */
  shiftAt: number;
  /** Wall times when the put was sent and when it answered. */
  sent: number;
  answered: number;
}

/** The run's real-time phase (--real-time): every case in it starts at once and has until `endsAt` (REAL_WALL time). */
export interface RealTimePhase {
  budgetMs: number;
  endsAt: number;
}

/** What a case that runs several timelines at once (the model runs) gets with --real-time. */
export interface RealTime {
  /** Milliseconds left before the real-time phase's deadline (--real-time counts from the phase's start). */
  remainingMs(): number;
  /** A clock on real time for writes made through the returned kv (each timeline has its own virtual time). */
  timeline(kv: CaseInstance): Timeline;
  /** How finely real time decides expiry (REAL_TIME_RESOLUTION_MS). */
  resolutionMs: number;
}

export class Timeline {
  readonly clock: Clock;
  readonly kv: CaseInstance;
  private virtualMs = 0;
  /** Wall time added to virtual time by allowances after TTLs: wall = origin + virtual + shift. */
  private shiftMs = 0;
  private readonly origin: number;
  private readonly written = new Map<string, Written>();
  /** The least distance, in virtual time less the allowances since its put, between an advance and the TTL of a key still expected. */
  minMarginMs = Infinity;

  constructor(
    inner: CaseInstance,
    private readonly wall: Wall = REAL_WALL,
  ) {
    this.origin = wall.now();
    this.clock = { advance: (seconds) => this.advance(seconds) };
    this.kv = this.track(inner);
  }

  /** Wall time since the timeline began. */
  elapsedMs(): number {
    return this.wall.now() - this.origin;
  }

  private *live(): Iterable<[string, Written]> {
    for (const entry of this.written) if (entry[1].virtualAt + entry[1].ttlMs > this.virtualMs) yield entry;
  }

  private async advance(seconds: number): Promise<void> {
    if (!(seconds >= 0)) throw new Error(`a timeline moves forward only (advance ${seconds} s)`);
    this.virtualMs += seconds * 1000;
    let target = this.origin + this.virtualMs + this.shiftMs;
    // A key whose TTL has passed in virtual time is read only a second after its TTL from when its put answered.
    for (const w of this.written.values()) {
      if (w.virtualAt + w.ttlMs <= this.virtualMs) target = Math.max(target, w.answered + w.ttlMs + REAL_TIME_RESOLUTION_MS);
    }
    this.shiftMs = target - this.origin - this.virtualMs;
    for (const [, w] of this.live()) this.minMarginMs = Math.min(this.minMarginMs, w.virtualAt + w.ttlMs - this.virtualMs - (this.shiftMs - w.shiftAt));
    await this.wall.sleep(target - this.wall.now());
  }

  /** Before a read or write: every key the case still expects must still be within its TTL in real time. */
  private sending(): number {
    const now = this.wall.now();
    for (const [key, w] of this.live()) {
      if (now > w.sent + w.ttlMs - SLIP_GUARD_MS) {
        const at = (ms: number) => `+${((ms - this.origin) / 1000).toFixed(3)} s`;
        throw new RealTimeSlip(
          `real time slipped: a call at ${at(now)} came after the TTL of ${key} (${w.ttlMs / 1000} s, put at ${at(w.sent)}), which the case still expects; the machine was too slow to observe it in real time`,
        );
      }
    }
    return now;
  }

  private wrote(key: string, options: PutOptions | undefined, sent: number, answered: number): void {
    if (options?.ttlSeconds === undefined) this.written.delete(key);
    else this.written.set(key, { ttlMs: options.ttlSeconds * 1000, virtualAt: this.virtualMs, shiftAt: this.shiftMs, sent, answered });
  }

  private track(kv: CaseInstance): CaseInstance {
    return withPortHandle({
      get: async (key) => {
        this.sending();
        return kv.get(key);
      },
      list: async (options) => {
        this.sending();
        return kv.list(options);
      },
      put: async (key, value, options) => {
        const sent = this.sending();
        await kv.put(key, value, options);
        this.wrote(key, options, sent, this.wall.now());
      },
      delete: async (key) => {
        this.sending();
        await kv.delete(key);
        this.written.delete(key);
      },
      batch: async (ops: NativeOp[]): Promise<NativeOpResult[]> => {
        const sent = this.sending();
        const results = await kv.batch(ops);
        const answered = this.wall.now();
        ops.forEach((op, i) => {
          if (!results[i]?.ok) return;
          if (op.op === 'put') this.wrote(op.key, op.options, sent, answered);
          else if (op.op === 'delete') this.written.delete(op.key);
        });
        return results;
      },
    });
  }
}

/** Milliseconds of real time as the whole seconds --real-time takes. */
export const wholeSeconds = (ms: number) => Math.ceil(ms / 1000 - 1e-9);

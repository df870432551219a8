/**
 * Model-based commands: put, put with TTL, delete, get, list walk and clock
 * advance, run against the provider and the reference model (contract/model.ts)
 * side by side (the model names keys without the run's prefix). Native ops are queued and sent
 * in one batch (bridges are slow per request); a walk or a clock advance flushes the queue
 * first, so the provider sees every op in the model's order.
 */
import fc from 'fast-check';
import type { Clock, NativeOp, NativeOpResult } from '../../api/index.ts';
import { KvModel } from '../../contract/model.ts';
import type { ContractHandle } from '../../contract/handle.ts';
import { equal, fail, walk } from '../expect.ts';
import { CaseFailure } from '../case.ts';
import type { CaseInstance } from '../instance.ts';

/**
 * Key suffixes the commands pick from: few, so sequences collide; NFC/NFD and astral ones for
 * order. A store that takes fewer characters gets the ones it takes (context.keys.only).
 */
export const KEY_POOL = ['a', 'b', 'a/b', 'A', '\u00e9', 'e\u0301', '\u{1f600}', '\ufffd', '\u{10000}', 'z'];

interface Pending {
  /** Where the command stands in the history. */
  index: number;
  op: NativeOp;
  check(result: NativeOpResult, what: string): void;
}

/** The provider side: a key prefix of its own, a queue of native ops, the client for walks. */
export class RealSystem {
  private pending: Pending[] = [];
  /** Commands run so far, in order: a failure names those up to and including its own, and records them as the counterexample. */
  readonly history: string[] = [];

  constructor(
    readonly kv: CaseInstance,
    readonly handle: ContractHandle,
    readonly prefix: string,
    /** The key suffixes of this run's commands (KEY_POOL, or the part of it the store takes). */
    readonly pool: readonly string[] = KEY_POOL,
  ) {}

  key(slot: number): string {
    return this.prefix + this.pool[slot];
  }


  /** Keys listed by the provider, as the model names them (without the run's prefix). */
  async walk(pageSize: number): Promise<string[]> {
    return (await walk(this.handle, this.prefix, pageSize)).keys.map((key) => key.slice(this.prefix.length));
  }

  /** Adds a command to the history; returns its place. */
  record(label: string): number {
    return this.history.push(label) - 1;
  }

  enqueue(label: string, op: NativeOp, check: Pending['check']): void {
    this.pending.push({ index: this.record(label), op, check });
  }

  /** "cmd after a; b; c": the command at `index` with the ones before it. */
  what(index: number): string {
    const before = this.history.slice(0, index);
    return before.length ? `${this.history[index]} after ${before.join('; ')}` : this.history[index];
  }

  /**
   * Runs `check` for the command at `index`; a failure carries exactly the commands up to and
   * including that one, in order, as the counterexample (batched commands after it are not part of it).
   */
  async judge(index: number, check: (what: string) => unknown): Promise<void> {
    try {
      await check(this.what(index));
    } catch (error) {
      if (!(error instanceof CaseFailure)) throw error;
      throw new CaseFailure(error.message, { ...error.details, commands: this.history.slice(0, index + 1) });
    }
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const results = await this.kv.batch(batch.map((p) => p.op));
    // In order: the first command that does not hold is the failure.
    for (const [i, pending] of batch.entries()) await this.judge(pending.index, (what) => pending.check(results[i], what));
  }
}

const text = (value: Uint8Array | null | undefined) => (value ? `${value.byteLength} bytes [${Array.from(value.slice(0, 8)).join(',')}]` : 'null');

function mustSucceed(what: string, result: NativeOpResult): void {
  if (!result.ok) fail(`${what}: failed: ${result.error.message}`, result.error);
}

type Cmd = fc.AsyncCommand<KvModel, RealSystem>;

class Put implements Cmd {
  constructor(
    readonly pool: readonly string[],
    readonly slot: number,
    readonly value: Uint8Array,
    readonly ttl?: number,
  ) {}
  check = () => true;
  async run(model: KvModel, real: RealSystem) {
    const key = real.key(this.slot);
    const options = this.ttl === undefined ? undefined : { ttlSeconds: this.ttl };
    model.put(this.pool[this.slot], this.value, options);
    const label = this.toString();
    real.enqueue(label, { op: 'put', key, value: this.value, ...(options ? { options } : {}) }, (result, what) => mustSucceed(what, result));
  }
  toString = () => `put(${JSON.stringify(this.pool[this.slot])}, ${text(this.value)}${this.ttl === undefined ? '' : `, ttl ${this.ttl}`})`;
}

class Delete implements Cmd {
  constructor(
    readonly pool: readonly string[],
    readonly slot: number,
    readonly presentOnly = false,
  ) {}
  check = (model: Readonly<KvModel>) => !this.presentOnly || (model as KvModel).get(this.pool[this.slot]) !== null;
  async run(model: KvModel, real: RealSystem) {
    const key = real.key(this.slot);
    model.delete(this.pool[this.slot]);
    const label = this.toString();
    real.enqueue(label, { op: 'delete', key }, (result, what) => mustSucceed(what, result));
  }
  toString = () => `delete(${JSON.stringify(this.pool[this.slot])})`;
}

class Get implements Cmd {
  constructor(
    readonly pool: readonly string[],
    readonly slot: number,
  ) {}
  check = () => true;
  async run(model: KvModel, real: RealSystem) {
    const key = real.key(this.slot);
    const expected = model.get(this.pool[this.slot])?.value ?? null;
    const label = this.toString();
    real.enqueue(label, { op: 'get', key }, (result, what) => {
      mustSucceed(what, result);
      const got = (result as { entry?: { value: Uint8Array } | null }).entry?.value ?? null;
      if (text(got) !== text(expected) || (got && expected && Buffer.compare(Buffer.from(got), Buffer.from(expected)) !== 0)) {
        fail(`${what}: the model has ${text(expected)}, the provider returned ${text(got)}`, got);
      }
    });
  }
  toString = () => `get(${JSON.stringify(this.pool[this.slot])})`;
}

class ListWalk implements Cmd {
  constructor(readonly pageSize: number) {}
  check = () => true;
  async run(model: KvModel, real: RealSystem) {
    await real.flush();
    const index = real.record(this.toString());
    await real.judge(index, async (what) => equal(await real.walk(this.pageSize), model.keys(), what));
  }
  toString = () => `list-walk(page ${this.pageSize})`;
}

export class Advance implements Cmd {
  constructor(
    readonly seconds: number,
    readonly clock: Clock,
  ) {}
  check = () => true;
  async run(model: KvModel, real: RealSystem) {
    await real.flush();
    real.record(this.toString());
    model.advance(this.seconds);
    await this.clock.advance(this.seconds);
  }
  toString = () => `advance(${this.seconds} s)`;
}

/**
 * Command sequences. Clock steps are multiples of 10 s and TTLs end in 5, so no
 * observation falls within 5 s of an expiry instant: the real clock's drift
 * during a sequence (it keeps running on some providers) cannot flip an outcome.
 * The expiry instant itself has its own cases (ttl.expiry.*).
 */
/** With a clock, TTL puts and clock steps join the commands. */
export function kvCommands(options: { pool?: readonly string[]; clock?: Clock; maxCommands?: number; presentOnlyDeletes?: boolean; replayPath?: string }): fc.Arbitrary<Iterable<Cmd>> {
  const pool = options.pool ?? KEY_POOL;
  const slot = fc.nat({ max: pool.length - 1 });
  const value = fc.uint8Array({ maxLength: 8 });
  const arbitraries: fc.Arbitrary<Cmd>[] = [
    fc.tuple(slot, value).map(([s, v]) => new Put(pool, s, v)),
    slot.map((s) => new Delete(pool, s, options.presentOnlyDeletes)),
    slot.map((s) => new Get(pool, s)),
    fc.constantFrom(1, 2, 3, 1000).map((size) => new ListWalk(size)),
  ];
  const { clock } = options;
  if (clock) {
    arbitraries.push(
      fc.tuple(slot, value, fc.constantFrom(65, 95, 125, 305)).map(([s, v, ttl]) => new Put(pool, s, v, ttl)),
      fc.constantFrom(10, 30, 60, 120).map((seconds) => new Advance(seconds, clock)),
    );
  }
  return fc.commands(arbitraries, { maxCommands: options.maxCommands ?? 30, ...(options.replayPath ? { replayPath: options.replayPath } : {}) });
}

/** After a sequence: every slot and the whole listing must match the model. */
export async function audit(model: KvModel, real: RealSystem): Promise<void> {
  for (let slot = 0; slot < real.pool.length; slot++) await new Get(real.pool, slot).run(model, real);
  await real.flush();
  await new ListWalk(1000).run(model, real);
}

/**
 * Native probes: what the platform itself accepts at and beyond the contract's
 * edges. Each probe calls the provider directly (ctx.kv), keeps the platform's
 * own error text, and narrows a limit down by bisection within a step budget.
 */
import { isNativeError, sortUtf8, type NativeOp, type PutOptions } from '../api/index.ts';
import type { CaseInstance } from './instance.ts';

/** One native call's result. `transport` marks a refusal by the kit's bridge (an HTTP status), not by the platform. */
export type Attempt = { ok: true } | { ok: false; error: string; class: string; transport?: true };

/**
 * An error of the machine the store runs on, not of the store: out of space or over a quota, too
 * many open files, a failing or read-only disk, no memory for the process. What a probe meets of
 * these says nothing of the store's limits, so it is never recorded as a refusal.
 */
const MACHINE_ERROR = /\bENOSPC\b|no space left on device|\bEDQUOT\b|disk quota exceeded|\bSQLITE_FULL\b|database or disk is full|\bE[MN]FILE\b|too many open files|\bEROFS\b|read-only file system|\bEIO\b|input\/output error|\bENOMEM\b|cannot allocate memory/i;

/** A probe met an error of the machine (MACHINE_ERROR): the case ends ERROR, saying it could not measure. */
export class MachineError extends Error {
  constructor(
    readonly machineMessage: string,
    where = '',
  ) {
    super(`this machine failed, not the store, so this could not be measured: ${machineMessage}${where}`);
    this.name = 'MachineError';
  }
}

export async function attempt(call: () => Promise<unknown>): Promise<Attempt> {
  try {
    await call();
    return { ok: true };
  } catch (error) {
    if (!isNativeError(error)) throw error;
    if (MACHINE_ERROR.test(error.message)) throw new MachineError(error.message);
    return { ok: false, error: error.message, class: error.errorClass, ...(error.status !== undefined ? { transport: true as const } : {}) };
  }
}

/**
 * With `good` accepted and `bad` refused (either may be the larger), halves the
 * gap until they are adjacent or the budget is spent. Returns the last pair.
 */
export async function bisect(good: number, bad: number, accepts: (n: number) => Promise<boolean>, budget = 64): Promise<{ good: number; bad: number; steps: number }> {
  let steps = 0;
  while (Math.abs(bad - good) > 1 && steps < budget) {
    const mid = Math.floor((good + bad) / 2);
    steps++;
    if (await accepts(mid)) good = mid;
    else bad = mid;
  }
  return { good, bad, steps };
}

export interface UpperLimit {
  /** The largest size accepted, when pinned down exactly; null when no refusal was found or the budget ran out. */
  maxBytes: number | null;
  /** The largest size seen accepted. */
  acceptedUpTo: number;
  /** The smallest size seen refused by the platform, or null. */
  rejectedFrom: number | null;
  /** The platform's text for the refusal at rejectedFrom. */
  error?: string;
  /** How far the probe got (cap, budget or the bridge's own limit). */
  probedUpTo: number;
  /** Why the probe stopped short of a refusal, when it did. */
  stoppedBy?: string;
  steps: number;
}

/**
 * Finds the largest size `tryAt` accepts: first the contract's limit and one
 * above it, then doubling up to `cap`, then bisection. `floor` must be a size
 * that is accepted (used when even the contract's limit is refused).
 */
export async function probeUpperLimit(options: {
  contractLimit: number;
  floor: number;
  cap: number;
  budget: number;
  tryAt: (size: number) => Promise<Attempt>;
}): Promise<UpperLimit> {
  const { contractLimit, floor, cap, budget, tryAt } = options;
  const errors = new Map<number, string>();
  let steps = 0;
  let stoppedBy: string | undefined;
  const accepts = async (size: number): Promise<boolean> => {
    steps++;
    const result = await tryAt(size);
    if (result.ok) return true;
    if (result.transport) throw new ProbeStop(`the bridge refused ${size}: ${result.error}`);
    errors.set(size, result.error);
    return false;
  };

  let good = floor;
  let bad: number | null = null;
  try {
    if (await accepts(contractLimit)) {
      good = contractLimit;
      if (!(await accepts(contractLimit + 1))) bad = contractLimit + 1;
      else {
        good = contractLimit + 1;
        for (let size = nextPowerOfTwo(contractLimit + 1); bad === null && size <= cap && steps < budget; size *= 2) {
          if (await accepts(size)) good = size;
          else bad = size;
        }
        if (bad === null) stoppedBy = steps >= budget ? 'step budget' : `cap of ${cap}`;
      }
    } else {
      bad = contractLimit;
    }
    if (bad !== null) {
      const narrowed = await bisect(good, bad, accepts, Math.max(0, budget - steps));
      good = narrowed.good;
      bad = narrowed.bad;
      if (bad - good > 1) stoppedBy = 'step budget';
    }
  } catch (error) {
    if (!(error instanceof ProbeStop)) throw error;
    stoppedBy = error.message;
  }
  const exact = bad !== null && bad - good === 1;
  return {
    maxBytes: exact ? good : null,
    acceptedUpTo: good,
    rejectedFrom: bad,
    ...(bad !== null && errors.has(bad) ? { error: errors.get(bad) } : {}),
    probedUpTo: bad ?? good,
    ...(stoppedBy ? { stoppedBy } : {}),
    steps,
  };
}

/** Why a probe stopped short: the bridge refused a size before the platform saw it. */
class ProbeStop extends Error {}

const nextPowerOfTwo = (n: number) => 2 ** Math.ceil(Math.log2(n + 1));

type PutEntry = { key: string; value: Uint8Array; options?: PutOptions };
const putOp = ({ key, value, options }: PutEntry): NativeOp => ({ op: 'put', key, value, ...(options ? { options } : {}) });

/** Writes entries natively, in one batch; the first refusal throws. */
export async function putMany(kv: CaseInstance, entries: PutEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const results = await kv.batch(entries.map(putOp));
  const failed = results.find((result) => !result.ok);
  if (failed) throw failed.error;
}

/** How a list of keys is ordered: by UTF-8 bytes, by JavaScript (UTF-16) string order, or neither. */
export function orderOf(keys: string[]): 'utf8-bytes' | 'js-string' | 'other' {
  const utf8 = sortUtf8(keys);
  if (utf8.every((key, i) => key === keys[i])) return 'utf8-bytes';
  const js = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (js.every((key, i) => key === keys[i])) return 'js-string';
  return 'other';
}

/** Tries each native put on its own, in one batch, and reports each outcome. */
export async function attemptPuts(kv: CaseInstance, entries: PutEntry[]): Promise<Attempt[]> {
  const results = await kv.batch(entries.map(putOp));
  const machine = results.find((result) => !result.ok && MACHINE_ERROR.test(result.error.message));
  if (machine && !machine.ok) throw new MachineError(machine.error.message);
  return results.map((result) => (result.ok ? { ok: true } : { ok: false, error: result.error.message, class: result.error.errorClass }));
}

/** Groups outcomes by label: which were accepted, and each refusal's text. */
export function tally(labels: string[], results: Attempt[]): { accepted: string[]; rejected: Record<string, string> } {
  const accepted: string[] = [];
  const rejected: Record<string, string> = {};
  results.forEach((result, i) => (result.ok ? accepted.push(labels[i]) : (rejected[labels[i]] = result.error)));
  return { accepted, rejected };
}

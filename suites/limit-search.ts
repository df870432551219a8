/**
 * Finds a platform's limit wherever it lies, to the unit (results/facts.ts LimitFact).
 *
 * 1. Exponential steps from the smallest size, on powers of two (21, 32, 64, …, never past the
 *    cap); where a step would pass the contract's number, that number and its neighbour are
 *    asked first, so a provider at the contract's limit costs two probes more than the steps.
 * 2. Bisection between the nearest accepted and refused sizes, preferring round numbers (the
 *    roundest multiple of a power of two or ten in the middle third), and asking the accepted
 *    side's neighbour after a round number is accepted: a boundary at 30 MiB or 65,536 B costs
 *    a probe or two, an odd one log₂ of the gap.
 * 3. The contract's number once more if the search never reached it: an accepted size above a
 *    refused one means the platform has no single boundary, and the fact says so.
 * Cost is bounded by what matters (bytes moved, time), never by a count of steps; when the
 * budget runs out the fact says where the search stood, in words.
 */
import { amount, type FactUnit, type LimitFact } from '../results/facts.ts';
import { MachineError, type Attempt } from './probe.ts';

export interface LimitSearch {
  bound: 'max' | 'min';
  unit: FactUnit;
  /** The range, inclusive: the smallest and largest size worth asking. */
  from: number;
  to: number;
  /** The contract's number, asked with its neighbour when the steps pass it. */
  hint?: number;
  /** One probe: does the platform accept `n`? A refusal carries the platform's own text. */
  accepts(n: number): Promise<Attempt>;
  /** Bytes one probe at `n` sends (values, keys): counted against `budget.bytes`. */
  bytesAt?(n: number): number;
  budget?: { bytes?: number; ms?: number };
}

class Stop extends Error {}

export async function searchLimit(search: LimitSearch): Promise<LimitFact> {
  const { bound, unit, from, to, hint } = search;
  const started = performance.now();
  const seen = new Map<number, Attempt>();
  let moved = 0;
  let probes = 0;
  let stopped: string | undefined;

  const overBudget = (): string | null => {
    const { bytes, ms } = search.budget ?? {};
    if (bytes !== undefined && moved >= bytes) return `stopped after ${formatBytes(moved)} moved (budget ${formatBytes(bytes)})`;
    const elapsed = performance.now() - started;
    if (ms !== undefined && elapsed >= ms) return `stopped after ${Math.round(elapsed / 1000)} s (budget ${Math.round(ms / 1000)} s)`;
    return null;
  };
  const ask = async (n: number): Promise<boolean> => {
    const known = seen.get(n);
    if (known) return known.ok;
    const spent = overBudget();
    if (spent) throw new Stop(spent);
    probes++;
    moved += search.bytesAt?.(n) ?? 0;
    const result = await search.accepts(n).catch((error: unknown) => {
      // Out of space, a failing disk: no limit of the store; the case says where the search stood.
      if (error instanceof MachineError) throw new MachineError(error.machineMessage, ` (asking ${amount(n, unit)}${good !== null ? `, ${amount(good, unit)} accepted` : ''})`);
      throw error;
    });
    if (!result.ok && result.transport) throw new Stop(`stopped: the kit's bridge refused ${amount(n, unit)} before the platform saw it (${result.error})`);
    seen.set(n, result);
    return result.ok;
  };

  // "Inside" is the accepted side: below the boundary for max, above it for min.
  const closer = (a: number, b: number) => (bound === 'max' ? a > b : a < b);
  let good: number | null = null;
  let bad: number | null = null;
  const note = (n: number, ok: boolean) => {
    if (ok && (good === null || closer(n, good))) good = n;
    if (!ok && (bad === null || closer(bad, n))) bad = n;
  };
  const pinned = () => good !== null && bad !== null && Math.abs(good - bad) === 1;
  const neighbour = (n: number) => (bound === 'max' ? n + 1 : n - 1);
  const inRange = (n: number) => n >= from && n <= to;

  let how = `exponential steps from ${amount(from, unit)}`;
  let hintAsked = false;
  const askHint = async (withNeighbour: boolean) => {
    hintAsked = true;
    note(hint!, await ask(hint!));
    if (withNeighbour && inRange(neighbour(hint!))) note(neighbour(hint!), await ask(neighbour(hint!)));
  };
  const hintInRange = hint !== undefined && inRange(hint);

  try {
    // 1. Exponential steps: max stops at the first refusal, min at the first acceptance.
    for (let n = from; ; n = Math.min(nextPowerOfTwo(n), to)) {
      if (hintInRange && !hintAsked && n >= hint!) {
        await askHint(true);
        if (pinned() || (bound === 'max' && bad !== null) || (bound === 'min' && good !== null)) break;
      }
      if ((bound === 'max' && bad !== null && n >= bad) || (bound === 'min' && good !== null && n >= good)) break;
      const ok = await ask(n);
      note(n, ok);
      if ((bound === 'max' && !ok) || (bound === 'min' && ok) || n >= to) break;
    }
    // 2. Bisection.
    if (!pinned() && good !== null && bad !== null) {
      how += ', then bisection';
      let neighbourTries = 3;
      const tryNeighbour = async (n: number) => {
        if (neighbourTries-- > 0 && !pinned() && neighbour(n) !== bad) note(neighbour(n), await ask(neighbour(n)));
      };
      await tryNeighbour(good);
      while (!pinned()) {
        const mid = roundPoint(Math.min(good!, bad!), Math.max(good!, bad!));
        const ok = await ask(mid);
        note(mid, ok);
        if (ok && roundness(mid) >= 8) await tryNeighbour(mid);
      }
    }
    // 3. The contract's number, if never asked: shows a platform without a single boundary.
    if (hintInRange && !hintAsked) await askHint(false);
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    stopped = error.message;
  }

  const accepted = [...seen].filter(([, a]) => a.ok).map(([n]) => n);
  const refused = [...seen].filter(([, a]) => !a.ok).map(([n]) => n);
  const beyondRefusal = bound === 'max' ? accepted.filter((n) => refused.some((r) => r < n)) : accepted.filter((n) => refused.some((r) => r > n));
  if (beyondRefusal.length > 0) {
    const n = bound === 'max' ? Math.max(...beyondRefusal) : Math.min(...beyondRefusal);
    const r = bound === 'max' ? Math.min(...refused) : Math.max(...refused);
    stopped = `not monotonic: ${amount(n, unit)} accepted, ${amount(r, unit)} refused`;
  }
  if (pinned() && hintAsked && good === hint) how += `; the contract's ${amount(hint!, unit)} and its neighbour`;
  const refusal = bad !== null ? seen.get(bad) : undefined;
  return {
    fact: 'limit',
    bound,
    unit,
    value: pinned() && beyondRefusal.length === 0 ? good : null,
    accepted: good,
    refused: bad,
    ...(refusal && !refusal.ok ? { error: refusal.error } : {}),
    from,
    to,
    how,
    ...(stopped ? { stopped } : {}),
    probes,
    ...(search.bytesAt ? { moved } : {}),
  };
}

/** The next power of two above n: steps land on 32, 64, … even from an odd start. */
const nextPowerOfTwo = (n: number) => 2 ** (Math.floor(Math.log2(n)) + 1);

/** A round number strictly between lo and hi, in the middle third: the roundest multiple of a power of two or of ten. */
export function roundPoint(lo: number, hi: number): number {
  const a = Math.ceil(lo + (hi - lo) / 3);
  const b = Math.floor(hi - (hi - lo) / 3);
  let best = Math.floor((lo + hi) / 2);
  let bestScore = -1;
  const consider = (n: number) => {
    if (n > lo && n < hi && roundness(n) > bestScore) [best, bestScore] = [n, roundness(n)];
  };
  if (a > b) {
    for (let n = lo + 1; n < hi; n++) consider(n);
    return best;
  }
  for (let step = 2 ** Math.floor(Math.log2(Math.max(1, b))); step >= 1; step /= 2) {
    const n = Math.ceil(a / step) * step;
    if (n <= b) consider(n);
  }
  for (let step = 10 ** Math.floor(Math.log10(Math.max(1, b))); step >= 1; step /= 10) {
    const n = Math.ceil(a / step) * step;
    if (n <= b) consider(n);
  }
  return best;
}

/** Trailing zero bits, or decimal zeros weighed as bits (10 ≈ 2^3.32). */
export function roundness(n: number): number {
  let bits = 0;
  for (let m = n; m > 0 && m % 2 === 0; m /= 2) bits++;
  let decimals = 0;
  for (let m = n; m > 0 && m % 10 === 0; m /= 10) decimals++;
  return Math.max(bits, decimals * 3.32);
}

const formatBytes = (n: number) => (n >= 1048576 ? `${Math.round(n / 1048576)} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} B`);

/** Runs one case against a running instance: its context, its time limit, its status, its cleanup. */
import type { KvInstance } from '../api/index.ts';
import { TimeoutError, withTimeout } from '../api/time-limit.ts';
import type { PortDisagreement } from '../contract/upstream-handle.ts';
import { KvModel, modelInstance } from '../contract/model.ts';
import type { CaseResult, PropertyDetails, Status } from '../results/types.ts';
import { CaseFailure, type Case, type CaseContext, type Replay, type TimedCaseContext } from './case.ts';
import { applyDivergence, findDivergence, matchesPartial, type KnownDivergence } from './divergences.ts';
import { ANY_ALPHABET, type KeyAlphabet } from './key-alphabet.ts';
import { caseInstance, type CaseInstance } from './instance.ts';
import { listAllNative } from './listing.ts';
import { describeValue } from './observe.ts';
import { isFact, type AttemptsFact } from '../results/facts.ts';
import { MAX_REAL_TIME_SECONDS, REAL_TIME_RESOLUTION_MS, REAL_WALL, Timeline, virtualWall, wholeSeconds, type RealTime, type RealTimePhase } from './real-time.ts';

const DEFAULT_CASE_TIMEOUT_MS = 120_000;

/** How long a property with a recorded divergence shrinks after its first failure (NATS once took 86 s to minimise one). */
export const SHRINK_BUDGET_MS = 10_000;

/**
 * Attempts for a case that `varies` on a store whose listing does. Redis shows a page over its
 * limit in as few as one attempt in seven (pagination.walk.small): 60 attempts all miss it with
 * odds under 1 in 10,000.
 */
export const LISTING_ATTEMPTS = 60;

export interface CaseRun {
  kv: KvInstance;
  /** This case's key prefix. */
  ns: string;
  /** The key prefix of each further attempt of a case that `varies` (attempt 0 is `ns`). */
  attemptNs?: (attempt: number) => string;
  /** Whether this store's listing varies from call to call (observed once a run; see listing.ts). */
  listingVaries?: () => Promise<boolean>;
  /** The characters this store takes in keys (observed once a run; see key-alphabet.ts). */
  keyAlphabet?: () => Promise<KeyAlphabet>;
  /** The case's own seed (derived from the run seed and the case id). */
  seed: number;
  /** Context shared by every case of the run. */
  provider: CaseContext['provider'];
  runs: number;
  timeoutMs?: number;
  divergences: KnownDivergence[];
  /** Whose recorded divergences apply, in order. */
  divergenceFor: string[];
  /** The run's real-time phase (--real-time), for cases that need time on a provider without a clock. */
  realTime?: RealTimePhase;
  replay?: Replay;
}

/** Who the result is about: the case's id and description. */
const about = (definition: Case) => ({ test: definition.id, category: definition.category, check: definition.check, title: definition.title, ref: definition.ref });

/** The result of a case that could not run at all. */
export function erroredResult(definition: Case, message: string): CaseResult {
  return { ...about(definition), status: 'ERROR', message, duration_ms: 0 };
}

/** The result of a case the run leaves out, with why. */
export function skippedResult(definition: Case, message: string): CaseResult {
  return { ...about(definition), ...(definition.contract ? { contract: definition.contract } : {}), status: 'SKIP', message, duration_ms: 0 };
}

const hasClock = (run: CaseRun) => !!(run.provider.capabilities.clock && run.kv.clock);

/** Capabilities the case needs and this provider lacks; a clock counts only if the instance has one. */
function missingCapabilities(definition: Case, run: CaseRun): string[] {
  const missing: string[] = (definition.requires ?? []).filter((need) => !run.provider.capabilities[need]);
  if (definition.clock === 'or-real-time' && !hasClock(run) && !run.realTime) missing.push('clock (--real-time=SECONDS measures it in real time)');
  return missing;
}

/** What running a clock-bound case in real time takes: the wall time it needs, and how near a TTL it reads a key still expected. */
export interface RealTimePlan {
  needMs: number;
  minMarginMs: number;
}

/**
 * A dry run of the case on the reference model, with its timeline on virtual time: the plan is
 * the timeline's, so the real run waits exactly as the plan says (plus the store's round trips).
 */
export async function planRealTime(definition: Case, run: Pick<CaseRun, 'provider' | 'ns' | 'seed' | 'runs'>): Promise<RealTimePlan> {
  const model = modelInstance(new KvModel(Date.now()));
  const timeline = new Timeline(caseInstance(model), virtualWall(model.clock!));
  const context: TimedCaseContext = {
    provider: run.provider,
    kv: timeline.kv,
    handle: timeline.kv.handle(),
    ns: run.ns,
    keys: ANY_ALPHABET,
    key: (suffix) => run.ns + suffix,
    clock: timeline.clock,
    seed: run.seed,
    runs: run.runs,
    observe: () => {},
    track: () => {},
  };
  await withTimeout((definition.run as (context: TimedCaseContext) => Promise<unknown>)(context), 60_000, 'the dry run on the reference model took over 60 s');
  return { needMs: timeline.elapsedMs(), minMarginMs: timeline.minMarginMs };
}

/** Why a clock-bound case cannot run in real time (with this budget, or at all); undefined when it can. */
function outOfRealTime(plan: RealTimePlan, budgetMs: number | undefined): string | undefined {
  if (plan.minMarginMs < REAL_TIME_RESOLUTION_MS) {
    return `it reads a key ${Number((plan.minMarginMs / 1000).toFixed(3))} s before its TTL, and real time decides expiry only to the second: only a clock runs it`;
  }
  const need = wholeSeconds(plan.needMs);
  if (need > MAX_REAL_TIME_SECONDS) return `it needs ${need.toLocaleString('en-US')} s of real time, more than --real-time takes (${MAX_REAL_TIME_SECONDS.toLocaleString('en-US')}): only a clock runs it`;
  if (budgetMs === undefined || need * 1000 > budgetMs) return `it needs ${need.toLocaleString('en-US')} s of real time: --real-time=${need} runs it`;
  return undefined;
}

export async function runCase(definition: Case, run: CaseRun): Promise<CaseResult> {
  const started = performance.now();
  const base = { ...about(definition), ...(definition.contract ? { contract: definition.contract } : {}) };
  const missing = missingCapabilities(definition, run);
  if (missing.length > 0) return { ...base, status: 'SKIP', message: `capability absent: ${missing.join(', ')}`, duration_ms: 0 };
  // Without a clock, a clock-bound case runs on real time when it fits (planned by a dry run on the model).
  const onTimeline = definition.clock === 'required' && !hasClock(run);
  if (onTimeline) {
    let why: string | undefined;
    try {
      why = outOfRealTime(await planRealTime(definition, run), run.realTime?.budgetMs);
    } catch (error) {
      return { ...base, status: 'ERROR', message: `the dry run that plans it in real time failed: ${(error as Error).message}`, duration_ms: Math.round(performance.now() - started) };
    }
    if (why) {
      const message = run.realTime ? `does not fit the real-time budget (--real-time=${run.realTime.budgetMs / 1000}): ${why}` : `capability absent: clock (${why})`;
      return { ...base, status: 'SKIP', message, duration_ms: 0 };
    }
  }
  // Real time only where there is no clock to move: a clock is exact, real time is not.
  const phase = definition.clock && !hasClock(run) ? run.realTime : undefined;
  const realTime: RealTime | undefined = phase && {
    remainingMs: () => Math.max(0, phase.endsAt - REAL_WALL.now()),
    timeline: (kv) => new Timeline(kv),
    resolutionMs: REAL_TIME_RESOLUTION_MS,
  };

  // Where EdgeZero's own handle answers otherwise than the kit's port: the case fails with it.
  const disagreements: PortDisagreement[] = [];
  const kv = caseInstance(run.kv, (disagreement) => disagreements.push(disagreement));
  const tracked = new Set<string>();
  let observed: unknown;
  // What the run observes of the store once: a provider error there is this case's ERROR, never the run's end.
  let keys: KeyAlphabet;
  let attempts: number;
  try {
    keys = (await run.keyAlphabet?.()) ?? ANY_ALPHABET;
    attempts = definition.varies === 'listing' && run.attemptNs && (await run.listingVaries?.()) ? LISTING_ATTEMPTS : 1;
  } catch (error) {
    return applyDivergence({ ...base, status: 'ERROR', message: `before the case, observing the store failed: ${describeError(error)}`, duration_ms: Math.round(performance.now() - started) }, run.divergences, run.divergenceFor);
  }
  const recorded = run.divergenceFor.some((id) => findDivergence(run.divergences, definition.id, id));
  let timeline: Timeline | undefined;
  const contextIn = (ns: string): CaseContext => {
    // A clock-bound case without a clock: its clock is a timeline on real time, over the kv it writes through.
    timeline = onTimeline ? new Timeline(kv) : undefined;
    const ops = timeline?.kv ?? kv;
    return {
      provider: run.provider,
      kv: ops,
      handle: ops.handle(),
      ns,
      key: (suffix) => ns + suffix,
      keys,
      clock: timeline?.clock ?? run.kv.clock,
      seed: run.seed,
      runs: run.runs,
      observe: (value) => void (observed = value),
      track: (key) => void tracked.add(key),
      ...(realTime && !onTimeline ? { realTime } : {}),
      ...(run.replay ? { replay: run.replay } : {}),
      ...(recorded && !run.replay ? { shrinkBudgetMs: SHRINK_BUDGET_MS } : {}),
    };
  };
  const context = contextIn(run.ns);

  // In real time a case also waits: its own limit comes on top of the phase's budget.
  const timeoutMs = (definition.timeoutMs ?? run.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS) + (phase?.budgetMs ?? 0);
  let outcome =
    attempts === 1
      ? await settle(definition, context, timeoutMs)
      : await decide(definition, timeoutMs, attempts, async (attempt) => {
          const ns = run.attemptNs!(attempt);
          return { context: contextIn(ns), clean: () => cleanup(kv, ns, tracked) };
        });
  if (outcome.observed !== undefined) observed = outcome.observed;
  // A measurement in real time is an estimate: shown, never judged against the contract.
  const judged = !(isFact(observed) && observed.fact === 'expiry' && observed.measured === 'real-time');
  if (outcome.status === 'PASS' && definition.check === 'probe' && definition.contract && judged && !matchesPartial(describeValue(observed), definition.contract)) {
    outcome = { status: 'FAIL', message: `observed ${brief(describeValue(observed))}; the contract says ${brief(definition.contract)}` };
  }
  if (disagreements.length > 0) {
    const said = disagreements.map((d) => `${d.call}(${d.input}): EdgeZero answered ${d.upstream}; the port says ${d.port}`);
    const unique = [...new Set(said)];
    const message = `EdgeZero's KvHandle and the kit's port (contract/) disagree: ${unique.slice(0, 3).join('; ')}${unique.length > 3 ? `; and ${unique.length - 3} more` : ''}`;
    outcome = outcome.status === 'PASS' ? { status: 'FAIL', message } : { ...outcome, message: `${outcome.message}; ${message}` };
    observed = { observed: describeValue(observed), port_disagreements: disagreements.slice(0, 20) };
  }
  // Bounded like the case itself: a hung runtime must not stall the run in cleanup.
  await withTimeout(cleanup(kv, run.ns, tracked), timeoutMs).catch(() => {});

  const result: CaseResult = {
    ...base,
    status: outcome.status,
    message: outcome.status === 'PASS' && timeline ? `in real time, expiry decided to the second (${(timeline.elapsedMs() / 1000).toFixed(1)} s)` : outcome.message,
    ...(observed !== undefined ? { observed: describeValue(observed) } : {}),
    duration_ms: Math.round(performance.now() - started),
    ...(outcome.property ? { property: outcome.property } : {}),
  };
  return applyDivergence(result, run.divergences, run.divergenceFor);
}

interface Outcome {
  status: Status;
  message: string;
  /** What the case returned, or what its failed assertion carried. */
  observed?: unknown;
  property?: PropertyDetails;
}

/**
 * Runs the case `attempts` times, each in a namespace of its own (other key names, so a store that
 * hashes keys answers independently): the first FAIL decides (with how often it showed), any ERROR
 * or TIMEOUT stops at once; the observation records every outcome.
 */
async function decide(
  definition: Case,
  timeoutMs: number,
  attempts: number,
  attempt: (n: number) => Promise<{ context: CaseContext; clean: () => Promise<void> }>,
): Promise<Outcome> {
  const outcomes: Record<string, number> = {};
  let failed: Outcome | undefined;
  let last: Outcome | undefined;
  for (let i = 0; i < attempts; i++) {
    const { context, clean } = await attempt(i);
    last = await settle(definition, context, timeoutMs);
    // Attempt 0's namespace is the case's own: the engine's cleanup clears it after the case.
    if (i > 0) await withTimeout(clean(), timeoutMs).catch(() => {});
    if (last.status === 'ERROR' || last.status === 'TIMEOUT') return last;
    // The outcome without this attempt's key names, so equal outcomes count together.
    const label = last.status === 'PASS' ? 'PASS' : last.message.replaceAll(context.ns, '…/');
    outcomes[label] = (outcomes[label] ?? 0) + 1;
    failed ??= last.status === 'FAIL' ? last : undefined;
  }
  const fact: AttemptsFact = { fact: 'attempts', attempts, outcomes, nondeterministic: Object.keys(outcomes).length > 1 };
  if (!failed) return { ...last!, observed: last!.observed === undefined ? fact : { attempts: fact, last: last!.observed } };
  const failures = attempts - (outcomes.PASS ?? 0);
  return { ...failed, message: `${failed.message} (failed in ${failures} of ${attempts} attempts)`, observed: { attempts: fact, first: failed.observed } };
}

/** Runs the case within its time limit: PASS, FAIL (an assertion that did not hold), TIMEOUT or ERROR (anything else thrown). */
async function settle(definition: Case, context: CaseContext, timeoutMs: number): Promise<Outcome> {
  try {
    // runCase() let a timed case through only with a clock (the provider's, or a timeline) in the context.
    const returned = await withTimeout(definition.clock === 'required' ? definition.run(context as TimedCaseContext) : definition.run(context), timeoutMs);
    return { status: 'PASS', message: '', observed: returned };
  } catch (error) {
    if (error instanceof CaseFailure) return { status: 'FAIL', message: error.message, observed: error.details.observed, property: error.details.property };
    if (error instanceof TimeoutError) return { status: 'TIMEOUT', message: error.message };
    return { status: 'ERROR', message: describeError(error) };
  }
}

const describeError = (error: unknown) => `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;

/** Removes every key the case wrote: its namespace, walked page by page, plus tracked keys. */
async function cleanup(kv: CaseInstance, ns: string, tracked: Set<string>): Promise<void> {
  const keys = [...tracked, ...(await listAllNative(kv, ns)).keys];
  if (keys.length > 0) await kv.batch(keys.map((key) => ({ op: 'delete' as const, key })));
}

function brief(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
}

/** Runs one case against a running instance: its context, its time limit, its status, its cleanup. */
import type { KvInstance } from '../api/index.ts';
import { TimeoutError, withTimeout } from '../api/time-limit.ts';
import { KvHandle } from '../contract/handle.ts';
import type { CaseResult, PropertyDetails, Status } from '../results/types.ts';
import { CaseFailure, type Case, type CaseContext, type TimedCaseContext } from './case.ts';
import { applyDivergence, matchesPartial, type KnownDivergence } from './divergences.ts';
import { caseInstance, type CaseInstance } from './instance.ts';
import { listAllNative } from './listing.ts';
import { describeValue } from './observe.ts';

const DEFAULT_CASE_TIMEOUT_MS = 120_000;

export interface CaseRun {
  kv: KvInstance;
  /** This case's key prefix. */
  ns: string;
  /** The case's own seed (derived from the run seed and the case id). */
  seed: number;
  /** Context shared by every case of the run. */
  provider: CaseContext['provider'];
  runs: number;
  timeoutMs?: number;
  divergences: KnownDivergence[];
  /** Whose recorded divergences apply, in order. */
  divergenceFor: string[];
}

/** Who the result is about: the case's id and description. */
const about = (definition: Case) => ({ test: definition.id, category: definition.category, check: definition.check, title: definition.title, ref: definition.ref });

/** The result of a case that could not run at all. */
export function erroredResult(definition: Case, message: string): CaseResult {
  return { ...about(definition), status: 'ERROR', message, duration_ms: 0 };
}

/** Capabilities the case needs and this provider lacks; a clock counts only if the instance has one. */
function missingCapabilities(definition: Case, run: CaseRun): string[] {
  const missing: string[] = (definition.requires ?? []).filter((need) => !run.provider.capabilities[need]);
  if (definition.clock === 'required' && !(run.provider.capabilities.clock && run.kv.clock)) missing.push('clock');
  return missing;
}

export async function runCase(definition: Case, run: CaseRun): Promise<CaseResult> {
  const started = performance.now();
  const base = { ...about(definition), ...(definition.contract ? { contract: definition.contract } : {}) };
  const missing = missingCapabilities(definition, run);
  if (missing.length > 0) return { ...base, status: 'SKIP', message: `capability absent: ${missing.join(', ')}`, duration_ms: 0 };

  const kv = caseInstance(run.kv);
  const tracked = new Set<string>();
  let observed: unknown;
  const context: CaseContext = {
    provider: run.provider,
    kv,
    handle: new KvHandle(kv),
    ns: run.ns,
    key: (suffix) => run.ns + suffix,
    clock: run.kv.clock,
    seed: run.seed,
    runs: run.runs,
    observe: (value) => void (observed = value),
    track: (key) => void tracked.add(key),
  };

  const timeoutMs = definition.timeoutMs ?? run.timeoutMs ?? DEFAULT_CASE_TIMEOUT_MS;
  let outcome = await settle(definition, context, timeoutMs);
  if (outcome.observed !== undefined) observed = outcome.observed;
  if (outcome.status === 'PASS' && definition.check === 'probe' && definition.contract && !matchesPartial(describeValue(observed), definition.contract)) {
    outcome = { status: 'FAIL', message: `observed ${brief(describeValue(observed))}; the contract says ${brief(definition.contract)}` };
  }
  // Bounded like the case itself: a hung runtime must not stall the run in cleanup.
  await withTimeout(cleanup(kv, run.ns, tracked), timeoutMs).catch(() => {});

  const result: CaseResult = {
    ...base,
    status: outcome.status,
    message: outcome.message,
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

/** Runs the case within its time limit: PASS, FAIL (an assertion that did not hold), TIMEOUT or ERROR (anything else thrown). */
async function settle(definition: Case, context: CaseContext, timeoutMs: number): Promise<Outcome> {
  try {
    // missingCapabilities() let a timed case through only with a clock in the context.
    const returned = await withTimeout(definition.clock === 'required' ? definition.run(context as TimedCaseContext) : definition.run(context), timeoutMs);
    return { status: 'PASS', message: '', observed: returned };
  } catch (error) {
    if (error instanceof CaseFailure) return { status: 'FAIL', message: error.message, observed: error.details.observed, property: error.details.property };
    if (error instanceof TimeoutError) return { status: 'TIMEOUT', message: error.message };
    return { status: 'ERROR', message: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}` };
  }
}

/** Removes every key the case wrote: its namespace, walked page by page, plus tracked keys. */
async function cleanup(kv: CaseInstance, ns: string, tracked: Set<string>): Promise<void> {
  const keys = [...tracked, ...(await listAllNative(kv, ns)).keys];
  if (keys.length > 0) await kv.batch(keys.map((key) => ({ op: 'delete' as const, key })));
}

function brief(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
}

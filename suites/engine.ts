/**
 * Runs cases against one provider and produces its results file (results/).
 */
import { randomBytes, createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { KvInstance, ProviderDefinition } from '../api/index.ts';
import { KvHandle } from '../contract/handle.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE } from '../contract/upstream.js';
import { RESULTS_FORMAT, type CaseResult, type PropertyDetails, type ResultsFile, type RunInfo, type Status } from '../results/types.ts';
import { CaseFailure, type CaseContext, type CaseDefinition } from './case.ts';
import { findDivergence, matchesDivergence, matchesPartial, type KnownDivergence } from './divergences.ts';
import { describeValue } from './observe.ts';

// A hung runtime must not stall the run: asking it if it is alive, and stopping it, are bounded.
const ALIVE_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 15_000;

export interface RunOptions {
  provider: ProviderDefinition;
  source: string;
  cases: CaseDefinition[];
  seed: number;
  runs: number;
  kitVersion: string;
  divergences: KnownDivergence[];
  /** Starts (or restarts) the provider. */
  start(): Promise<KvInstance>;
  onResult?(result: CaseResult, index: number, total: number): void;
  onRestart?(message: string): void;
  defaultTimeoutMs?: number;
}

/** 20 bytes, so 512 − 20 = 492 is a multiple of 1, 2, 3 and 4: exact-size keys of n-byte characters fit. */
export function newNamespace(): { runId: string; namespace: string } {
  const runId = BigInt('0x' + randomBytes(8).toString('hex')).toString(36).padStart(10, '0').slice(-10);
  return { runId, namespace: `kvp-${runId}/` };
}

export const caseNamespace = (namespace: string, index: number) => `${namespace}${index.toString(36).padStart(4, '0')}/`;

/** A stable 31-bit seed per case, so a case replays alone from the run seed. */
export function caseSeed(runSeed: number, caseId: string): number {
  return createHash('sha256').update(`${runSeed}:${caseId}`).digest().readUInt32BE(0) >>> 1;
}

export function baseRunInfo(options: Pick<RunOptions, 'provider' | 'source' | 'seed' | 'runs' | 'kitVersion'>, namespace: { runId: string; namespace: string }): RunInfo {
  const { provider } = options;
  return {
    provider: provider.id,
    title: provider.title,
    kind: provider.kind,
    platform: provider.platform ?? provider.id,
    source: options.source,
    runtime: null,
    capabilities: { ...provider.capabilities },
    available: true,
    kit_version: options.kitVersion,
    contract_source: CONTRACT_SOURCE,
    contract_commit: CONTRACT_COMMIT,
    seed: options.seed,
    runs: options.runs,
    run_id: namespace.runId,
    namespace: namespace.namespace,
    node: process.version,
    os: `${process.platform} ${process.arch}`,
    host: hostname(),
  };
}

export async function runCases(options: RunOptions): Promise<ResultsFile> {
  const ns = newNamespace();
  const info = baseRunInfo(options, ns);
  const timeStart = new Date().toISOString();
  const results: CaseResult[] = [];
  let instance: KvInstance | undefined;
  try {
    instance = await options.start();
    const { kind, platform, ...runtime } = instance.runtime;
    info.runtime = runtime;
    if (kind) info.kind = kind;
    if (platform) info.platform = platform;
  } catch (error) {
    info.start_error = (error as Error).message;
  }

  let restarts = 0;
  for (const [index, definition] of options.cases.entries()) {
    let result = instance
      ? await runOne(definition, instance, options, caseNamespace(ns.namespace, index), divergenceIds(info))
      : errored(definition, `provider is not running: ${info.start_error}`);
    // A runtime that cannot say it is alive within ALIVE_TIMEOUT_MS (hung) counts as dead.
    if (instance && (result.status === 'ERROR' || result.status === 'TIMEOUT') && instance.alive && !(await withTimeout(instance.alive(), ALIVE_TIMEOUT_MS).catch(() => false))) {
      // The runtime died under this case: say so, restart it once, and go on with the rest.
      result = { ...result, status: 'ERROR', message: `the runtime died during this case (${result.message})` };
      await withTimeout(instance.stop(), STOP_TIMEOUT_MS).catch(() => {});
      instance = undefined;
      if (restarts++ === 0) {
        try {
          instance = await options.start();
          options.onRestart?.(`runtime restarted after it died during ${definition.id}`);
        } catch (error) {
          info.start_error = `restart after the runtime died failed: ${(error as Error).message}`;
        }
      } else {
        info.start_error = 'the runtime died a second time; not restarting again';
      }
    } else if (instance && definition.restartAfter) {
      // Planned: the rest of the run gets a fresh runtime whatever this case did to it.
      await withTimeout(instance.stop(), STOP_TIMEOUT_MS).catch(() => {});
      instance = undefined;
      try {
        instance = await options.start();
      } catch (error) {
        info.start_error = `restart after ${definition.id} failed: ${(error as Error).message}`;
      }
    }
    results.push(result);
    options.onResult?.(result, index, options.cases.length);
  }
  if (restarts) info.restarts = restarts;

  if (instance) await withTimeout(instance.stop(), STOP_TIMEOUT_MS).catch(() => {});
  return { format: RESULTS_FORMAT, run_info: info, time_start: timeStart, time_end: new Date().toISOString(), results };
}

/**
 * Whose recorded divergences apply: the provider's own, then, for a target that only says what it
 * is once reached (the http provider), its platform's: `fastly` for an emulator, `fastly@production`
 * for production — so an emulator's record never hides what production does.
 */
function divergenceIds(info: RunInfo): string[] {
  const platform = info.kind === 'production' ? `${info.platform}@production` : info.platform;
  return platform === info.provider ? [info.provider] : [info.provider, platform];
}

async function runOne(definition: CaseDefinition, kv: KvInstance, options: RunOptions, ns: string, divergenceFor: string[]): Promise<CaseResult> {
  const started = performance.now();
  const base = {
    test: definition.id,
    category: definition.category,
    check: definition.check,
    title: definition.title,
    ref: definition.ref,
    ...(definition.contract ? { contract: definition.contract } : {}),
  };
  const missing = (definition.requires ?? []).filter((need) => !options.provider.capabilities[need] || (need === 'clock' && !kv.clock));
  if (missing.length > 0) {
    return { ...base, status: 'SKIP', message: `capability absent: ${missing.join(', ')}`, duration_ms: 0 };
  }

  const tracked = new Set<string>();
  let observed: unknown;
  const context: CaseContext = {
    provider: options.provider,
    kv,
    handle: new KvHandle(kv),
    ns,
    key: (suffix) => ns + suffix,
    clock: kv.clock,
    seed: caseSeed(options.seed, definition.id),
    runs: options.runs,
    observe: (value) => void (observed = value),
    track: (key) => void tracked.add(key),
  };

  let status: Status;
  let message = '';
  let property: PropertyDetails | undefined;
  const timeoutMs = definition.timeoutMs ?? options.defaultTimeoutMs ?? 120_000;
  try {
    const returned = await withTimeout(definition.run(context), timeoutMs);
    if (returned !== undefined) observed = returned;
    if (definition.check === 'probe' && definition.contract && !matchesPartial(describeValue(observed), definition.contract)) {
      status = 'FAIL';
      message = `observed ${brief(describeValue(observed))}; the contract says ${brief(definition.contract)}`;
    } else {
      status = 'PASS';
    }
  } catch (error) {
    if (error instanceof CaseFailure) {
      status = 'FAIL';
      message = error.message;
      if (error.details.observed !== undefined) observed = error.details.observed;
      property = error.details.property;
    } else if (error instanceof TimeoutError) {
      status = 'TIMEOUT';
      message = error.message;
    } else {
      status = 'ERROR';
      message = `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
    }
  }

  // Bounded like the case itself: a hung runtime must not stall the run in cleanup.
  await withTimeout(cleanup(kv, ns, tracked), timeoutMs).catch(() => {});

  const result: CaseResult = {
    ...base,
    status,
    message,
    ...(observed !== undefined ? { observed: describeValue(observed) } : {}),
    duration_ms: Math.round(performance.now() - started),
    ...(property ? { property } : {}),
  };
  return applyDivergence(result, options.divergences, divergenceFor);
}

function applyDivergence(result: CaseResult, divergences: KnownDivergence[], providerIds: string[]): CaseResult {
  const entry = providerIds.map((id) => findDivergence(divergences, result.test, id)).find(Boolean);
  if (!entry) return result;
  const divergence = { link: entry.link, ...(entry.note ? { note: entry.note } : {}) };
  if (result.status === 'FAIL' && matchesDivergence(entry, result.observed, result.message)) {
    return { ...result, status: 'EXPECTED_DIVERGENCE', divergence };
  }
  if (result.status === 'PASS') {
    if (entry.intermittent) return { ...result, divergence }; // recorded as showing in some runs only
    return { ...result, status: 'FAIL', divergence, message: `a known divergence (${entry.link}) was not observed: the provider now meets the contract here, so remove the entry from suites/known-divergences*.json` };
  }
  if (result.status === 'FAIL') {
    return { ...result, divergence, message: `${result.message} (a divergence is recorded for this case, but not this one)` };
  }
  return result;
}

/** Removes every key the case wrote: its namespace, walked page by page, plus tracked keys. */
async function cleanup(kv: KvInstance, ns: string, tracked: Set<string>): Promise<void> {
  const keys = [...tracked];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await kv.list({ prefix: ns, cursor });
    keys.push(...page.keys);
    if (page.complete || !page.cursor) break;
    cursor = page.cursor;
  }
  if (keys.length === 0) return;
  if (kv.batch) {
    await kv.batch(keys.map((key) => ({ op: 'delete' as const, key })));
  } else {
    for (const key of keys) await kv.delete(key).catch(() => {});
  }
}

function errored(definition: CaseDefinition, message: string): CaseResult {
  return {
    test: definition.id,
    category: definition.category,
    check: definition.check,
    title: definition.title,
    ref: definition.ref,
    status: 'ERROR',
    message,
    duration_ms: 0,
  };
}

class TimeoutError extends Error {}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no result within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function brief(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 300 ? text.slice(0, 300) + '…' : text;
}

/**
 * Runs cases against one provider and produces its results file (results/): starts the
 * provider, runs each case (run-case.ts), restarts a runtime that died or that a case
 * asked to leave behind, and stops it at the end.
 */
import { randomBytes, createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { KvInstance, ProviderDefinition } from '../api/index.ts';
import { CONTRACT_COMMIT, CONTRACT_SOURCE } from '../contract/upstream.js';
import { RESULTS_FORMAT, type CaseResult, type ResultsFile, type RunInfo } from '../results/types.ts';
import { isSeeded, type Case, type Replay } from './case.ts';
import type { KnownDivergence } from './divergences.ts';
import { withTimeout } from '../api/time-limit.ts';
import { erroredResult, runCase, skippedResult, type CaseRun } from './run-case.ts';
import type { RealTimePhase } from './real-time.ts';
import { caseInstance } from './instance.ts';
import { listingVaries as observeListing } from './listing.ts';
import { ANY_ALPHABET, keyAlphabet, observeAlphabet } from './key-alphabet.ts';

// A hung runtime must not stall the run: asking it if it is alive, and stopping it, are bounded.
const ALIVE_TIMEOUT_MS = 5000;
const STOP_TIMEOUT_MS = 15_000;

export interface RunOptions {
  provider: ProviderDefinition;
  source: string;
  cases: Case[];
  seed: number;
  runs: number;
  kitVersion: string;
  divergences: KnownDivergence[];
  /** Starts (or restarts) the provider. */
  start(): Promise<KvInstance>;
  onResult?(result: CaseResult, index: number, total: number): void;
  /** A line about the runtime or its transport going wrong: a restart after it died, requests sent again. */
  onWarning?(message: string): void;
  /** A line about the run as a whole (which cases ran in real time). */
  onNote?(message: string): void;
  defaultTimeoutMs?: number;
  /** --allow-destructive: run destructive cases against production and http targets too. */
  allowDestructive?: boolean;
  /** --real-time=SECONDS: on a provider without a clock, the cases that need time run side by side in a phase of at most this long. */
  realTimeSeconds?: number;
  /** --replay=seed:path: the property failure to reproduce (with --case naming its case). */
  replay?: Replay;
}

/** 20 bytes, so 512 − 20 = 492 is a multiple of 1, 2, 3 and 4: exact-size keys of n-byte characters fit. */
export function newNamespace(): { runId: string; namespace: string } {
  const runId = BigInt('0x' + randomBytes(8).toString('hex')).toString(36).padStart(10, '0').slice(-10);
  return { runId, namespace: `kvp-${runId}/` };
}

export const caseNamespace = (namespace: string, index: number) => `${namespace}${index.toString(36).padStart(4, '0')}/`;

/**
 * The namespace of a case's attempt (run-case.ts LISTING_ATTEMPTS): other key names each time, so
 * a store whose answer depends on where keys land (Redis hashes them) answers independently;
 * as long as the case's own (20 bytes), and never equal to another case's: upper-case letters.
 */
export function attemptNamespace(namespace: string, index: number, attempt: number): string {
  if (attempt === 0) return caseNamespace(namespace, index);
  if (index >= 36 * 36 || attempt >= 26 * 26) throw new Error(`no attempt namespace for case ${index}, attempt ${attempt}`);
  const letters = String.fromCharCode(65 + Math.floor(attempt / 26), 65 + (attempt % 26));
  return `${namespace}${index.toString(36).padStart(2, '0')}${letters}/`;
}

/**
 * A stable 31-bit seed per case, so a case replays alone from the run seed. Only properties and
 * model runs draw from the run seed: an example or a probe gets a seed fixed by its id, so it is
 * the same case on every run (a value it patterns from its seed included), and one run of it says
 * what every run would.
 */
export function caseSeed(runSeed: number, definition: Pick<Case, 'id' | 'check'>): number {
  const seed = isSeeded(definition) ? runSeed : 0;
  return createHash('sha256').update(`${seed}:${definition.id}`).digest().readUInt32BE(0) >>> 1;
}

export function baseRunInfo(options: Pick<RunOptions, 'provider' | 'source' | 'seed' | 'runs' | 'kitVersion'>, namespace: { runId: string; namespace: string }): RunInfo {
  const { provider } = options;
  return {
    provider: provider.id,
    title: provider.title,
    kind: provider.kind,
    platform: provider.platform ?? provider.id,
    ...(provider.adapterOf ? { adapter_of: provider.adapterOf } : {}),
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
  const runtime = new Supervised(options, info);
  await runtime.start('');
  // Observed once, when the first case that depends on it runs, under prefixes no case uses ("-" is
  // not base 36, nor an upper-case attempt letter; like the namespace, inside any store's alphabet).
  // A provider error while observing is the asking case's ERROR (run-case.ts); the next case asks again.
  const listingVaries = once(() => (runtime.instance ? observeListing(caseInstance(runtime.instance), `${ns.namespace}-listing/`) : Promise.resolve(false)));
  const storeAlphabet = once(() => (runtime.instance ? observeAlphabet(caseInstance(runtime.instance), `${ns.namespace}-alphabet/`).then(keyAlphabet) : Promise.resolve(ANY_ALPHABET)));
  const results: CaseResult[] = new Array(options.cases.length);
  const record = (index: number, result: CaseResult) => {
    results[index] = result;
    options.onResult?.(result, index, options.cases.length);
  };

  const caseRun = (index: number, instance: KvInstance, realTime?: RealTimePhase): CaseRun => ({
    kv: instance,
    ns: caseNamespace(ns.namespace, index),
    attemptNs: (attempt) => attemptNamespace(ns.namespace, index, attempt),
    listingVaries,
    keyAlphabet: storeAlphabet,
    seed: caseSeed(options.seed, options.cases[index]),
    provider: options.provider,
    runs: options.runs,
    timeoutMs: options.defaultTimeoutMs,
    divergences: options.divergences,
    divergenceFor: divergenceIds(info),
    ...(realTime ? { realTime } : {}),
    replay: options.replay,
  });
  // A bug of the kit's own in a case (or a provider error it let through) is that case's ERROR: the run goes on.
  const runOne = (index: number, instance: KvInstance, realTime?: RealTimePhase) =>
    runCase(options.cases[index], caseRun(index, instance, realTime)).catch((error: unknown) => erroredResult(options.cases[index], `the kit failed running this case: ${(error as Error)?.stack ?? String(error)}`));
  const refusal = (definition: Case) =>
    definition.destructive && !options.allowDestructive && remoteOrProduction(info, options.provider)
      ? skippedResult(definition, `destructive: it can crash the runtime, so it does not run against a ${info.kind === 'production' ? 'production' : 'remote'} target unless --allow-destructive is given`)
      : undefined;
  /** After an ERROR or TIMEOUT: a runtime that died is restarted (a destructive case's only stopped), and the result says so. */
  const afterDeath = async (definition: Case, result: CaseResult, why: string) => {
    if ((result.status !== 'ERROR' && result.status !== 'TIMEOUT') || !(await runtime.died())) return result;
    if (definition.destructive) await runtime.stop();
    else await runtime.restartAfterDeath(definition.id);
    return { ...result, status: 'ERROR' as const, message: `the runtime died ${why} (${result.message})` };
  };

  // Destructive cases last: a runtime they crash costs no restart in the middle of the run. Without
  // a clock and with --real-time, the cases that need time wait side by side in one phase before them.
  const inRealTime = (definition: Case) => !!options.realTimeSeconds && !!definition.clock && !(options.provider.capabilities.clock && runtime.instance?.clock);
  const indices = [...options.cases.keys()];
  const destructive = indices.filter((i) => options.cases[i].destructive);
  const timed = indices.filter((i) => !options.cases[i].destructive && inRealTime(options.cases[i]));
  const ordinary = indices.filter((i) => !options.cases[i].destructive && !timed.includes(i));

  for (const index of ordinary) {
    const definition = options.cases[index];
    const instance = runtime.instance;
    const result = instance ? await runOne(index, instance) : erroredResult(definition, `provider is not running: ${info.start_error}`);
    record(index, instance ? await afterDeath(definition, result, 'during this case') : result);
  }

  if (timed.length > 0) {
    const instance = runtime.instance;
    const budgetMs = options.realTimeSeconds! * 1000;
    const started = performance.now();
    const phase: RealTimePhase = { budgetMs, endsAt: started + budgetMs };
    const settled = await Promise.all(
      timed.map(async (index) => (instance ? runOne(index, instance, phase) : erroredResult(options.cases[index], `provider is not running: ${info.start_error}`))),
    );
    // One check after the phase: every case ran on the same runtime.
    const died = instance !== undefined && settled.some((r) => r.status === 'ERROR' || r.status === 'TIMEOUT') && (await runtime.died());
    if (died) await runtime.restartAfterDeath('the real-time phase');
    timed.forEach((index, i) => {
      const result = settled[i];
      record(index, died && (result.status === 'ERROR' || result.status === 'TIMEOUT') ? { ...result, status: 'ERROR', message: `the runtime died during the real-time phase (${result.message})` } : result);
    });
    options.onNote?.(realTimeNote(options.realTimeSeconds!, (performance.now() - started) / 1000, timed.map((i) => results[i])));
  }

  for (const [n, index] of destructive.entries()) {
    const definition = options.cases[index];
    if (!runtime.instance && n > 0) {
      // An earlier destructive case took the runtime down: the others still get one, at the end of the run.
      await runtime.start(`restart for ${definition.id} after a destructive case failed: `);
    }
    const instance = runtime.instance;
    const refused = refusal(definition);
    const result = refused ?? (instance ? await afterDeath(definition, await runOne(index, instance), 'during this case') : erroredResult(definition, `provider is not running: ${info.start_error}`));
    record(index, result);
  }
  if (runtime.restarts) info.restarts = runtime.restarts;

  await runtime.stop();
  if (runtime.resent.length) {
    info.resent_requests = runtime.resent;
    options.onWarning?.(`${runtime.resent.length} request${runtime.resent.length === 1 ? '' : 's'} sent again after their connection dropped: ${runtime.resent.join('; ')}`);
  }
  return { format: RESULTS_FORMAT, run_info: info, time_start: timeStart, time_end: new Date().toISOString(), results };
}

/** `observe`, run once when first asked and remembered; a failure is not remembered. */
function once<T>(observe: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () =>
    (result ??= observe().catch((error: unknown) => {
      result = undefined;
      throw error;
    }));
}

/** What the real-time phase did, in one line: which cases ran side by side, and which did not fit and why. */
export function realTimeNote(budgetSeconds: number, wallSeconds: number, results: CaseResult[]): string {
  const outside = results.filter((r) => r.status === 'SKIP');
  const ran = results.filter((r) => r.status !== 'SKIP');
  const parts = [`real time (--real-time=${budgetSeconds}): ${ran.length} of ${results.length} cases ran side by side in ${wallSeconds.toFixed(1)} s${ran.length ? ` (${ran.map((r) => r.test).join(', ')})` : ''}`];
  if (outside.length) parts.push(`${outside.length} did not run: ${outside.map((r) => `${r.test} (${r.message.replace(/^does not fit the real-time budget \(--real-time=\d+\): /, '')})`).join('; ')}`);
  return parts.join('; ');
}

/** A production target, or one reached over the network (the http provider): what a destructive case must not touch by default. */
const remoteOrProduction = (info: RunInfo, provider: ProviderDefinition) => info.kind === 'production' || provider.id === 'http';

/** The provider's running instance over a run: started, asked if alive, restarted once after it died, stopped (each bounded). */
class Supervised {
  instance: KvInstance | undefined;
  /** Restarts after the runtime died (at most one). */
  restarts = 0;
  /** What each instance's transport sent a second time (KvInstance.resent), over the run. */
  resent: string[] = [];

  constructor(
    private readonly options: RunOptions,
    private readonly info: RunInfo,
  ) {}

  /** Starts it; a failure is recorded as the run's start_error, prefixed with `why`. The first start also records the runtime. */
  async start(why: string): Promise<void> {
    try {
      this.instance = await this.options.start();
    } catch (error) {
      this.info.start_error = `${why}${(error as Error).message}`;
      return;
    }
    if (this.info.runtime) return;
    const { kind, platform, ...runtime } = this.instance.runtime;
    this.info.runtime = runtime;
    if (kind) this.info.kind = kind;
    if (platform) this.info.platform = platform;
    this.info.contract_handle = this.instance.kvHandle ? 'edgezero' : 'port';
  }

  /** After an ERROR or TIMEOUT: is the runtime gone? One that cannot say it is alive within ALIVE_TIMEOUT_MS (hung) counts as dead. */
  async died(): Promise<boolean> {
    const { instance } = this;
    if (!instance?.alive) return false;
    return !(await withTimeout(instance.alive(), ALIVE_TIMEOUT_MS).catch(() => false));
  }

  /** The runtime died under a case: restart it once and go on with the rest; a second death ends the run's runtime. */
  async restartAfterDeath(caseId: string): Promise<void> {
    await this.stop();
    if (this.restarts++ > 0) {
      this.info.start_error = 'the runtime died a second time; not restarting again';
      return;
    }
    await this.start('restart after the runtime died failed: ');
    if (this.instance) this.options.onWarning?.(`runtime restarted after it died during ${caseId}`);
  }

  async stop(): Promise<void> {
    const { instance } = this;
    this.instance = undefined;
    if (instance?.resent) this.resent.push(...instance.resent());
    if (instance) await withTimeout(instance.stop(), STOP_TIMEOUT_MS).catch(() => {});
  }
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

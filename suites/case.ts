/**
 * What a case is: data with a stable id, what it checks, the reference it comes from and
 * the capabilities it needs, plus `run`. Its category is the case file's: `defineCases('ttl', [...])`
 * in suites/cases/NN-ttl.ts.
 */
import type { Capabilities, Clock, ProviderDefinition } from '../api/index.ts';
import type { ContractHandle } from '../contract/handle.ts';
import type { CheckKind, PropertyDetails } from '../results/types.ts';
import type { CaseInstance } from './instance.ts';
import type { KeyAlphabet } from './key-alphabet.ts';
import type { RealTime } from './real-time.ts';

export type Requirement = keyof Pick<Capabilities, 'ttl' | 'metadata'>;

export interface CaseContext {
  provider: ProviderDefinition;
  /** Native operations, straight to the platform (with `batch` even where the provider has none). */
  kv: CaseInstance;
  /** EdgeZero's KvHandle over the same instance: the kit's port, or EdgeZero's own where the provider runs it. */
  handle: ContractHandle;
  /** This case's own key prefix (run namespace + case number); everything under it is removed afterwards. */
  ns: string;
  /** ns + suffix. */
  key(suffix: string): string;
  /**
   * The characters this store takes in keys (observed once a run): a case about another rule than
   * characters writes names the store takes (`keys.only([...])`, `keys.fit([...])`), so a
   * restricted alphabet is the keys and unicode cases' finding alone.
   */
  keys: KeyAlphabet;
  /** The provider's clock where it has one; a case that cannot do without says `clock: 'required'`. */
  clock?: Clock;
  /** The seed for this case's randomness (derived from the run seed and the case id). */
  seed: number;
  /** How many runs a property makes. */
  runs: number;
  /** Attach what was observed (JSON-safe); probes return it instead. */
  observe(value: unknown): void;
  /**
   * Present only when the user asked for real time (--real-time=SECONDS), the provider has no
   * clock and the case measures with one or the other (`clock: 'or-real-time' | 'optional'`): how
   * long is left before the real-time phase ends, and timelines for clocks on real time. What it
   * measures is labelled "measured in real time".
   */
  realTime?: RealTime;
  /** A property failure to reproduce (--replay=seed:path[@commands-path]): checkProperty runs that one path. */
  replay?: Replay;
  /**
   * A known divergence is recorded for this case on this provider: a failing property shrinks for
   * this long at most (ms), enough to show the recorded failure, not to minimise it again every run.
   */
  shrinkBudgetMs?: number;
  /** A key written outside ns (e.g. ".") that cleanup must delete too. */
  track(key: string): void;
}

/** A recorded property failure: fast-check's seed and path, and for model-based runs the commands' own replay path. */
export interface Replay {
  seed: number;
  path: string;
  commandsPath?: string;
}

/** The context of a case that requires a clock: it is there. */
export interface TimedCaseContext extends CaseContext {
  clock: Clock;
}

interface CaseFields {
  /** Stable, dotted, category first: `ttl.min-bound`, `keys.max-bytes.4-byte-chars`. */
  id: string;
  check: CheckKind;
  title: string;
  /** Contract section or platform doc the case comes from. */
  ref: string;
  requires?: Requirement[];
  /**
   * Probes only: what the contract prescribes for the observation. The probe
   * passes when every field given here equals the observed one; without it the
   * probe is informational and always passes (the report compares providers).
   */
  contract?: Record<string, unknown>;
  timeoutMs?: number;
  /**
   * The case can crash the runtime (Viceroy panics on a page size of 0). The engine runs such
   * cases after all others, so a crash costs no restart in the middle of a run, and never against
   * a production or http target unless the user passes --allow-destructive.
   */
  destructive?: true;
  /**
   * 'listing': the outcome can vary from call to call where the store's listing does. The engine
   * observes that once a run (suites/listing.ts listingVaries: the same names under two prefixes
   * listed in different orders or pages, as Redis SCAN does); there it decides from
   * LISTING_ATTEMPTS attempts, FAILs if any attempt failed, and records how often each outcome was
   * seen; elsewhere one attempt.
   */
  varies?: 'listing';
  /**
   * What makes the case slow by design: thousands of keys, or values of many MiB (a limit's probe
   * or the contract's own number). `--quick` (the repository's `npm test`) leaves it out; every
   * other run has it.
   */
  heavy?: string;
}

interface UntimedCase extends CaseFields {
  clock?: undefined;
  run(context: CaseContext): Promise<unknown>;
}

/**
 * Moves the provider's clock. Without one, with --real-time, it runs on real time (suites/real-time.ts:
 * when it fits the budget and observes no key within a second of its TTL); else SKIP (capability
 * absent: clock), saying what budget would run it.
 */
interface TimedCase extends CaseFields {
  clock: 'required';
  run(context: TimedCaseContext): Promise<unknown>;
}

/**
 * Measures with the provider's clock where there is one; without, in real time when the user gave
 * --real-time (context.realTime), else SKIP (capability absent: clock). 'optional': runs without
 * either too, and says what only time would have shown.
 */
interface ClockOrRealTimeCase extends CaseFields {
  clock: 'or-real-time' | 'optional';
  run(context: CaseContext): Promise<unknown>;
}

/** A case as a case file writes it. */
export type CaseDefinition = UntimedCase | TimedCase | ClockOrRealTimeCase;

/** A case as the engine runs it: with its file's category. */
export type Case = CaseDefinition & { category: string };

/** Declares a case file: its category (the id prefix of every case in it) and its cases. */
export function defineCases(category: string, cases: CaseDefinition[]): Case[] {
  return cases.map((definition) => ({ ...definition, category }));
}

/** An assertion that did not hold: the case FAILs (any other exception is an ERROR). */
export class CaseFailure extends Error {
  constructor(
    message: string,
    /** `commands`: a model-based failure's commands up to and including the failing one. */
    readonly details: { observed?: unknown; property?: PropertyDetails; commands?: string[] } = {},
  ) {
    super(message);
    this.name = 'CaseFailure';
  }
}

/** Whether a case's inputs change with the run seed: property and model-based cases (suites/engine.ts caseSeed). */
export const isSeeded = (definition: { check: CheckKind }): boolean => definition.check === 'property' || definition.check === 'model';

/**
 * What a case is: data with a stable id, a category, what it checks, the
 * reference it comes from and the capabilities it needs, plus `run`.
 */
import type { Capabilities, Clock, KvInstance, ProviderDefinition } from '../api/index.ts';
import type { KvHandle } from '../contract/handle.ts';
import type { CheckKind, PropertyDetails } from '../results/types.ts';

export const CATEGORIES = [
  'crud',
  'ttl',
  'keys',
  'values',
  'pagination',
  'unicode',
  'metadata',
  'concurrency',
  'validation',
  'model',
  'consistency',
] as const;
export type Category = (typeof CATEGORIES)[number];

export type Requirement = keyof Pick<Capabilities, 'ttl' | 'metadata' | 'clock'>;

export interface CaseContext {
  provider: ProviderDefinition;
  /** Native operations, straight to the platform. */
  kv: KvInstance;
  /** EdgeZero's KvHandle over the same instance. */
  handle: KvHandle;
  /** This case's own key prefix (run namespace + case number); everything under it is removed afterwards. */
  ns: string;
  /** ns + suffix. */
  key(suffix: string): string;
  clock: Clock | undefined;
  /** The seed for this case's randomness (derived from the run seed and the case id). */
  seed: number;
  /** How many runs a property makes. */
  runs: number;
  /** Attach what was observed (JSON-safe); probes return it instead. */
  observe(value: unknown): void;
  /** A key written outside ns (e.g. ".") that cleanup must delete too. */
  track(key: string): void;
}

export interface CaseDefinition {
  /** Stable, dotted, category first: `ttl.min-bound`, `keys.max-bytes.4-byte-chars`. */
  id: string;
  category: Category;
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
  /** The case may leave the runtime broken (a probe far outside the domain): the engine restarts it afterwards. */
  restartAfter?: boolean;
  run(context: CaseContext): Promise<unknown>;
}

export function defineCases(cases: CaseDefinition[]): CaseDefinition[] {
  return cases;
}

/** An assertion that did not hold: the case FAILs (any other exception is an ERROR). */
export class CaseFailure extends Error {
  constructor(
    message: string,
    readonly details: { observed?: unknown; property?: PropertyDetails } = {},
  ) {
    super(message);
    this.name = 'CaseFailure';
  }
}

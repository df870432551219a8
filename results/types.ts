/**
 * The results format: one file per provider and run, modelled on web-platform-tests' wptreport.
 * The suites write it, reports read it; results.schema.json says the same in JSON Schema
 * (validate.ts checks every file against it).
 */
import { PROVIDER_KINDS, type ProviderKind } from '../api/index.ts';

export const RESULTS_FORMAT = 'kvparity-results@1';

export type Status = 'PASS' | 'FAIL' | 'ERROR' | 'TIMEOUT' | 'SKIP' | 'EXPECTED_DIVERGENCE';

/**
 * contract: must hold through the contract client on every provider.
 * probe:    records what the provider itself does at and beyond the contract's edges.
 * property: a fast-check property (seed, path and counterexample are recorded).
 * model:    fast-check command sequences against the reference model.
 */
export type CheckKind = 'contract' | 'probe' | 'property' | 'model';

export interface PropertyDetails {
  seed: number;
  path?: string;
  counterexample?: string;
  numRuns: number;
  /** What --replay takes (with --case) to reproduce the failure: `seed:path`, plus `@commands-path` for model-based runs. */
  replay?: string;
}

export interface CaseResult {
  test: string;
  category: string;
  check: CheckKind;
  title: string;
  ref: string;
  status: Status;
  message: string;
  observed?: unknown;
  contract?: unknown;
  duration_ms: number;
  property?: PropertyDetails;
  divergence?: { link: string; note?: string };
}

export interface RunInfo {
  provider: string;
  title: string;
  kind: ProviderKind;
  /** The platform whose KV this is (cloudflare, fastly, ...): pairs emulator and production results. */
  platform: string;
  /** The provider whose platform this one runs EdgeZero's adapter over (`fastly` for `edgezero-fastly`): reports set the two side by side. */
  adapter_of?: string;
  /** Whose KvHandle the contract cases called: the kit's TypeScript port, or EdgeZero's own (a provider that runs EdgeZero's code). */
  contract_handle?: 'port' | 'edgezero';
  /** "builtin" or the path the provider was loaded from. */
  source: string;
  runtime: { name: string; version: string; detail?: string } | null;
  capabilities: Record<string, unknown>;
  available: boolean;
  unavailable?: { reason: string; enable: string };
  start_error?: string;
  /** How often the runtime was restarted after it died. */
  restarts?: number;
  /** Requests sent a second time because their connection dropped (KvInstance.resent), each in words. */
  resent_requests?: string[];
  /**
   * A run of one slice of the selected cases (`--shard=K/N`): the K-th of N, out of `of` cases.
   * `kvparity report` merges the shards of a provider into one entry and names any that is missing.
   */
  shard?: { index: number; total: number; of: number };
  /** A run of some cases only (--case, --category, --quick): never written over a whole run's results file. */
  partial?: { case?: string; category?: string; quick?: true };
  kit_version: string;
  /** The upstream the contract client follows, and the pinned commit (contract/upstream.js). */
  contract_source: string;
  contract_commit: string;
  seed: number;
  runs: number;
  run_id: string;
  namespace: string;
  node: string;
  os: string;
  host: string;
}

export interface ResultsFile {
  format: typeof RESULTS_FORMAT;
  run_info: RunInfo;
  time_start: string;
  time_end: string;
  results: CaseResult[];
}

/** The order providers are listed in: built-ins first, then local stores, emulators and production targets, then by id. */
export function compareProviders(a: RunInfo, b: RunInfo): number {
  const rank = (info: RunInfo) => [info.source === 'builtin' ? 0 : 1, PROVIDER_KINDS.indexOf(info.kind)];
  const [ra, rb] = [rank(a), rank(b)];
  return ra[0] - rb[0] || ra[1] - rb[1] || a.provider.localeCompare(b.provider);
}

/**
 * The shapes of parity.json (parity.schema.json), which reports/ writes. The results files it
 * reads are the results format's (results/).
 */
import type { CaseResult, PropertyDetails, ResultsFile, RunInfo, Status } from '../results/types.ts';

/** A results file as loaded, with where it came from. */
export interface LoadedResults {
  path: string;
  file: ResultsFile;
}

export const PARITY_FORMAT = 'kvparity-parity@1';

export type Verdict = 'portable' | 'divergent' | 'provider-specific' | 'failing' | 'unsupported' | 'unknown';

/** One provider's outcome for one case, as parity.json keeps it. */
export interface Cell {
  status: Status;
  message?: string;
  observed?: unknown;
  property?: PropertyDetails;
  divergence?: { link: string; note?: string };
  duration_ms: number;
}

export interface CaseRow {
  id: string;
  category: string;
  check: CaseResult['check'];
  title: string;
  ref: string;
  contract?: unknown;
  verdict: Verdict;
  /** Why the verdict is what it is, in words. */
  reason: string;
  providers: Record<string, Cell>;
}

/** A provider as parity.json lists it: its run_info's fields that reports show, and what its results add up to. */
export interface ProviderEntry
  extends Pick<RunInfo, 'title' | 'kind' | 'platform' | 'adapter_of' | 'contract_handle' | 'available' | 'unavailable' | 'start_error' | 'resent_requests' | 'runtime' | 'source' | 'kit_version' | 'contract_source' | 'contract_commit' | 'seed' | 'runs' | 'run_id' | 'host' | 'node' | 'os'> {
  /** run_info.provider */
  id: string;
  /** The results file it came from. */
  file: string;
  /** The capabilities the provider declares (ttl, metadata, clock, durable, strongConsistency): true, or false when absent. */
  capabilities: Record<string, boolean>;
  time_start: string;
  time_end: string;
  counts: Partial<Record<Status, number>>;
  passes: number;
  total: number;
}

export interface Rollup {
  total: number;
  /** provider id → cases with status PASS (test262.fyi style). */
  providers: Record<string, number>;
  verdicts: Partial<Record<Verdict, number>>;
}

export interface InteropScore {
  score: number | null;
  portable: number;
  judged: number;
  rule: string;
}

export interface NativeObservation {
  case: string;
  status: Status;
  value: string;
  errors: string[];
  /** The value is a rendered fact (results/facts.ts) or a row's headline: shown whole, never truncated. */
  fact?: true;
}

export interface NativeRow {
  key: string;
  label: string;
  /** provider id → the matching probes' observations. */
  providers: Record<string, NativeObservation[]>;
}

export interface PlatformDifference {
  case: string;
  title: string;
  emulator: { status: Status; observed?: unknown; message?: string } | null;
  production: { status: Status; observed?: unknown; message?: string } | null;
}

export interface PlatformComparison {
  platform: string;
  emulator: string;
  production: string;
  compared: number;
  differences: PlatformDifference[];
}

/** One side of a pair in one case: its status, and what it observed or said. */
export interface PairSide {
  status: Status;
  observed?: unknown;
  message?: string;
}

/** A platform's own store (its provider) beside EdgeZero's adapter on it (the provider whose run_info.adapter_of names it). */
export interface AdapterComparison {
  platform: string;
  adapter: string;
  /** Cases either of the two ran, and how many of them came out the same (status, and for probes what was observed). */
  compared: number;
  same: number;
  /** Per category: compared, and the same. */
  categories: Record<string, { compared: number; same: number }>;
  differences: { case: string; title: string; category: string; platform: PairSide | null; adapter: PairSide | null }[];
}

export interface KnownDivergenceEntry {
  case: string;
  provider: string;
  status: Status;
  link: string;
  note?: string;
}

export interface SmokeCheck {
  name: string;
  status: string;
  detail?: string;
}

/** A smoke file (kvparity-smoke@1, written by smoke/checks.mjs), read leniently. */
export interface SmokeReport {
  file: string;
  provider?: string;
  base_url?: string;
  ended?: string;
  /** The EdgeZero commit the checks follow (smoke files from before the pin have none). */
  contract?: { source: string; commit: string };
  checks: SmokeCheck[];
}

export interface Parity {
  format: typeof PARITY_FORMAT;
  generated: string;
  rules: { verdicts: { verdict: Verdict; when: string }[]; deciding: string; observations: string; interop: string };
  merge: {
    files: string[];
    superseded: { provider: string; file: string; by: string }[];
    /** Providers run in shards (`run --shard=K/N`): which shards the report holds and which are missing. */
    shards?: { provider: string; total: number; present: number[]; missing: number[] }[];
  };
  providers: ProviderEntry[];
  interop: InteropScore;
  verdicts: Record<Verdict, number>;
  categories: Record<string, Rollup>;
  cases: CaseRow[];
  native: NativeRow[];
  platforms: PlatformComparison[];
  /** Each platform's store beside EdgeZero's adapter on it, where both ran. */
  adapters: AdapterComparison[];
  divergences: KnownDivergenceEntry[];
  smoke: SmokeReport[];
}

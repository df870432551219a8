/**
 * Merges per-provider results files, from one run or from many machines, into
 * one provider list and one row per case. The shards of a provider's run
 * (`run --shard=K/N`) are first joined into one file, and a missing shard is
 * recorded. The same provider twice: the file that finished last wins, and the
 * other is recorded as superseded.
 */
import { compareProviders, type CaseResult, type Status } from '../results/types.ts';
import type { Cell, LoadedResults, ProviderEntry } from './types.ts';

/** The shards of one provider's run, joined: which of the N were there, and which were not. */
export interface ShardNote {
  provider: string;
  total: number;
  present: number[];
  missing: number[];
}

export interface Merged {
  files: string[];
  superseded: { provider: string; file: string; by: string }[];
  shards: ShardNote[];
  providers: ProviderEntry[];
  /** Case definitions (from the newest file that ran each) with per-provider cells. */
  cases: { definition: CaseResult; cells: Record<string, Cell> }[];
}

export function mergeResults(given: LoadedResults[]): Merged {
  const { loaded, shards } = joinShards(given);
  const latest = new Map<string, LoadedResults>();
  const superseded: Merged['superseded'] = [];
  for (const entry of loaded) {
    const id = entry.file.run_info.provider;
    const previous = latest.get(id);
    if (!previous) {
      latest.set(id, entry);
      continue;
    }
    const newer = entry.file.time_end >= previous.file.time_end ? entry : previous;
    const older = newer === entry ? previous : entry;
    latest.set(id, newer);
    superseded.push({ provider: id, file: older.path, by: newer.path });
  }

  const chosen = [...latest.values()].sort((a, b) => compareProviders(a.file.run_info, b.file.run_info));
  const providers = chosen.map(providerEntry);
  const cases = new Map<string, Merged['cases'][number]>();
  for (const { file } of chosen) {
    const normalize = namespaceNormalizer(file.run_info.namespace);
    for (const result of file.results) {
      const row = cases.get(result.test) ?? { definition: result, cells: {} };
      row.cells[file.run_info.provider] = toCell(result, normalize);
      cases.set(result.test, row);
    }
  }
  return { files: given.map((l) => l.path), superseded, shards, providers, cases: [...cases.values()] };
}

/**
 * Each provider's shards (same provider, same N) as one results file: the cases of shards 1..N in
 * order, times spanning them all, the first shard's run info. Keys in observations are moved into
 * the first shard's namespace, so they normalise like one run's. The same shard twice: the later.
 */
export function joinShards(loaded: LoadedResults[]): { loaded: LoadedResults[]; shards: ShardNote[] } {
  const groups = new Map<string, Map<number, LoadedResults>>();
  const whole: LoadedResults[] = [];
  for (const entry of loaded) {
    const shard = entry.file.run_info.shard;
    if (!shard) {
      whole.push(entry);
      continue;
    }
    const key = `${entry.file.run_info.provider}\u0000${shard.total}`;
    const group = groups.get(key) ?? new Map<number, LoadedResults>();
    const previous = group.get(shard.index);
    if (!previous || entry.file.time_end >= previous.file.time_end) group.set(shard.index, entry);
    groups.set(key, group);
  }
  const notes: ShardNote[] = [];
  for (const group of groups.values()) {
    const parts = [...group.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
    const first = parts[0].file;
    const { shard, ...info } = first.run_info;
    const present = parts.map((part) => part.file.run_info.shard!.index);
    const missing = Array.from({ length: shard!.total }, (_, i) => i + 1).filter((index) => !present.includes(index));
    notes.push({ provider: info.provider, total: shard!.total, present, missing });
    const results = parts.flatMap(({ file }) => {
      if (file.run_info.namespace === info.namespace || !file.run_info.namespace) return file.results;
      const from = file.run_info.namespace;
      const move = (value: unknown): unknown => {
        if (typeof value === 'string') return value.split(from).join(info.namespace);
        if (Array.isArray(value)) return value.map(move);
        if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [move(k) as string, move(v)]));
        return value;
      };
      return file.results.map((result) => move(result) as typeof result);
    });
    // What went wrong in any shard is the joined run's.
    const errors = parts.flatMap(({ file }) => (file.run_info.start_error ? [`shard ${file.run_info.shard!.index}: ${file.run_info.start_error}`] : []));
    if (errors.length) info.start_error = errors.join('; ');
    const restarts = parts.reduce((sum, { file }) => sum + (file.run_info.restarts ?? 0), 0);
    if (restarts) info.restarts = restarts;
    const resent = parts.flatMap(({ file }) => (file.run_info.resent_requests ?? []).map((line) => `shard ${file.run_info.shard!.index}: ${line}`));
    if (resent.length) info.resent_requests = resent;
    const unavailable = parts.find(({ file }) => !file.run_info.available)?.file.run_info;
    if (unavailable) Object.assign(info, { available: false, unavailable: unavailable.unavailable });
    whole.push({
      path: parts.map((part) => part.path).join(' + '),
      file: {
        ...first,
        run_info: info,
        time_start: parts.map((part) => part.file.time_start).sort()[0],
        time_end: parts.map((part) => part.file.time_end).sort().at(-1)!,
        results,
      },
    });
  }
  return { loaded: whole, shards: notes };
}

function providerEntry({ path, file }: LoadedResults): ProviderEntry {
  const info = file.run_info;
  const counts: Partial<Record<Status, number>> = {};
  for (const result of file.results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return {
    id: info.provider,
    title: info.title,
    kind: info.kind,
    platform: info.platform,
    ...(info.adapter_of ? { adapter_of: info.adapter_of } : {}),
    ...(info.contract_handle ? { contract_handle: info.contract_handle } : {}),
    available: info.available,
    ...(info.unavailable ? { unavailable: info.unavailable } : {}),
    ...(info.start_error ? { start_error: info.start_error } : {}),
    ...(info.resent_requests?.length ? { resent_requests: info.resent_requests } : {}),
    runtime: info.runtime,
    source: info.source,
    file: path,
    // Booleans only: results of kits before 0.1 also carried the declared list order, now observed instead.
    capabilities: Object.fromEntries(Object.entries(info.capabilities).filter((entry): entry is [string, boolean] => typeof entry[1] === 'boolean')),
    kit_version: info.kit_version,
    contract_source: info.contract_source,
    contract_commit: info.contract_commit,
    seed: info.seed,
    runs: info.runs,
    run_id: info.run_id,
    host: info.host,
    node: info.node,
    os: info.os,
    time_start: file.time_start,
    time_end: file.time_end,
    counts,
    passes: counts.PASS ?? 0,
    total: file.results.length,
  };
}

function toCell(result: CaseResult, normalize: (value: unknown) => unknown): Cell {
  return {
    status: result.status,
    ...(result.message ? { message: normalize(result.message) as string } : {}),
    ...(result.observed !== undefined ? { observed: normalize(result.observed) } : {}),
    ...(result.property ? { property: result.property } : {}),
    ...(result.divergence ? { divergence: result.divergence } : {}),
    duration_ms: result.duration_ms,
  };
}

/**
 * Keys carry the run's namespace (`kvp-<run id>/<case>/`), which differs per run and
 * provider; replacing it makes observations comparable across providers and runs.
 */
export function namespaceNormalizer(namespace: string): (value: unknown) => unknown {
  if (!namespace) return (value) => value;
  const pattern = new RegExp(namespace.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') + '(?:[0-9a-z]{4}/)?', 'g');
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(pattern, '{ns}/');
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [walk(k) as string, walk(v)]));
    return value;
  };
  return walk;
}

/**
 * Measures one provider (run in a process of its own, so the kit's peak memory is
 * this provider's): start time, sequential ops through the kit against the same
 * ops inside the runtime, batched ops, the full suite's and the TTL category's
 * wall time, and the peak RSS of the kit and of the runtime's processes.
 */
import { randomBytes } from 'node:crypto';
import type { KvInstance, NativeOp, ProviderDefinition } from '../api/index.ts';
import { tempDir } from '../runners/process.ts';
import { selectCases } from '../suites/cases/index.ts';
import { loadDivergences } from '../suites/divergences.ts';
import { runCases } from '../suites/engine.ts';
import { caseInstance } from '../suites/instance.ts';
import { listAllNative } from '../suites/listing.ts';
import { MAX_OPS } from '../runners/bridge/handler.js';
import { directLoop, hasDirectLoop } from './direct.ts';
import { descendants, memoryKiB } from './process-tree.ts';

/**
 * Ops per batch request: as many as the bridge protocol takes (MAX_OPS), which is what the kit's
 * batch() sends. A request has a fixed cost (Viceroy instantiates the guest for each one), so a
 * batch of 100 measured that cost more than the kit's batches.
 */
export const BATCH_SIZE = MAX_OPS;
/** Each figure is the fastest of this many rounds: the first warms connections and the JIT, and load spikes fall out. */
export const ROUNDS = 5;
/** What the bridges' own /bench loop writes, so kit and inside move the same bytes. */
const VALUE = new TextEncoder().encode('v'.repeat(64));

export interface Rate {
  ops: number;
  ms: number;
  ops_per_s: number;
}

export interface OpFigures {
  kit: Rate;
  inside: Rate | null;
  /** kit ÷ inside: 1 means the kit adds nothing; 0.05 means the kit reaches 5% of the runtime's own rate. */
  kit_vs_inside: number | null;
  batch: Rate | null;
  batch_vs_inside: number | null;
}

export interface SuiteFigures {
  cases: number;
  wall_s: number;
  /** Of wall_s: starting the runtime (restarts included). */
  start_s: number;
  statuses: Record<string, number>;
}

export interface ProviderBench {
  id: string;
  title: string;
  /** EdgeZero's adapter over this provider's platform (ProviderDefinition.adapterOf): the table sets the two against each other. */
  adapter_of?: string;
  runtime: { name: string; version: string } | null;
  start_ms: number;
  ops: number;
  /** Where the inside figure comes from. */
  inside_source: 'runtime (benchInside)' | 'direct loop on the store' | null;
  put: OpFigures;
  get: OpFigures;
  suite: SuiteFigures;
  ttl: SuiteFigures | null;
  memory: {
    kit_peak_rss_mb: number;
    /** Sum of VmHWM over the runtime's processes, the largest seen over every start; null with no runtime process. */
    runtime_peak_rss_mb: number | null;
    runtime_processes: string[];
  };
}

const rate = (ops: number, ms: number): Rate => ({ ops, ms: round(ms, 1), ops_per_s: Math.round((ops * 1000) / Math.max(ms, 0.001)) });
const ratio = (a: Rate | null, b: Rate | null) => (a && b ? round(a.ops_per_s / b.ops_per_s, 3) : null);
const round = (n: number, digits: number) => Number(n.toFixed(digits));
const mb = (kib: number) => round(kib / 1024, 1);

/** The runtime's processes below this one (the esbuild service tsx keeps, when it loads a TypeScript provider, is the kit's own). */
function runtimeProcesses() {
  return descendants(process.pid).filter((p) => p.name !== 'esbuild');
}

/** `options`: the provider's own (--url, --token-env, --kind for http), as `run` passes them. */
export async function measureProvider(definition: ProviderDefinition, ops: number, log: (line: string) => void, options: Record<string, string> = {}): Promise<ProviderBench> {
  const memory = new RuntimeMemory();
  const start = async (): Promise<KvInstance> => {
    const instance = await definition.start({ tmpDir: tempDir(`bench-${definition.id}`), log: (line) => log(`  ${line}`), options, signal: new AbortController().signal });
    // VmHWM is the peak so far: read it just before the runtime goes away.
    const stop = instance.stop.bind(instance);
    return Object.assign(instance, { stop: () => (memory.sample(), stop()) });
  };

  const t0 = performance.now();
  const kv = await start();
  const startMs = performance.now() - t0;
  log(`  started ${kv.runtime.name} ${kv.runtime.version} in ${Math.round(startMs)} ms`);
  let throughput: Awaited<ReturnType<typeof measureThroughput>>;
  try {
    throughput = await measureThroughput(definition, kv, ops, log);
  } finally {
    await kv.stop();
  }

  const suite = await timedSuite(definition, start, selectCases());
  log(`  full suite: ${suite.cases} cases in ${suite.wall_s} s (start ${suite.start_s} s)`);
  const ttlCases = selectCases({ categories: ['ttl'] });
  const ttl = ttlCases.length ? await timedSuite(definition, start, ttlCases) : null;
  if (ttl) log(`  ttl: ${ttl.cases} cases in ${ttl.wall_s} s (start ${ttl.start_s} s)`);

  return {
    id: definition.id,
    title: definition.title,
    ...(definition.adapterOf ? { adapter_of: definition.adapterOf } : {}),
    runtime: { name: kv.runtime.name, version: kv.runtime.version },
    start_ms: Math.round(startMs),
    ops,
    inside_source: throughput.insideSource,
    put: throughput.put,
    get: throughput.get,
    suite,
    ttl,
    memory: {
      kit_peak_rss_mb: mb(process.resourceUsage().maxRSS),
      runtime_peak_rss_mb: memory.names.size ? mb(memory.peakKiB) : null,
      runtime_processes: [...memory.names],
    },
  };
}

/** The peak resident memory of the runtime processes below this one, over every sample taken. */
class RuntimeMemory {
  peakKiB = 0;
  readonly names = new Set<string>();

  sample(): void {
    let kib = 0;
    for (const p of runtimeProcesses()) {
      kib += memoryKiB(p.pid, 'VmHWM') ?? 0;
      this.names.add(p.name);
    }
    this.peakKiB = Math.max(this.peakKiB, kib);
  }
}

/** Puts and gets per second: one at a time through the kit, inside the runtime where it can say, and in batches. */
async function measureThroughput(definition: ProviderDefinition, kv: KvInstance, ops: number, log: (line: string) => void) {
  const ns = `kvp-bench-${randomBytes(4).toString('hex')}/`;
  const kit = await sequential(kv, ns, ops);
  log(`  kit: put ${kit.put.ops_per_s}/s, get ${kit.get.ops_per_s}/s`);

  let insideSource: ProviderBench['inside_source'] = null;
  let inside: { put: Rate; get: Rate } | null = null;
  if (kv.benchInside) {
    insideSource = 'runtime (benchInside)';
    // In the run's namespace, so a shared store (an http target) keeps nothing of it after removeAll().
    const inRuntime = (kind: 'put' | 'get') => fastest(async () => kv.benchInside!(kind, ops, `${ns}inside/`).then((r) => rate(r.ops, r.ms)));
    inside = { put: await inRuntime('put'), get: await inRuntime('get') };
  } else if (hasDirectLoop(definition.id)) {
    insideSource = 'direct loop on the store';
    const direct = directLoop(definition.id, tempDir('bench-direct'), ops, VALUE, ROUNDS);
    inside = { put: rate(direct.put.ops, direct.put.ms), get: rate(direct.get.ops, direct.get.ms) };
  }
  if (inside && (inside.put.ms <= 0 || inside.get.ms <= 0)) {
    // A loop that took no time was not timed (a clock that did not move), not infinitely fast.
    log(`  inside (${insideSource}): not measured, the runtime's clock did not move during its loop`);
    inside = null;
    insideSource = null;
  }
  if (inside) log(`  inside (${insideSource}): put ${inside.put.ops_per_s}/s, get ${inside.get.ops_per_s}/s`);

  const batch = kv.batch ? await batched(kv, `${ns}b/`, ops) : null;
  if (batch) log(`  batch of ${BATCH_SIZE}: put ${batch.put.ops_per_s}/s, get ${batch.get.ops_per_s}/s`);
  await removeAll(kv, ns);

  const figures = (op: 'put' | 'get'): OpFigures => ({
    kit: kit[op],
    inside: inside?.[op] ?? null,
    kit_vs_inside: ratio(kit[op], inside?.[op] ?? null),
    batch: batch?.[op] ?? null,
    batch_vs_inside: ratio(batch?.[op] ?? null, inside?.[op] ?? null),
  });
  return { insideSource, put: figures('put'), get: figures('get') };
}

async function fastest(measure: () => Promise<Rate>): Promise<Rate> {
  let best: Rate | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    const rate = await measure();
    if (!best || rate.ops_per_s > best.ops_per_s) best = rate;
  }
  return best!;
}

async function sequential(kv: KvInstance, ns: string, count: number): Promise<{ put: Rate; get: Rate }> {
  const put = await fastest(async () => {
    const started = performance.now();
    for (let i = 0; i < count; i++) await kv.put(`${ns}${i}`, VALUE);
    return rate(count, performance.now() - started);
  });
  let missing = 0;
  const get = await fastest(async () => {
    const started = performance.now();
    for (let i = 0; i < count; i++) if (!(await kv.get(`${ns}${i}`))) missing++;
    return rate(count, performance.now() - started);
  });
  if (missing) throw new Error(`${missing} reads of keys just written found them missing`);
  return { put, get };
}

async function batched(kv: KvInstance, ns: string, count: number): Promise<{ put: Rate; get: Rate }> {
  const run = (make: (i: number) => NativeOp) =>
    fastest(async () => {
      const started = performance.now();
      for (let first = 0; first < count; first += BATCH_SIZE) {
        const ops = Array.from({ length: Math.min(BATCH_SIZE, count - first) }, (_, i) => make(first + i));
        const failed = (await kv.batch!(ops)).find((r) => !r.ok);
        if (failed && !failed.ok) throw failed.error;
      }
      return rate(count, performance.now() - started);
    });
  return { put: await run((i) => ({ op: 'put', key: `${ns}${i}`, value: VALUE })), get: await run((i) => ({ op: 'get', key: `${ns}${i}` })) };
}

async function removeAll(kv: KvInstance, prefix: string): Promise<void> {
  const { keys } = await listAllNative(kv, prefix);
  if (keys.length) await caseInstance(kv).batch(keys.map((key) => ({ op: 'delete' as const, key })));
}

async function timedSuite(definition: ProviderDefinition, start: () => Promise<KvInstance>, cases: ReturnType<typeof selectCases>): Promise<SuiteFigures> {
  let startMs = 0;
  const timedStart = async () => {
    const t0 = performance.now();
    try {
      return await start();
    } finally {
      startMs += performance.now() - t0;
    }
  };
  const started = performance.now();
  const file = await runCases({ provider: definition, source: 'bench', cases, seed: 1, runs: 50, kitVersion: 'bench', divergences: loadDivergences(), start: timedStart });
  const statuses: Record<string, number> = {};
  for (const result of file.results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
  if (file.run_info.start_error) throw new Error(`the suite run could not start the provider: ${file.run_info.start_error}`);
  return { cases: cases.length, wall_s: round((performance.now() - started) / 1000, 2), start_s: round(startMs / 1000, 2), statuses };
}

/** One provider's line in bench.json. */
export type BenchEntry = ProviderBench | { id: string; skipped: string } | { id: string; error: string };

export interface BenchReport {
  format: 'kvparity-bench@1';
  date: string;
  kit_version: string;
  ops: number;
  /** Each throughput figure is the fastest of this many rounds. */
  rounds: number;
  batch_size: number;
  machine: { cpus: number; model: string; memory_gb: number; node: string; kernel: string; load_average_at_start: number[] };
  providers: BenchEntry[];
  /** A whole `kvparity test` timed, when bench ran one: the line it ended with and its slowest test files (cli/timing.ts), or why there are none. */
  test_run?: { code: number | null; load_average_at_start: number[] } & ({ breakdown: string; slowest_files: Array<{ file: string; seconds: number }>; timing: unknown } | { error: string });
}

/** The main job: run the suites against each selected provider and write one results file per provider. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { ProviderDefinition } from '../api/index.ts';
import { defaultIds, loadProvider, looksLikePath, readConfigFile, type LoadedProvider, type ProviderSetup } from '../providers/registry.ts';
import { kitCommand, kitPackage } from '../runners/kit.ts';
import { recordStart, tempDir } from '../runners/process.ts';
import type { Case } from '../suites/case.ts';
import { loadDivergences, mergeDivergences } from '../suites/divergences.ts';
import { RESULTS_FORMAT, type CaseResult, type ResultsFile } from '../results/types.ts';
import { RESULTS_SCHEMA_PATH, validateResults } from '../results/validate.ts';
import { baseRunInfo, newNamespace, runCases } from '../suites/engine.ts';
import { MAX_REAL_TIME_SECONDS } from '../suites/real-time.ts';
import { UsageError, ensureDirFlag, intFlag, listFlag, parseArgs, type Parsed } from './args.ts';
import type { Replay } from '../suites/case.ts';
import { lastProviderSeconds, rememberProviderSeconds } from './timing.ts';

export const RUN_FLAGS = ['provider', 'category', 'case', 'seed', 'runs', 'out', 'config', 'url', 'token-env', 'kind', 'timeout', 'jobs', 'shard', 'real-time', 'replay'];
export const RUN_BOOLEANS = ['allow-destructive', 'quick'];

/** Runs per property unless --runs says otherwise: a whole run's, and `--quick`'s. */
export const DEFAULT_RUNS = 50;
export const QUICK_RUNS = 10;

const kitVersion = kitPackage.version;

export interface RunSummary {
  files: string[];
  results: ResultsFile[];
  /**
   * Why the run cannot be trusted, one line per provider: named explicitly (or by path or config)
   * but unavailable here, or gave no verdict at all (did not start, or every case ended ERROR).
   */
  problems: string[];
  /** Wall time of each provider's run, in run order (they overlap when several run at once). */
  seconds: Array<{ id: string; seconds: number }>;
  /** Wall time of the whole run. */
  wallSeconds: number;
}

interface Selection {
  loaded: LoadedProvider[];
  /** Explicitly named (not via all/available): being unavailable is an error. */
  named: Set<string>;
  /** Known-divergence files the config file lists. */
  divergenceFiles: string[];
}

async function selectProviders(flags: Record<string, string>): Promise<Selection> {
  const configPath = flags.config ? resolve(flags.config) : resolve('kvparity.config.json');
  if (flags.config && !existsSync(configPath)) throw new UsageError(`config file not found: ${configPath}`);
  const config = existsSync(configPath) ? readConfigFile(configPath) : { providers: [], divergences: [] };
  // In a project whose config file lists providers, those are what a bare `kvparity test` runs.
  const specs = flags.provider !== undefined ? listFlag(flags.provider) : config.providers.length ? [] : ['all'];
  if (flags.provider !== undefined && specs.length === 0) throw new UsageError(`--provider=${flags.provider} names no provider`);
  const named = new Set<string>();
  const chosen: string[] = [];
  for (const spec of specs) {
    if (spec === 'all' || spec === 'available') chosen.push(...(await defaultIds()));
    else {
      // A path names a file: the same file listed again by the config file is the same provider.
      const normalised = looksLikePath(spec) ? resolve(spec) : spec;
      chosen.push(normalised);
      named.add(normalised);
    }
  }
  if (flags.provider === undefined || specs.includes('all') || specs.includes('available') || flags.config) chosen.push(...config.providers);
  const loaded: LoadedProvider[] = [];
  for (const spec of [...new Set(chosen)]) {
    const provider = await loadProvider(spec);
    if (loaded.some((p) => p.definition.id === provider.definition.id)) throw new UsageError(`two providers have the id "${provider.definition.id}"`);
    loaded.push(provider);
    if (named.has(spec) || looksLikePath(spec)) named.add(provider.definition.id);
  }
  return { loaded, named, divergenceFiles: config.divergences };
}

/** A run's flags read and checked, its cases and providers chosen: bad input fails here, before anything starts. */
export interface RunPlan {
  seed: number;
  runs: number;
  timeoutMs: number;
  out: string;
  cases: Case[];
  selection: Selection;
  divergences: ReturnType<typeof loadDivergences>;
  /** Passed to every provider's start() (its own options among the flags, e.g. --url, --token). */
  options: Record<string, string>;
  /** Providers run at once (--jobs; default: the machine's processors). */
  jobs: number;
  /** Every case, at the default property runs: its providers' times are remembered to order later runs. */
  wholeSuite: boolean;
  /** --shard=K/N: this run's slice of the selected cases (already applied to `cases`). */
  shard?: { index: number; total: number; of: number };
  /** --case, --category: a run of some cases only, which never replaces a whole run's results file. */
  partial?: { case?: string; category?: string; quick?: true };
  /** --real-time=SECONDS: on a provider without a clock, the cases that need time run side by side in a phase of at most this long. */
  realTimeSeconds?: number;
  /** --replay=SEED:PATH[@COMMANDS]: the property failure to run again (with --case). */
  replay?: Replay;
  /** --allow-destructive: crash-prone probes against production and http targets too. */
  allowDestructive: boolean;
  /** --quick: how many heavy cases the selection left out. */
  quick?: { leftOut: number };
}

/**
 * `--shard=K/N`: the K-th of N contiguous, near-equal slices of the selected cases in their run
 * order (as vitest and Playwright shard), so N CI jobs together run each case exactly once.
 */
export function shardCases<T>(cases: readonly T[], spec: string): { cases: T[]; shard: { index: number; total: number; of: number } } {
  const match = /^(\d+)\/(\d+)$/.exec(spec);
  const [index, total] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(index >= 1 && total >= 1 && index <= total && total <= 1000)) throw new UsageError(`--shard takes K/N with 1 ≤ K ≤ N ≤ 1000 (e.g. --shard=2/3), got "${spec}"`);
  if (total > cases.length) throw new UsageError(`--shard=${spec}: ${cases.length} cases are selected, too few for ${total} shards`);
  const from = Math.floor(((index - 1) * cases.length) / total);
  const to = Math.floor((index * cases.length) / total);
  return { cases: cases.slice(from, to), shard: { index, total, of: cases.length } };
}

/** A provider's results file: `<id>.json`, or `<id>.shard-K-of-N.json` for a shard. */
export const resultsFileName = (id: string, shard?: { index: number; total: number }) => (shard ? `${id}.shard-${shard.index}-of-${shard.total}.json` : `${id}.json`);

/** Where a run of some cases writes when a whole run's results are there: beside them (`kvparity report` on a directory leaves it out). */
export const partialFileName = (id: string) => `${id}.partial.json`;

/** Is the results file at `path` a whole run's (not a shard, not some cases only)? */
function wholeRunAt(path: string): boolean {
  try {
    const { run_info } = JSON.parse(readFileSync(path, 'utf8')) as ResultsFile;
    return !!run_info && !run_info.partial && !run_info.shard;
  } catch {
    return false;
  }
}

export async function planRun(parsed: Parsed): Promise<RunPlan> {
  const { flags } = parsed;
  const seed = intFlag(flags, 'seed', { min: 0, max: 2 ** 31 - 1 }) ?? Math.floor(Math.random() * 2 ** 31);
  const quick = parsed.booleans.has('quick');
  const runs = intFlag(flags, 'runs', { min: 1, max: 100_000 }) ?? (quick ? QUICK_RUNS : DEFAULT_RUNS);
  const timeoutMs = (intFlag(flags, 'timeout', { min: 1, max: 3600 }) ?? 120) * 1000;
  const jobs = intFlag(flags, 'jobs', { min: 1, max: 64 }) ?? availableParallelism();
  const realTimeSeconds = intFlag(flags, 'real-time', { min: 1, max: MAX_REAL_TIME_SECONDS });
  const replay = replayFlag(flags);
  if (replay && !flags.case) throw new UsageError('--replay needs --case=<id> naming the property case whose failure it reproduces');
  const allowDestructive = parsed.booleans.has('allow-destructive');
  const out = ensureDirFlag('out', resolve(flags.out ?? 'reports/out'));
  const selection = await selectProviders(flags);
  // Before anything starts: a provider with type errors is bad input, named with its errors.
  const { typecheckProviders } = await import('./typecheck.ts');
  for (const line of typecheckProviders(selection.loaded)) process.stderr.write(`kvparity: ${line}\n`);
  // Loading every case file takes a moment: only the commands that run cases pay for it, after the cheap checks.
  const { ALL_CASES, selectCases } = await import('../suites/cases/index.ts');
  const selected = selectCases({ categories: listFlag(flags.category), ids: listFlag(flags.case), quick });
  if (selected.length === 0) throw new UsageError(`no case matches --category=${flags.category ?? ''} --case=${flags.case ?? ''}`);
  const { cases, shard } = flags.shard === undefined ? { cases: selected, shard: undefined } : shardCases(selected, flags.shard);
  const caseIds = ALL_CASES.map((c) => c.id);
  const divergences = mergeDivergences([loadDivergences(undefined, caseIds), ...selection.divergenceFiles.map((file) => loadDivergences(file, caseIds))], caseIds);
  const options: Record<string, string> = { ...flags };
  // Only a run of every case (not a slice, a replay or other property counts) says how long a provider takes.
  const wholeSuite = cases.length === ALL_CASES.length && !replay && runs === DEFAULT_RUNS;
  const partial = selected.length < ALL_CASES.length ? { ...(flags.case ? { case: flags.case } : {}), ...(flags.category ? { category: flags.category } : {}), ...(quick ? { quick: true as const } : {}) } : undefined;
  const leftOut = quick ? selectCases({ categories: listFlag(flags.category), ids: listFlag(flags.case) }).length - selected.length : 0;
  return { seed, runs, quick: quick ? { leftOut } : undefined, timeoutMs, out, cases, selection, divergences, options, jobs, wholeSuite, ...(shard ? { shard } : {}), ...(partial ? { partial } : {}), ...(realTimeSeconds ? { realTimeSeconds } : {}), ...(replay ? { replay } : {}), allowDestructive };
}

/** --replay=<seed>:<path>[@<commands path>], as a property failure's results record it (property.replay). */
function replayFlag(flags: Record<string, string>): Replay | undefined {
  const value = flags.replay;
  if (value === undefined) return undefined;
  const match = /^(\d+):(\d+(?::\d+)*)(?:@(\S+))?$/.exec(value);
  if (!match) throw new UsageError(`--replay takes a failure's property.replay from its results, <seed>:<path>[@<commands path>], e.g. --replay=1234:0:1:0 (got "${value}")`);
  return { seed: Number(match[1]), path: match[2], ...(match[3] ? { commandsPath: match[3] } : {}) };
}

/**
 * `kvparity run` (npm start): the suites on each provider, results files and the parity report. A
 * provider that needs a one-time setup here (Viceroy's build) holds nothing back: the report of the
 * others is written as soon as they are done, and written again when it has joined.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: RUN_FLAGS, booleans: RUN_BOOLEANS });
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const log = (line: string) => void process.stderr.write(line + '\n');
  const summary = await runPlan(await planRun(parsed), {
    log,
    async meanwhile(first, waiting) {
      await writeReport(first);
      const ids = waiting.join(',');
      const one = waiting.length === 1;
      log(`\nThat report holds every provider but ${waiting.join(' and ')}, which ${one ? 'joins' : 'join'} it once ${one ? 'its' : 'their'} one-time setup, starting now, is done (progress below). Or stop now (Ctrl-C) and add ${one ? 'it' : 'them'} later: ${kitCommand(`run --provider=${ids}`)} && ${kitCommand('report')}`);
    },
  });
  await writeReport(summary);
  printTotals(summary);
  return reportProblems(summary) ? 1 : 0;
}

async function writeReport(summary: RunSummary): Promise<void> {
  await (await import('./report.ts')).reportFromFiles(summary.files);
}

/**
 * Runs every selected provider, up to `plan.jobs` at once: each starts its own runtime, so they
 * share nothing but this process. With more than one at a time, each provider's lines are kept
 * together and printed when it is done; the summary and the results files are the same as a
 * sequential run's (every case's randomness comes from the run seed and the case id).
 *
 * A provider whose one-time setup this machine still lacks (its file's `setup`: Viceroy's build)
 * is set up once the others are done, so they run at full speed and never wait for it; then its
 * progress is printed as it comes, and it runs once it is set up. `meanwhile` is called between
 * the two, with the others' summary (`kvparity run` writes the first report then).
 */
export async function runPlan(
  plan: RunPlan,
  { log, meanwhile }: { log: (line: string) => void; meanwhile?: (first: RunSummary, waiting: string[]) => Promise<void> },
): Promise<RunSummary> {
  const { seed, runs, timeoutMs, out, cases, selection, divergences, options, shard } = plan;
  const jobs = Math.min(plan.jobs, selection.loaded.length);
  log(`kvparity ${kitVersion}: ${cases.length} cases × ${selection.loaded.length} providers (${selection.loaded.map((p) => p.definition.id).join(', ')})${jobs > 1 ? `, ${jobs} at a time` : ''}`);
  log(`seed ${seed}, ${runs} runs per property (replay with --seed=${seed} --runs=${runs})`);
  if (plan.quick) log(`quick: ${plan.quick.leftOut} heavy cases left out (thousands of keys, values of many MiB) and ${runs} runs per property; without --quick, every case at ${DEFAULT_RUNS}`);
  if (shard) log(`shard ${shard.index} of ${shard.total}: ${cases.length} of the ${shard.of} selected cases (give every shard the same --seed)`);

  const started = performance.now();
  // The slowest providers of their last whole-suite run here start first, so the lanes end together.
  const last = lastProviderSeconds();
  const startOrder = selection.loaded.map((_, i) => i).sort((a, b) => (last[selection.loaded[b].definition.id] ?? Infinity) - (last[selection.loaded[a].definition.id] ?? Infinity));
  const setups = await setupsNeeded(selection.loaded, options, log);
  const runOne = async ({ definition, source, loadedWith }: LoadedProvider) => {
    const lines: string[] = [];
    const providerLog = jobs > 1 ? (line: string) => void lines.push(line) : log;
    const providerStarted = performance.now();
    const problems: string[] = [];
    // A run of some cases never replaces a whole run's results: it goes beside them, and says so.
    const whole = join(out, resultsFileName(definition.id, shard));
    const path = plan.partial && !shard && wholeRunAt(whole) ? join(out, partialFileName(definition.id)) : whole;
    if (path !== whole) providerLog(`  some cases only (${describePartial(plan.partial!)}): results go to ${path}, beside the whole run's ${whole}`);
    // Gone before the run: a run that dies leaves no results file, never the last run's as if it were this one's.
    rmSync(path, { force: true });
    const availability = definition.availability ? await definition.availability(options) : { available: true as const };
    let file: ResultsFile;
    if (!availability.available) {
      providerLog(`\n✖ ${definition.id}: UNAVAILABLE on this machine: ${availability.reason}\n  enable it with: ${availability.enable}`);
      if (selection.named.has(definition.id)) problems.push(`${definition.id} is unavailable here: ${availability.reason}; enable it with: ${availability.enable}`);
      file = unavailableFile(definition, source, seed, runs, availability);
    } else {
      file = await runProvider(definition, source, { loadedWith, cases, seed, runs, divergences, options, timeoutMs, log: providerLog, live: jobs === 1, realTimeSeconds: plan.realTimeSeconds, replay: plan.replay, allowDestructive: plan.allowDestructive });
    }
    const seconds = (performance.now() - providerStarted) / 1000;
    if (shard) file.run_info.shard = shard;
    if (plan.partial) file.run_info.partial = plan.partial;
    const invalid = validateResults(file);
    if (invalid.length) throw new Error(`internal error: results for ${definition.id} do not match ${RESULTS_SCHEMA_PATH}:\n${invalid.join('\n')}`);
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n');
    const noVerdict = noVerdictReason(file);
    if (noVerdict) problems.push(noVerdict);
    providerLog(`  → ${path}`);
    for (const line of lines) log(line);
    return { id: definition.id, file, path, seconds, problems };
  };
  type Ran = Awaited<ReturnType<typeof runOne>>;
  const summaryOf = (ran: Ran[]): RunSummary => ({
    files: ran.map((p) => p.path),
    results: ran.map((p) => p.file),
    problems: ran.flatMap((p) => p.problems),
    seconds: ran.map((p) => ({ id: p.id, seconds: p.seconds })),
    wallSeconds: (performance.now() - started) / 1000,
  });

  const first = await inParallel(selection.loaded, jobs, startOrder.filter((i) => !setups.has(i)), runOne);
  if (setups.size > 0 && meanwhile) {
    // As --provider names them: a built-in by id, any other by its path.
    const named = [...setups.keys()].map((i) => selection.loaded[i]).map(({ definition, source }) => (source === 'builtin' ? definition.id : relative(process.cwd(), source)));
    await meanwhile(summaryOf(first.filter(Boolean)), named);
  }
  // Each setup now, side by side; a failure is said once its provider's turn comes.
  const outcomes = new Map(
    [...setups].map(([index, setup]) => {
      const { id } = selection.loaded[index].definition;
      // Not aborted: an interrupted run exits, and the exit hook stops what the setup spawned.
      const outcome = setup.run({ log: (line) => log(`  ${id}: ${line}`), signal: new AbortController().signal }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      return [index, outcome] as const;
    }),
  );
  const later = await inParallel(selection.loaded, jobs, startOrder.filter((i) => setups.has(i)), async (loaded) => {
    const failed = await outcomes.get(selection.loaded.indexOf(loaded))!;
    // A failed setup is the provider's start error: its cases ERROR, and the run says why.
    return runOne(failed === undefined ? loaded : { ...loaded, definition: { ...loaded.definition, start: () => Promise.reject(new Error(`its one-time setup failed: ${failed}`)) } });
  });
  const each = selection.loaded.map((_, i) => first[i] ?? later[i]);
  // A provider that gave no verdict (unavailable, did not start) took no time worth remembering.
  if (plan.wholeSuite) rememberProviderSeconds(each.filter((p) => p.problems.length === 0));
  return summaryOf(each);
}

/** The one-time setups this machine lacks, of the providers that are available here, by provider index; each said once. */
async function setupsNeeded(loaded: readonly LoadedProvider[], options: Record<string, string>, log: (line: string) => void): Promise<Map<number, ProviderSetup>> {
  const setups = new Map<number, ProviderSetup>();
  for (const [index, { definition, setup }] of loaded.entries()) {
    if (!setup || (definition.availability && !(await definition.availability(options)).available)) continue;
    const pending = setup.pending();
    if (!pending) continue;
    log(`\n⧗ ${definition.id}: ${pending}. That is done once the other providers have run, so they do not wait for it, and ${definition.id} runs after it.`);
    setups.set(index, setup);
  }
  return setups;
}

/** `work` over the items at the indices of `order`, at most `jobs` at a time; the results at the items' indices. */
async function inParallel<T, R>(items: readonly T[], jobs: number, order: number[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < order.length) {
      const index = order[next++];
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, lane));
  return results;
}

/** Unavailable here, or did not start: its cases were not run (the run says why once, last). */
const notRun = ({ run_info, results }: ResultsFile) => !run_info.available || (!!run_info.start_error && results.every((r) => r.status === 'ERROR'));

/**
 * The run's totals: a known divergence is not a pass, and the cases of a provider that never
 * started (or was unavailable) were not run, not failed.
 */
export function conformanceTotals(results: ResultsFile[]): { passed: number; failed: number; skipped: number; diverged: number; notRun: number } {
  const totals = { passed: 0, failed: 0, skipped: 0, diverged: 0, notRun: 0 };
  for (const file of results) {
    if (notRun(file)) {
      totals.notRun += file.results.length;
      continue;
    }
    for (const result of file.results) {
      if (isFailure(result.status)) totals.failed++;
      else if (result.status === 'PASS') totals.passed++;
      else if (result.status === 'EXPECTED_DIVERGENCE') totals.diverged++;
      else totals.skipped++;
    }
  }
  return totals;
}

export function printTotals(summary: RunSummary): { passed: number; failed: number } {
  const { passed, failed, skipped, diverged, notRun } = conformanceTotals(summary.results);
  const providers = `${summary.results.length} provider${summary.results.length === 1 ? '' : 's'}`;
  const extra = [diverged ? `${diverged} known divergence${diverged === 1 ? '' : 's'}` : '', notRun ? `${notRun} not run` : ''].filter(Boolean);
  process.stderr.write(`\nconformance: ${passed} passed, ${failed} failed, ${skipped} skipped${extra.map((e) => `, ${e}`).join('')} (${providers})\n`);
  for (const line of failureLines(summary.results)) process.stderr.write(line + '\n');
  return { passed, failed };
}

/**
 * Every unexpected result again, last, with the command that runs it once more: with several
 * providers at once, a failure's own line is far above the totals (and out of a log's tail).
 */
export function failureLines(results: ResultsFile[]): string[] {
  const lines: string[] = [];
  for (const file of results.filter((f) => !notRun(f))) {
    const { run_info: info, results: cases } = file;
    for (const result of cases.filter((r) => isFailure(r.status))) {
      const message = result.message.length > 300 ? `${result.message.slice(0, 300)}…` : result.message;
      const replay = result.property?.replay ? ` --replay=${result.property.replay}` : '';
      lines.push(`  ✗ ${info.provider} ${result.test} ${result.status}: ${message}`);
      const provider = info.source === 'builtin' ? info.provider : info.source;
      lines.push(`    again: ${kitCommand(`run --provider=${provider} --case=${result.test} --seed=${info.seed} --runs=${info.runs}${replay}`)}`);
    }
  }
  return lines;
}

const describePartial = (partial: NonNullable<RunPlan['partial']>) => [partial.case ? `--case=${partial.case}` : '', partial.category ? `--category=${partial.category}` : '', partial.quick ? '--quick' : ''].filter(Boolean).join(' ');

/** Says, last, which providers gave no trustworthy verdict and why; true when there is any. */
export function reportProblems(summary: RunSummary): boolean {
  for (const problem of summary.problems) process.stderr.write(`kvparity: ${problem}\n`);
  return summary.problems.length > 0;
}

export const isFailure = (status: CaseResult['status']) => status === 'FAIL' || status === 'ERROR' || status === 'TIMEOUT';

/** A provider whose every case ended ERROR gave no verdict: why, in one line. */
export function noVerdictReason({ run_info, results }: ResultsFile): string | undefined {
  if (results.length === 0 || !results.every((r) => r.status === 'ERROR')) return undefined;
  if (run_info.start_error) return `${run_info.provider} did not start: ${run_info.start_error}`;
  return `every case of ${run_info.provider} ended ERROR; the first: ${results[0].test}: ${results[0].message ?? ''}`;
}

async function runProvider(
  definition: ProviderDefinition,
  source: string,
  run: {
    /** A TypeScript provider: what loaded it (Node's type stripping, or tsx). */
    loadedWith?: string;
    cases: Case[];
    seed: number;
    runs: number;
    divergences: ReturnType<typeof loadDivergences>;
    options: Record<string, string>;
    timeoutMs: number;
    log: (line: string) => void;
    /** Alone on the terminal: a progress line may be drawn and redrawn. */
    live: boolean;
    realTimeSeconds?: number;
    replay?: Replay;
    allowDestructive: boolean;
  },
): Promise<ResultsFile> {
  const { log } = run;
  log(`\n▶ ${definition.id}: ${definition.title}`);
  if (run.loadedWith) log(`  ${source} loaded with ${run.loadedWith}`);
  const started = Date.now();
  const abort = new AbortController();
  const counts: Record<string, number> = {};
  let category = '';
  let lastError: string | undefined;
  let sameErrors = 0;
  const file = await runCases({
    provider: definition,
    source,
    cases: run.cases,
    seed: run.seed,
    runs: run.runs,
    kitVersion,
    divergences: run.divergences,
    defaultTimeoutMs: run.timeoutMs,
    ...(run.realTimeSeconds ? { realTimeSeconds: run.realTimeSeconds } : {}),
    ...(run.replay ? { replay: run.replay } : {}),
    allowDestructive: run.allowDestructive,
    start: async () => {
      log(`  starting ${definition.runtime} …`);
      const t0 = Date.now();
      return definition
        .start({ tmpDir: tempDir(definition.id), log: (line) => log(`  ${line}`), options: run.options, signal: abort.signal })
        .then((instance) => {
          log(`  started ${instance.runtime.name} ${instance.runtime.version} in ${Date.now() - t0} ms`);
          // The built-in runners count their own starts (runners/); a provider from outside the kit is counted here.
          if (source !== 'builtin') recordStart(definition.id, Date.now() - t0);
          return instance;
        });
    },
    onWarning: (message) => log(`  ⚠ ${message}`),
    onNote: (message) => log(`  ⏱ ${message}`),
    onResult(result, index, total) {
      counts[result.status] = (counts[result.status] ?? 0) + 1;
      // A provider that is not running errs every case with one message: print it once, then count.
      const repeated = result.status === 'ERROR' && result.message !== undefined && result.message === lastError;
      if (repeated) sameErrors++;
      else if (result.status !== 'PASS' && result.status !== 'SKIP') {
        if (result.category !== category) log(`  ${(category = result.category)}`);
        log(`    ${mark(result.status)} ${result.test} ${result.status}${result.message ? ': ' + result.message.split('\n')[0].slice(0, 240) : ''}`);
      }
      lastError = result.status === 'ERROR' ? result.message : undefined;
      if (run.live && process.stderr.isTTY) process.stderr.write(`    ${index + 1}/${total} ${result.test}\x1b[K\r`);
    },
  });
  if (sameErrors) log(`    ✖ … and ${sameErrors} more cases ERROR with the same message`);
  if (file.run_info.start_error) log(`  ✖ could not start: ${file.run_info.start_error}`);
  const parts = Object.entries(counts).map(([status, n]) => `${n} ${status}`);
  log(`  ${definition.id}: ${parts.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s${run.live && process.stderr.isTTY ? '\x1b[K' : ''}`);
  return file;
}

function mark(status: string): string {
  return status === 'EXPECTED_DIVERGENCE' ? '≠' : status === 'SKIP' ? '-' : '✖';
}

function unavailableFile(definition: ProviderDefinition, source: string, seed: number, runs: number, availability: { reason: string; enable: string }): ResultsFile {
  const now = new Date().toISOString();
  const info = baseRunInfo({ provider: definition, source, seed, runs, kitVersion }, newNamespace());
  return {
    format: RESULTS_FORMAT,
    run_info: { ...info, available: false, unavailable: { reason: availability.reason, enable: availability.enable } },
    time_start: now,
    time_end: now,
    results: [],
  };
}

/** The main job: run the suites against each selected provider and write one results file per provider. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProviderDefinition } from '../api/index.ts';
import { defaultIds, loadProvider, looksLikePath, readConfigFile, type LoadedProvider } from '../providers/registry.ts';
import { tempDir } from '../runners/process.ts';
import type { Case } from '../suites/case.ts';
import { loadDivergences, mergeDivergences } from '../suites/divergences.ts';
import { RESULTS_FORMAT, type CaseResult, type ResultsFile } from '../results/types.ts';
import { RESULTS_SCHEMA_PATH, validateResults } from '../results/validate.ts';
import { baseRunInfo, newNamespace, runCases } from '../suites/engine.ts';
import { UsageError, ensureDirFlag, intFlag, listFlag, type Parsed } from './args.ts';

export const RUN_FLAGS = ['provider', 'category', 'case', 'seed', 'runs', 'out', 'config', 'url', 'token-env', 'kind', 'timeout'];

const kitVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface RunSummary {
  files: string[];
  results: ResultsFile[];
  /**
   * Why the run cannot be trusted, one line per provider: named explicitly (or by path or config)
   * but unavailable here, or gave no verdict at all (did not start, or every case ended ERROR).
   */
  problems: string[];
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

export async function runMainJob(parsed: Parsed, log = (line: string) => process.stderr.write(line + '\n')): Promise<RunSummary> {
  const { flags } = parsed;
  const seed = intFlag(flags, 'seed', { min: 0, max: 2 ** 31 - 1 }) ?? Math.floor(Math.random() * 2 ** 31);
  const runs = intFlag(flags, 'runs', { min: 1, max: 100_000 }) ?? 50;
  const timeoutMs = (intFlag(flags, 'timeout', { min: 1, max: 3600 }) ?? 120) * 1000;
  const out = ensureDirFlag('out', resolve(flags.out ?? 'reports/out'));
  // Loading every case file takes a moment: only the commands that run cases pay for it.
  const { ALL_CASES, selectCases } = await import('../suites/cases/index.ts');
  const cases = selectCases({ categories: listFlag(flags.category), ids: listFlag(flags.case) });
  if (cases.length === 0) throw new UsageError(`no case matches --category=${flags.category ?? ''} --case=${flags.case ?? ''}`);
  const selection = await selectProviders(flags);
  const caseIds = ALL_CASES.map((c) => c.id);
  const divergences = mergeDivergences([loadDivergences(undefined, caseIds), ...selection.divergenceFiles.map((file) => loadDivergences(file, caseIds))], caseIds);
  const options: Record<string, string> = { ...flags };

  log(`kvparity ${kitVersion}: ${cases.length} cases × ${selection.loaded.length} providers (${selection.loaded.map((p) => p.definition.id).join(', ')})`);
  log(`seed ${seed}, ${runs} runs per property (replay with --seed=${seed} --runs=${runs})`);

  const summary: RunSummary = { files: [], results: [], problems: [] };
  for (const { definition, source } of selection.loaded) {
    const availability = definition.availability ? await definition.availability(options) : { available: true as const };
    let file: ResultsFile;
    if (!availability.available) {
      log(`\n✖ ${definition.id}: UNAVAILABLE on this machine: ${availability.reason}\n  enable it with: ${availability.enable}`);
      if (selection.named.has(definition.id)) summary.problems.push(`${definition.id} is unavailable here: ${availability.reason}; enable it with: ${availability.enable}`);
      file = unavailableFile(definition, source, seed, runs, availability);
    } else {
      file = await runProvider(definition, source, { cases, seed, runs, divergences, options, timeoutMs, log });
    }
    const path = join(out, `${definition.id}.json`);
    const problems = validateResults(file);
    if (problems.length) throw new Error(`internal error: results for ${definition.id} do not match ${RESULTS_SCHEMA_PATH}:\n${problems.join('\n')}`);
    writeFileSync(path, JSON.stringify(file, null, 2) + '\n');
    summary.files.push(path);
    summary.results.push(file);
    const noVerdict = noVerdictReason(file);
    if (noVerdict) summary.problems.push(noVerdict);
    log(`  → ${path}`);
  }
  return summary;
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
  run: { cases: Case[]; seed: number; runs: number; divergences: ReturnType<typeof loadDivergences>; options: Record<string, string>; timeoutMs: number; log: (line: string) => void },
): Promise<ResultsFile> {
  const { log } = run;
  log(`\n▶ ${definition.id}: ${definition.title}`);
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
    start: () => {
      log(`  starting ${definition.runtime} …`);
      const t0 = Date.now();
      return definition
        .start({ tmpDir: tempDir(definition.id), log: (line) => log(`  ${line}`), options: run.options, signal: abort.signal })
        .then((instance) => {
          log(`  started ${instance.runtime.name} ${instance.runtime.version} in ${Date.now() - t0} ms`);
          return instance;
        });
    },
    onRestart: (message) => log(`  ⚠ ${message}`),
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
      if (process.stderr.isTTY) process.stderr.write(`    ${index + 1}/${total} ${result.test}\x1b[K\r`);
    },
  });
  if (sameErrors) log(`    ✖ … and ${sameErrors} more cases ERROR with the same message`);
  if (file.run_info.start_error) log(`  ✖ could not start: ${file.run_info.start_error}`);
  const parts = Object.entries(counts).map(([status, n]) => `${n} ${status}`);
  log(`  ${definition.id}: ${parts.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s${process.stderr.isTTY ? "\x1b[K" : ""}`);
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

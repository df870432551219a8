/** kvparity's command line. User errors get a clear message and exit 2, never a stack trace. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProviderSpecError, builtinIds, defaultIds, loadProvider, orderedBuiltins } from '../providers/registry.ts';
import { categories } from '../suites/case-files.ts';
import { DivergenceFileError } from '../suites/divergences.ts';
import { UsageError, listFlag, parseArgs } from './args.ts';
import { RUN_FLAGS, isFailure, runMainJob, type RunSummary } from './run.ts';

/** The help text; the categories are the case files' names (suites/cases/NN-<category>.ts). */
async function usage(): Promise<string> {
  const { REPORT_FORMAT_NAMES } = await import('../reports/formats.ts');
  return `Usage: kvparity <command> [options]

Commands:
  init       scaffold a provider, kvparity.config.json, a known-divergences file and a CI workflow
  run        run the contract suites against providers and write results (the main job; npm start)
  test       run the suites and fail on any unexpected result (in the kit's repository, with
             built-in providers only, its own tests follow; npm test)
  providers  list providers and whether each can start on this machine
             (--ids: the ids --provider=all runs, as JSON, e.g. for a CI matrix)
  report     merge results files into parity.json, parity.md and parity.html
             (--format=LIST picks some: ${REPORT_FORMAT_NAMES.join(', ')})
  report diff <base.json> <head.json> [--fail-on-regression]
             regressions and improvements between two parity.json files, as Markdown
  divergences record --from=reports/out/<id>.json [--case=GLOB] [--to=FILE]
             record the FAILs of a run as known divergences, for you to review and link
  smoke      drive the demo app over HTTP (see smoke/README.md)
  bench      measure providers (see README "Benchmarks")

Options for run and test:
  --provider=LIST   ids, paths to provider files, "all" or "available" (comma-separated; default:
                    the config file's providers, else all)
  --category=LIST   only these categories (${wrap(categories().join(', '), 60, 20)})
  --case=GLOB       only cases whose id matches (e.g. "ttl.*"; comma-separated)
  --seed=N          replay a run's randomness (printed on every run)
  --runs=N          runs per property (default 50)
  --out=DIR         where results files go (default reports/out, in the current directory)
  --config=FILE     JSON {"providers": ["./my-provider.ts"], "divergences": ["./known.json"]}
                    (default ./kvparity.config.json if present)
  --url=URL         target bridge for the http provider (token from $KVPARITY_TOKEN)
  --timeout=SECONDS per case (default 120)
  --no-unit         test only: skip the kit's own unit tests
`;
}

/** Breaks `text` after commas into lines of at most `width`, continued at column `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines = [''];
  for (const word of text.split(' ')) {
    const line = lines[lines.length - 1];
    if (line && line.length + 1 + word.length > width) lines.push(word);
    else lines[lines.length - 1] = line ? `${line} ${word}` : word;
  }
  return lines.join('\n' + ' '.repeat(indent));
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(rest);
      case 'test':
        return await testCommand(rest);
      case 'providers':
        return await providersCommand(rest);
      case 'report':
        return await (await import('./report.ts')).reportCommand(rest);
      case 'init':
        return await (await import('./init.ts')).initCommand(rest);
      case 'divergences':
        return await (await import('./divergences.ts')).divergencesCommand(rest);
      case 'smoke':
        repositoryOnly('smoke');
        return await (await import('./smoke.ts')).smokeCommand(rest);
      case 'bench':
        repositoryOnly('bench');
        return await (await import('./bench.ts')).benchCommand(rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(await usage());
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`kvparity: ${error.message}\n\n${await usage()}`);
      return 2;
    }
    if (error instanceof ProviderSpecError || error instanceof DivergenceFileError) {
      process.stderr.write(`kvparity: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: RUN_FLAGS });
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const summary = await runMainJob(parsed);
  await writeReport(summary);
  printTotals(summary);
  return reportProblems(summary) ? 1 : 0;
}

/** Says, last, which providers gave no trustworthy verdict and why; true when there is any. */
function reportProblems(summary: RunSummary): boolean {
  for (const problem of summary.problems) process.stderr.write(`kvparity: ${problem}\n`);
  return summary.problems.length > 0;
}

async function testCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: RUN_FLAGS, booleans: ['no-unit'] });
  if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
  const summary = await runMainJob(parsed);
  const totals = printTotals(summary);
  // The kit's own tests belong to the kit's checkout, and only to runs of its built-in providers:
  // testing a provider given by path or by a config file runs the suites alone.
  const ownProvidersOnly = summary.results.every((file) => file.run_info.source === 'builtin');
  const unitCode = !parsed.booleans.has('no-unit') && ownProvidersOnly && existsSync(KIT_TESTS) ? runUnitTests(new Set(summary.results.map((file) => file.run_info.provider))) : 0;
  const problems = reportProblems(summary);
  return Math.max(problems || totals.failed > 0 ? 1 : 0, unitCode);
}

const KIT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const KIT_TESTS = join(KIT_ROOT, 'test');

/** smoke and bench drive the repository's demo app and built-in runtimes: the package leaves them out. */
function repositoryOnly(command: string): void {
  if (!existsSync(join(KIT_ROOT, command))) throw new UsageError(`kvparity ${command} is a tool of the kvparity repository, not of the installed package: run it from a clone`);
}

/** The kit's own tests; a file named after a provider (test/cloudflare.test.ts) runs only when that provider is selected. */
function runUnitTests(selected: Set<string>): number {
  const providerIds = new Set(builtinIds());
  const files = readdirSync(KIT_TESTS)
    .filter((name) => name.endsWith('.test.ts'))
    .filter((name) => {
      const subject = name.split('.')[0];
      return !providerIds.has(subject) || selected.has(subject);
    })
    .map((name) => `test/${name}`);
  if (files.length === 0) return 0;
  process.stderr.write(`\nkit tests: vitest run (${files.length} files)\n`);
  const vitest = join(KIT_ROOT, 'node_modules/vitest/vitest.mjs');
  const result = spawnSync(process.execPath, [vitest, 'run', ...files], { cwd: KIT_ROOT, stdio: 'inherit', env: { ...process.env, KVPARITY_PROVIDERS: [...selected].join(',') } });
  return result.status ?? 1;
}

async function providersCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: ['provider', 'url'], booleans: ['ids'] });
  if (parsed.booleans.has('ids')) {
    // The CI matrix: what --provider=all runs, as JSON.
    process.stdout.write(JSON.stringify(await defaultIds()) + '\n');
    return 0;
  }
  const ids = parsed.flags.provider ? listFlag(parsed.flags.provider) : (await orderedBuiltins()).map((definition) => definition.id);
  const idWidth = Math.max(...ids.map((id) => id.length));
  for (const id of ids) {
    const { definition } = await loadProvider(id);
    const availability = definition.availability ? await definition.availability() : { available: true as const };
    const caps = Object.entries(definition.capabilities)
      .filter(([, v]) => v !== false)
      .map(([k, v]) => (v === true ? k : `${k}=${v}`))
      .join(' ');
    process.stdout.write(`${availability.available ? '✔' : '✖'} ${definition.id.padEnd(idWidth)} ${definition.kind.padEnd(10)} ${definition.title}\n`);
    process.stdout.write(`    runtime: ${definition.runtime}; capabilities: ${caps}\n`);
    if (!availability.available) process.stdout.write(`    unavailable: ${availability.reason}\n    enable with: ${availability.enable}\n`);
  }
  return 0;
}

async function writeReport(summary: RunSummary): Promise<void> {
  await (await import('./report.ts')).reportFromFiles(summary.files);
}

function printTotals(summary: RunSummary): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  let other = 0;
  for (const file of summary.results) {
    for (const result of file.results) {
      if (isFailure(result.status)) failed++;
      else if (result.status === 'PASS' || result.status === 'EXPECTED_DIVERGENCE') passed++;
      else other++;
    }
  }
  process.stderr.write(`\nconformance: ${passed} passed, ${failed} failed, ${other} skipped (${summary.results.length} providers)\n`);
  return { passed, failed };
}

/** kvparity's command line. User errors get a clear message and exit 2, never a stack trace. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProviderSpecError, defaultIds, loadProvider, orderedBuiltins, readConfigFile } from '../providers/registry.ts';
import { categories } from '../suites/case-files.ts';
import { DivergenceFileError } from '../suites/divergences.ts';
import { exitOnSignals } from '../runners/process.ts';
import { UsageError, listFlag, parseArgs } from './args.ts';

/** The folder the commands' code runs from: the clone (or dist/ compiled from it), or the installed package's dist/. */
const CODE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** smoke and bench drive the repository's demo app and built-in runtimes: the installed package leaves them out, and so does its help. */
const inRepository = (command: 'smoke' | 'bench') => existsSync(join(CODE_ROOT, command));

/** The help text; the categories are the case files' names (suites/cases/NN-<category>.ts). */
async function usage(): Promise<string> {
  const { REPORT_FORMAT_NAMES } = await import('../reports/formats.ts');
  const repositoryTools = [
    ...(inRepository('smoke') ? ['  smoke      drive the demo app over HTTP (see smoke/README.md)'] : []),
    ...(inRepository('bench') ? ['  bench      measure providers (see README "Benchmarks")'] : []),
  ];
  return `Usage: kvparity <command> [options]   (kvparity <command> --help: that command's own)

Commands:
  init       scaffold a provider, kvparity.config.json, a known-divergences file and a CI workflow
  run        run the contract suites against providers and write results (the main job; npm start)
  test       run the suites and fail on any unexpected result (in the kit's repository, with
             built-in providers only, its own tests run beside them; npm run test:full,
             and npm test for its --quick)
  providers  list providers and whether each can start on this machine
             (--ids: the ids --provider=all runs, as JSON, e.g. for a CI matrix)
  report     merge results files into parity.json, parity.md and parity.html
             (--format=LIST picks some: ${REPORT_FORMAT_NAMES.join(', ')})
  report diff <base.json> <head.json> [--fail-on-regression]
             regressions and improvements between two parity.json files, as Markdown
  divergences record --from=reports/out/<id>.json [--case=GLOB] [--to=FILE]
             record the FAILs of a run as known divergences, for you to review and link
${repositoryTools.map((line) => line + '\n').join('')}
${runOptions()}`;
}

/** The options of run and test. */
function runOptions(): string {
  return `Options for run and test:
  --provider=LIST   ids, paths to provider files, "all" or "available" (comma-separated; default:
                    the config file's providers, else all)
  --category=LIST   only these categories (${wrap(categories().join(', '), 60, 20)})
  --case=GLOB       only cases whose id matches (e.g. "ttl.*"; comma-separated); a run of some
                    cases writes <id>.partial.json where a whole run's <id>.json is
  --seed=N          replay a run's randomness (printed on every run)
  --runs=N          runs per property (default 50; 10 with --quick)
  --quick           leave out the heavy cases (thousands of keys, values of many MiB) and make
                    10 runs per property: a quick check, not a parity report; test in the kit's
                    repository also leaves out its slow tests, test/*.slow.test.ts (npm test;
                    npm run test:full runs everything)
  --out=DIR         where results files go (default reports/out, in the current directory)
  --config=FILE     JSON {"providers": ["./my-provider.ts"], "divergences": ["./known.json"]}
                    (default ./kvparity.config.json if present)
  --url=URL         target bridge for the http provider (token from $KVPARITY_TOKEN)
  --timeout=SECONDS per case (default 120)
  --jobs=N          providers run at once (default: the number of processors); each keeps its
                    own runtime, its output is printed whole when it is done
  --shard=K/N       only the K-th of N equal slices of the selected cases (for CI jobs);
                    \`report\` merges the shards of a provider and names any that is missing
  --real-time=SECONDS
                    on a provider without a clock, run the cases that need time in real time,
                    side by side, in a phase of at most this long (a SKIP says what budget would
                    run it; labelled "measured in real time"); never by default
  --replay=SEED:PATH
                    reproduce a property failure (with --case=<its id>), as its results record it
  --allow-destructive
                    also run the probes that can crash a runtime against production and http
                    targets (on local runtimes they run last)
  --no-unit         test only: skip the kit's own unit tests
`;
}

/** `kvparity <command> --help`: that command's own usage. */
async function commandUsage(command: string): Promise<string | undefined> {
  switch (command) {
    case 'run':
      return `Usage: kvparity run [options]\n\nRuns the contract suites against each provider, writes one results file per provider and the\nparity report (parity.json, parity.md, parity.html) beside them.\n\n${runOptions()}`;
    case 'test':
      return `Usage: kvparity test [options]\n\nRuns the suites and exits 1 on any unexpected result (FAIL, ERROR, TIMEOUT, a recorded divergence\nthat no longer happens, a named provider that cannot start).\n\n${runOptions()}`;
    case 'providers':
      return `Usage: kvparity providers [--provider=LIST] [--config=FILE] [--ids]\n\nLists providers and whether each can start here, with the command that enables one that cannot:\nthe built-ins and the config file's providers (default ./kvparity.config.json), or those named.\n\n  --provider=LIST   ids or paths to provider files (comma-separated)\n  --config=FILE     the config file whose providers are listed too\n  --ids             the ids --provider=all runs, as JSON (e.g. for a CI matrix)\n`;
    case 'report': {
      const { REPORT_FORMAT_NAMES } = await import('../reports/formats.ts');
      return `Usage: kvparity report [--in=DIR_OR_FILES] [--out=DIR] [--format=LIST] [FILES...]\n       kvparity report diff <base.json> <head.json> [--fail-on-regression]\n\nMerges results files (default: reports/out; a directory's *.partial.json are left out) into\nparity.json, parity.md and parity.html; diff lists regressions and improvements as Markdown.\n\n  --in=LIST         directories or results files (comma-separated)\n  --out=DIR         where the report goes (default reports/out)\n  --format=LIST     ${REPORT_FORMAT_NAMES.join(', ')} (default: all)\n  --fail-on-regression\n                    diff: exit 1 when a case regressed\n`;
    }
    case 'init':
      return `Usage: kvparity init [--id=ID]\n\nScaffolds, in the current directory, kvparity/provider.ts, kvparity.config.json,\nkvparity/known-divergences.json and .github/workflows/kvparity.yml (never over an existing file).\n\n  --id=ID           the provider's id (default: from package.json's name or the directory's)\n`;
    case 'divergences':
      return (await import('./divergences.ts')).DIVERGENCES_USAGE;
    case 'smoke':
      return inRepository('smoke') ? (await import('./smoke.ts')).SMOKE_USAGE : undefined;
    case 'bench':
      return inRepository('bench') ? `Usage: kvparity bench [--provider=LIST] [--ops=N] [--out=DIR] [--no-test-run] [--url=URL]\n\nMeasures each provider (start time, operations per second through the kit and inside the runtime,\nbatches, suite wall times) and then a whole npm run test:full; writes reports/out/bench.json and bench.md.\n` : undefined;
    default:
      return undefined;
  }
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
  // `kvparity <command> --help` (or `divergences record --help`): the command's own usage.
  if (rest.includes('--help') || rest.includes('-h')) {
    const own = await commandUsage(command);
    if (own !== undefined) {
      process.stdout.write(own);
      return 0;
    }
  }
  try {
    switch (command) {
      // Each command's module loads when it runs: a bad flag is answered without loading the suites.
      case 'run':
        return await (await import('./run.ts')).runCommand(rest);
      case 'test':
        return await (await import('./test.ts')).testCommand(rest);
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

/**
 * kvparity as a process (bin): what belongs to a command line and never to an import of the kit.
 * Signals end the run with 130 or 143 and stop its runtimes; the exit code is main()'s; and nothing
 * a provider left behind (a child spawned before a failed start, an open socket) may keep the
 * process alive once its work is done: it exits, and the exit hook in runners/process.ts kills
 * the children it tracks.
 */
export async function commandLine(argv: string[]): Promise<void> {
  exitOnSignals();
  // A reader that stops early (`kvparity providers | head -1`) ends the command quietly, not with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  quietProviderParseWarnings();
  process.exitCode = await main(argv);
  setTimeout(() => process.exit(), 500).unref();
}

/**
 * Node warns when it parses a file one way and then the other (ES module syntax in a package
 * without "type", or in a CommonJS one): a provider file is loaded the way that works, and the run
 * says how (providers/registry.ts), so those two warnings are left out; every other is printed.
 */
function quietProviderParseWarnings(): void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string }) => {
    if (warning.code === 'MODULE_TYPELESS_PACKAGE_JSON' || warning.message.startsWith('Failed to load the ES module')) return;
    for (const print of printers) print(warning);
  });
}

/** smoke and bench drive the repository's demo app and built-in runtimes: the package leaves them out. */
function repositoryOnly(command: 'smoke' | 'bench'): void {
  if (!inRepository(command)) throw new UsageError(`kvparity ${command} is a tool of the kvparity repository, not of the installed package: run it from a clone`);
}

async function providersCommand(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv, { values: ['provider', 'url', 'config'], booleans: ['ids'] });
  if (parsed.booleans.has('ids')) {
    // The CI matrix: what --provider=all runs, as JSON.
    process.stdout.write(JSON.stringify(await defaultIds()) + '\n');
    return 0;
  }
  // The config file's providers (default ./kvparity.config.json: what a bare run tests) first, then the built-ins.
  const configPath = resolve(parsed.flags.config ?? 'kvparity.config.json');
  if (parsed.flags.config && !existsSync(configPath)) throw new UsageError(`config file not found: ${configPath}`);
  const configured = existsSync(configPath) ? readConfigFile(configPath).providers : [];
  const ids = parsed.flags.provider ? listFlag(parsed.flags.provider) : [...configured, ...(await orderedBuiltins()).map((definition) => definition.id)];
  // Each provider's checks (a package to import, a binary to ask its version) at once; printed in order.
  const loads = ids.map((id) => loadProvider(id));
  const checked = loads.map(async (load) => {
    const loaded = await load;
    return { ...loaded, availability: loaded.definition.availability ? await loaded.definition.availability() : { available: true as const } };
  });
  // A provider that fails to load is reported when its turn comes, not as an unhandled rejection before it.
  for (const pending of checked) pending.catch(() => {});
  // The id column as wide as the longest id a provider declares (a config file names files, not ids).
  const declared = await Promise.allSettled(loads);
  const idWidth = Math.max(...declared.map((load, i) => (load.status === 'fulfilled' ? load.value.definition.id : ids[i]).length));
  for (const pending of checked) {
    const { definition, loadedWith, availability } = await pending;
    const caps = Object.entries(definition.capabilities)
      .filter(([, v]) => v !== false)
      .map(([k, v]) => (v === true ? k : `${k}=${v}`))
      .join(' ');
    process.stdout.write(`${availability.available ? '✔' : '✖'} ${definition.id.padEnd(idWidth)} ${definition.kind.padEnd(10)} ${definition.title}\n`);
    process.stdout.write(`    runtime: ${definition.runtime}; capabilities: ${caps}\n`);
    if (loadedWith) process.stdout.write(`    loaded with: ${loadedWith}\n`);
    if (!availability.available) process.stdout.write(`    unavailable: ${availability.reason}\n    enable with: ${availability.enable}\n`);
  }
  return 0;
}

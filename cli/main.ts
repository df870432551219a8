/** kvparity's command line. User errors get a clear message and exit 2, never a stack trace. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProviderSpecError, defaultIds, loadProvider, orderedBuiltins } from '../providers/registry.ts';
import { categories } from '../suites/case-files.ts';
import { DivergenceFileError } from '../suites/divergences.ts';
import { exitOnSignals } from '../runners/process.ts';
import { UsageError, listFlag, parseArgs } from './args.ts';

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
  --jobs=N          providers run at once (default: the number of processors); each keeps its
                    own runtime, its output is printed whole when it is done
  --shard=K/N       only the K-th of N equal slices of the selected cases (for CI jobs);
                    \`report\` merges the shards of a provider and names any that is missing
  --real-time=SECONDS
                    a total real-time budget: on a provider without a clock, measure how late
                    expiry comes by waiting (labelled "measured in real time"); never by default
  --replay=SEED:PATH
                    reproduce a property failure (with --case=<its id>), as its results record it
  --allow-destructive
                    also run the probes that can crash a runtime against production and http
                    targets (on local runtimes they run last)
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
  // `kvparity run --help` as `kvparity --help` (smoke and divergences print usages of their own).
  if (command !== 'smoke' && command !== 'divergences' && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(await usage());
    return 0;
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

/** The folder the commands' code runs from: the clone (or dist/ compiled from it), or the installed package's dist/. */
const CODE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** smoke and bench drive the repository's demo app and built-in runtimes: the package leaves them out. */
function repositoryOnly(command: string): void {
  if (!existsSync(join(CODE_ROOT, command))) throw new UsageError(`kvparity ${command} is a tool of the kvparity repository, not of the installed package: run it from a clone`);
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
  // Each provider's checks (a package to import, a binary to ask its version) at once; printed in order.
  const checked = ids.map(async (id) => {
    const loaded = await loadProvider(id);
    return { ...loaded, availability: loaded.definition.availability ? await loaded.definition.availability() : { available: true as const } };
  });
  // A provider that fails to load is reported when its turn comes, not as an unhandled rejection before it.
  for (const pending of checked) pending.catch(() => {});
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

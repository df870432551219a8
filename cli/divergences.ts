/**
 * `kvparity divergences record --from=reports/out/<id>.json [--case=GLOB] [--to=FILE]`: writes
 * known-divergence entries for the FAILs of a run, with what that run observed, for the author
 * to review and give each its link.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { readConfigFile } from '../providers/registry.ts';
import type { ResultsFile } from '../results/types.ts';
import { validateResults } from '../results/validate.ts';
import { LINK_TODO, casePatterns, loadDivergences, recordDivergences, type KnownDivergence } from '../suites/divergences.ts';
import { UsageError, listFlag, parseArgs } from './args.ts';

export const DIVERGENCES_USAGE = `Usage: kvparity divergences record --from=FILE [--case=GLOB] [--to=FILE] [--config=FILE]

Writes known-divergence entries for the FAILs in a results file (reports/out/<provider>.json),
with the values that run observed: one entry per way of failing, covering every case that failed
that way. Review each entry and give it its link; kvparity refuses the file until every entry has one.

  --from=FILE    the results file of a run
  --case=GLOB    only these cases (e.g. "values.*"; comma-separated)
  --to=FILE      the known-divergences file to add to (default: the one kvparity.config.json lists)
  --config=FILE  the config file to find it in (default ./kvparity.config.json)
`;

export async function divergencesCommand(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  if (subcommand === undefined || subcommand === '--help' || subcommand === 'help') {
    process.stdout.write(DIVERGENCES_USAGE);
    return subcommand === undefined ? 2 : 0;
  }
  if (subcommand !== 'record') throw new UsageError(`unknown divergences command "${subcommand}" (there is "record")`);
  const { flags, positionals } = parseArgs(rest, { values: ['from', 'case', 'to', 'config'] });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!flags.from) throw new UsageError('divergences record needs --from=reports/out/<provider>.json, the results file of a run');

  const file = readResultsFile(resolve(flags.from));
  const target = targetFile(flags);
  const existing = existsSync(target) ? readEntries(target) : [];
  const globs = listFlag(flags.case);
  // The kit's own entries count too: a built-in's divergence recorded there is not recorded again.
  const { ALL_CASES } = await import('../suites/cases/index.ts');
  const { entries, failingOtherwise } = recordDivergences(file, [...loadDivergences(undefined, ALL_CASES.map((c) => c.id)), ...existing], globs);

  const shown = relative(process.cwd(), target) || target;
  for (const id of failingOtherwise) process.stderr.write(`not recorded: ${id} has an entry already, but failed otherwise than it says: compare its "observed" with the results file and edit the entry\n`);
  if (entries.length === 0) {
    process.stdout.write(`nothing to record: ${flags.from} has no FAIL${globs.length ? ` among ${globs.join(', ')}` : ''} that ${shown} does not already cover\n`);
    return 0;
  }
  writeFileSync(target, JSON.stringify([...existing, ...entries], null, 2) + '\n');
  process.stdout.write(`recorded ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} for ${file.run_info.provider} in ${shown}:\n`);
  for (const entry of entries) process.stdout.write(`  ${casePatterns(entry).join(', ')}: ${JSON.stringify(entry.observed ?? { message: entry.message })}\n`);
  process.stdout.write(`\nNext: check each entry, and replace its link "${LINK_TODO}" with the upstream issue or\ndocumentation that explains the difference (kvparity refuses the file until every entry has one).\nEntries that share one root cause can be one entry: "case" takes a list or a glob of case ids.\n`);
  return 0;
}

function readResultsFile(path: string): ResultsFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--from=${path} is not a readable results file: ${(error as Error).message}`);
  }
  const problems = validateResults(data);
  if (problems.length) throw new UsageError(`--from=${path} is not a kvparity results file:\n  - ${problems.slice(0, 5).join('\n  - ')}`);
  return data as ResultsFile;
}

/** --to, else the one known-divergences file the config file lists. */
function targetFile(flags: Record<string, string>): string {
  if (flags.to) return resolve(flags.to);
  const configPath = resolve(flags.config ?? 'kvparity.config.json');
  if (!existsSync(configPath)) throw new UsageError(`no --to=FILE and no config file at ${configPath}: name the known-divergences file to write`);
  const { divergences } = readConfigFile(configPath);
  if (divergences.length !== 1) throw new UsageError(`${configPath} lists ${divergences.length} known-divergences files: name the one to write with --to=FILE`);
  return divergences[0];
}

/** The file's entries as they are, links still to be given included (loading them for a run would refuse those). */
function readEntries(path: string): KnownDivergence[] {
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${path} is not readable JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new UsageError(`${path} must hold a JSON array of known-divergence entries`);
  return entries as KnownDivergence[];
}

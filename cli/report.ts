/**
 * `kvparity report [--in=DIR_OR_FILES] [--out=DIR] [--format=json,md,html] [FILES...]` and
 * `kvparity report diff BASE HEAD`; `kvparity run` calls reportFromFiles.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { diffParity, readParity, renderDiff } from '../reports/diff.ts';
import { REPORT_FORMATS, REPORT_FORMAT_NAMES, isReportFormat, type ReportFormatName } from '../reports/formats.ts';
import { ReportInputError, readResults, readSmoke, resolveInputs, smokeFilesIn } from '../reports/load.ts';
import { buildParity } from '../reports/parity.ts';
import { shardSentence } from '../reports/marks.ts';
import { renderSummary } from '../reports/summary.ts';
import { validateParity } from '../reports/validate.ts';
import type { LoadedResults, Parity } from '../reports/types.ts';
import { readConfigFile } from '../providers/registry.ts';
import { DivergenceFileError, findDivergence, loadDivergences, type KnownDivergence } from '../suites/divergences.ts';
import { UsageError, listFlag, parseArgs } from './args.ts';

const DEFAULT_DIR = 'reports/out';

export async function reportCommand(argv: string[]): Promise<number> {
  try {
    if (argv[0] === 'diff') return diffCommand(argv.slice(1));
    const parsed = parseArgs(argv, { values: ['in', 'out', 'format', 'config'] });
    const inputs = [...listFlag(parsed.flags.in), ...parsed.positionals];
    const formats = parsed.flags.format === undefined ? REPORT_FORMAT_NAMES : listFlag(parsed.flags.format);
    const unknown = formats.find((name) => !isReportFormat(name));
    if (unknown !== undefined || formats.length === 0) throw new UsageError(`--format takes ${REPORT_FORMAT_NAMES.join(', ')} (comma-separated), got "${parsed.flags.format}"`);
    const written = writeReport(inputs.length ? inputs : [DEFAULT_DIR], resolve(parsed.flags.out ?? DEFAULT_DIR), [], formats as ReportFormatName[], currentDivergences(parsed.flags.config));
    process.stdout.write(renderSummary(written.parity, written.paths));
    // A report missing a shard is written (it says so), but it is not the whole run: exit 1.
    const incomplete = (written.parity.merge.shards ?? []).filter((note) => note.missing.length);
    for (const note of incomplete) process.stderr.write(`kvparity report: ${shardSentence(note)}\n`);
    return incomplete.length ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    process.stderr.write(`kvparity report: ${error.message}\n`);
    return 2;
  }
}

/** Called by `kvparity run` with the files it wrote; the report goes next to them unless outDir is given. */
export async function reportFromFiles(files: string[], outDir?: string): Promise<void> {
  if (files.length === 0) return;
  const written = writeReport(files, resolve(outDir ?? dirname(files[0])), [...new Set(files.map((f) => dirname(resolve(f))))]);
  process.stderr.write('\n' + renderSummary(written.parity, written.paths));
}

function diffCommand(argv: string[]): number {
  const parsed = parseArgs(argv, { values: [], booleans: ['fail-on-regression'] });
  if (parsed.positionals.length !== 2) throw new UsageError(`report diff takes two parity.json files (base and head), got ${parsed.positionals.length}`);
  const [basePath, headPath] = parsed.positionals.map((p) => resolve(p));
  const diff = diffParity(readParity(basePath), readParity(headPath));
  process.stdout.write(renderDiff(diff, { base: parsed.positionals[0], head: parsed.positionals[1] }));
  return parsed.booleans.has('fail-on-regression') && diff.regressions.length > 0 ? 1 : 0;
}

/**
 * The known divergences as their files say now (the kit's, and the config file's: --config, or
 * ./kvparity.config.json): a note or link edited after the run shows in the report. A file that
 * cannot be loaded leaves the notes the results carry, with a warning.
 */
function currentDivergences(config: string | undefined): KnownDivergence[] {
  const configPath = resolve(config ?? 'kvparity.config.json');
  if (config && !existsSync(configPath)) throw new UsageError(`config file not found: ${configPath}`);
  try {
    const files = existsSync(configPath) ? readConfigFile(configPath).divergences : [];
    return [...loadDivergences(), ...files.flatMap((file) => loadDivergences(file))];
  } catch (error) {
    if (!(error instanceof DivergenceFileError)) throw error;
    process.stderr.write(`kvparity report: the notes are the run's: ${error.message}\n`);
    return [];
  }
}

/** Each recorded divergence's link and note as the divergence files give them now. */
function withCurrentNotes(loaded: LoadedResults[], divergences: KnownDivergence[]): LoadedResults[] {
  if (divergences.length === 0) return loaded;
  return loaded.map(({ path, file }) => {
    const { provider, platform, kind } = file.run_info;
    const ids = [provider, kind === 'production' ? `${platform}@production` : platform];
    const results = file.results.map((result) => {
      if (!result.divergence) return result;
      const entry = ids.map((id) => findDivergence(divergences, result.test, id)).find(Boolean);
      if (!entry) return result;
      const { note: _stale, ...rest } = result.divergence;
      return { ...result, divergence: { ...rest, link: entry.link, ...(entry.note ? { note: entry.note } : {}) } };
    });
    return { path, file: { ...file, results } };
  });
}

/** Reads and merges results, and writes the report in each format (all by default). `smokeDirs` adds directories to look for smoke files in. */
export function writeReport(inputs: string[], outDir: string, smokeDirs: string[] = [], formats: ReportFormatName[] = REPORT_FORMAT_NAMES, divergences: KnownDivergence[] = []): { parity: Parity; paths: string[] } {
  const resolved = resolveInputs(inputs);
  const extraSmoke = smokeDirs.flatMap(smokeFilesIn);
  const loaded = withCurrentNotes(resolved.results.map(readResults), divergences);
  const smoke = [...new Set([...resolved.smoke, ...extraSmoke])].map(readSmoke);
  const parity = buildParity(loaded, smoke);
  const problems = validateParity(parity);
  if (problems.length) throw new Error(`internal error: parity.json does not match reports/parity.schema.json:\n${problems.join('\n')}`);

  mkdirSync(outDir, { recursive: true });
  const paths = formats.map((name) => {
    const { file, render } = REPORT_FORMATS[name];
    writeFileSync(join(outDir, file), render(parity));
    return join(outDir, file);
  });
  return { parity, paths };
}

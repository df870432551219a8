/** Finds and reads results files (and smoke files) from the directories and files given. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { RESULTS_FORMAT, type ResultsFile } from '../results/types.ts';
import { RESULTS_SCHEMA_PATH, isResultsFormat, otherFormatVersion, validateResults } from '../results/validate.ts';
import type { LoadedResults, SmokeCheck, SmokeReport } from './types.ts';

/** Bad input to the report: the message names the file and what is wrong with it. */
export class ReportInputError extends Error {}

const isSmokeFile = (name: string) => /^smoke-.*\.json$/.test(name);
/** Other tools' outputs that share reports/out: never results. */
const isOtherOutput = (name: string) => /^(parity|bench|timing)([-.].*)?\.json$/.test(name);
/** A run of some cases written beside a whole run's results (cli/run.ts): a directory's report is of the whole run; name the file to report it. */
const isPartialBeside = (name: string) => name.endsWith('.partial.json');

export interface Inputs {
  results: string[];
  smoke: string[];
}

/**
 * Every `*.json` in a directory is a results file unless its name or its
 * `format` says it is something else (parity.json, smoke-*.json, bench*.json, timing.json).
 * A file named explicitly must be a results file.
 */
export function resolveInputs(specs: string[]): Inputs {
  const results: string[] = [];
  const smoke = new Set<string>();
  for (const spec of specs) {
    const path = resolve(spec);
    if (!existsSync(path)) throw new ReportInputError(`input not found: ${path}`);
    if (statSync(path).isDirectory()) {
      const names = readdirSync(path).filter((name) => name.endsWith('.json')).sort();
      for (const name of names) {
        if (isSmokeFile(name)) smoke.add(join(path, name));
        else if (!isOtherOutput(name) && !isPartialBeside(name) && declaredFormat(join(path, name)) !== 'other') results.push(join(path, name));
      }
    } else {
      results.push(path);
    }
  }
  const unique = [...new Set(results)];
  if (unique.length === 0) throw new ReportInputError(`no results files (*.json with "format": "${RESULTS_FORMAT}") in ${specs.map((s) => resolve(s)).join(', ')}`);
  return { results: unique, smoke: [...smoke] };
}

/**
 * 'other' only when the file is JSON whose `format` names something else than results; a results
 * file of another format version is 'results', so readResults refuses it by name instead of skipping it.
 */
function declaredFormat(path: string): 'results' | 'other' | 'unclear' {
  try {
    const format = (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown })?.format;
    if (isResultsFormat(format)) return 'results';
    return typeof format === 'string' ? 'other' : 'unclear';
  } catch {
    return 'unclear';
  }
}

/** Smoke files (smoke-<provider>.json) in a directory, if it exists. */
export function smokeFilesIn(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir).filter(isSmokeFile).sort().map((name) => join(dir, name));
}

export function readResults(path: string): LoadedResults {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ReportInputError(`${path} is not a results file: it is not JSON (${(error as Error).message})`);
  }
  const otherVersion = otherFormatVersion(data);
  if (otherVersion) throw new ReportInputError(`${path} cannot be merged: ${otherVersion}`);
  const problems = validateResults(data);
  if (problems.length) {
    const shown = problems.slice(0, 8).map((p) => `  - ${p}`).join('\n');
    const more = problems.length > 8 ? `\n  … ${problems.length - 8} more` : '';
    throw new ReportInputError(`${path} is not a kvparity results file (${RESULTS_SCHEMA_PATH}):\n${shown}${more}`);
  }
  return { path, file: data as ResultsFile };
}

/** Smoke files are written by another tool; they are shown as they are, so read them leniently. */
export function readSmoke(path: string): SmokeReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ReportInputError(`${path} is not JSON (${(error as Error).message})`);
  }
  const record = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const list = Array.isArray(data) ? data : Array.isArray(record.checks) ? record.checks : Array.isArray(record.results) ? record.results : null;
  if (!list) throw new ReportInputError(`${path} is not a smoke file: expected an array of checks or {"checks": [...]}`);
  const checks: SmokeCheck[] = list.map((item: unknown, index: number) => {
    const check = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const detail = check.detail ?? check.message;
    return {
      name: typeof check.name === 'string' ? check.name : `check ${index + 1}`,
      status: typeof check.status === 'string' ? check.status : check.ok === true ? 'PASS' : check.ok === false ? 'FAIL' : 'UNKNOWN',
      ...(detail !== undefined ? { detail: typeof detail === 'string' ? detail : JSON.stringify(detail) } : {}),
    };
  });
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const provider = text(record.provider) ?? text(record.target) ?? basename(path).replace(/^smoke-|\.json$/g, '');
  const baseUrl = text(record.base_url);
  const ended = text(record.ended);
  const pinned = (record.contract && typeof record.contract === 'object' ? record.contract : {}) as Record<string, unknown>;
  const contract = text(pinned.source) && text(pinned.commit) ? { source: text(pinned.source)!, commit: text(pinned.commit)! } : undefined;
  return { file: path, provider, ...(baseUrl ? { base_url: baseUrl } : {}), ...(ended ? { ended } : {}), ...(contract ? { contract } : {}), checks };
}

/**
 * Known divergences are data (known-divergences/<provider>.json, one file per provider):
 * cases + provider → the expected observation and a link, one entry per root cause. A case that
 * behaves as recorded is EXPECTED_DIVERGENCE; one that no longer diverges FAILs too, so the file
 * never goes stale silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { isSeeded } from './case.ts';
import type { CaseResult, ResultsFile } from '../results/types.ts';
import { matchesCaseId } from './case-glob.ts';

export interface KnownDivergence {
  /**
   * The cases one root cause makes diverge: a case id, a glob of ids ("pagination.walk.*"), or a
   * list of them. `observed` and `message` then hold for each of those cases.
   */
  case: string | string[];
  provider: string;
  /** Fields of the observation that must match (a string starting and ending with "/" is a regex). */
  observed?: Record<string, unknown>;
  /** Regex the failure message must match. */
  message?: string;
  /** An upstream issue or doc. */
  link: string;
  note?: string;
  /**
   * The divergence shows in some runs only (Redis's SCAN order follows a hash seed
   * drawn at each server start): a PASS is then accepted and keeps the link.
   */
  intermittent?: boolean;
  /** Where the entry was read from (not part of the file format). */
  file?: string;
}

/** A known-divergences file that cannot be used as it is: the message says which entry and why. */
export class DivergenceFileError extends Error {}

const KIT_DIR = fileURLToPath(new URL('../', import.meta.url));
const KIT_FILES = new URL('./known-divergences/', import.meta.url);

/**
 * The kit's own known divergences: suites/known-divergences/<provider>.json, one file per
 * provider, each holding entries for that provider (and for `<provider>@production`, a deployed
 * target of the same platform). Given a path, only that file (a config file's, for outside providers).
 * Given the case ids (the case files load only for commands that run cases), a pattern that matches
 * none of them is refused, and so is a glob that covers a case another entry covers.
 */
export function loadDivergences(path?: URL | string, caseIds: readonly string[] = []): KnownDivergence[] {
  const files = path !== undefined ? [path] : readdirSync(KIT_FILES).filter((name) => name.endsWith('.json')).sort().map((name) => new URL(name, KIT_FILES));
  const list: KnownDivergence[] = [];
  for (const file of files) {
    const filePath = file instanceof URL ? fileURLToPath(file) : file;
    const name = path === undefined ? basename(filePath) : relative(process.cwd(), filePath) || filePath;
    const owner = path === undefined ? name.replace(/\.json$/, '') : undefined;
    let entries: KnownDivergence[];
    try {
      entries = JSON.parse(readFileSync(file, 'utf8')) as KnownDivergence[];
    } catch (error) {
      throw new DivergenceFileError(`${name}: not readable JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(entries)) throw new DivergenceFileError(`${name}: must hold a JSON array of entries`);
    for (const entry of entries) {
      if (!entry.case || !entry.provider || !entry.link) throw new DivergenceFileError(`${name}: every entry needs case, provider and link: ${JSON.stringify(entry)}`);
      const patterns = casePatterns(entry);
      if (patterns.length === 0 || !patterns.every((pattern) => typeof pattern === 'string' && pattern !== '')) throw new DivergenceFileError(`${name}: "case" must be a case id, a glob or a list of them: ${JSON.stringify(entry)}`);
      const unmatched = caseIds.length ? patterns.find((pattern) => idsMatching(pattern, caseIds).length === 0) : undefined;
      if (unmatched) throw new DivergenceFileError(`${name}: "${unmatched}" matches no case id (a typo, or a case renamed; ids are in the results files): ${JSON.stringify(entry)}`);
      if (!/^https?:\/\//.test(entry.link)) throw new DivergenceFileError(`${name}: the entry for ${patterns.join(', ')} needs a link to the upstream issue or documentation that explains it (it says "${entry.link}")`);
      if (entry.intermittent !== undefined && typeof entry.intermittent !== 'boolean') throw new DivergenceFileError(`${name}: "intermittent" must be true or false: ${JSON.stringify(entry)}`);
      if (owner && entry.provider !== owner && entry.provider !== `${owner}@production`) throw new DivergenceFileError(`${name}: holds the divergences of ${owner}, not of ${entry.provider}: ${JSON.stringify(entry)}`);
      const twice = recordedTwice(list, entry, caseIds);
      if (twice) throw new DivergenceFileError(`${name}: ${twice} on ${entry.provider} is recorded twice`);
      list.push({ ...entry, file: filePath.startsWith(KIT_DIR) ? relative(KIT_DIR, filePath) : filePath });
    }
  }
  return list;
}

export const casePatterns = (entry: Pick<KnownDivergence, 'case'>): string[] => (Array.isArray(entry.case) ? entry.case : [entry.case]);

/** Does the entry cover this case? */
export const coversCase = (entry: Pick<KnownDivergence, 'case'>, caseId: string): boolean => casePatterns(entry).some((pattern) => matchesCaseId(pattern, caseId));

/** The entry that covers this case on this provider (the first, should two cover it). */
export function findDivergence(list: KnownDivergence[], caseId: string, providerId: string): KnownDivergence | undefined {
  return list.find((entry) => entry.provider === providerId && casePatterns(entry).some((pattern) => matchesCaseId(pattern, caseId)));
}

/**
 * A case pattern of `entry` that an earlier entry for the same provider already names, or else a
 * case id both cover (a glob overlapping an id), or undefined.
 */
function recordedTwice(list: KnownDivergence[], entry: KnownDivergence, caseIds: readonly string[]): string | undefined {
  const earlier = list.filter((other) => other.provider === entry.provider);
  const named = new Set(earlier.flatMap(casePatterns));
  const twice = casePatterns(entry).find((pattern) => named.has(pattern));
  if (twice || caseIds.length === 0) return twice;
  const coveredBefore = earlier.map((other) => coveredIds(other, caseIds));
  return [...coveredIds(entry, caseIds)].find((id) => coveredBefore.some((ids) => ids.has(id)));
}

/** The case ids an entry covers, found once per entry (every entry is checked against the ones before it). */
const coverage = new WeakMap<KnownDivergence, { of: readonly string[]; ids: Set<string> }>();
function coveredIds(entry: KnownDivergence, caseIds: readonly string[]): Set<string> {
  let known = coverage.get(entry);
  if (known?.of !== caseIds) coverage.set(entry, (known = { of: caseIds, ids: new Set(casePatterns(entry).flatMap((pattern) => idsMatching(pattern, caseIds))) }));
  return known.ids;
}

/** The ids a pattern matches: an exact id is looked up, a glob is matched against each. */
const idSets = new WeakMap<readonly string[], Set<string>>();
function idsMatching(pattern: string, caseIds: readonly string[]): string[] {
  if (pattern.includes('*')) return caseIds.filter((id) => matchesCaseId(pattern, id));
  let ids = idSets.get(caseIds);
  if (!ids) idSets.set(caseIds, (ids = new Set(caseIds)));
  return ids.has(pattern) ? [pattern] : [];
}

/**
 * Does what happened match the recorded divergence? `message` is looked for in the failure message
 * and in the store's own error text in the observation (a probe's message shows the observation
 * cut short, as JSON).
 */
export function matchesDivergence(entry: KnownDivergence, observed: unknown, message: string): boolean {
  if (entry.message !== undefined) {
    const pattern = new RegExp(entry.message);
    const text = storeErrorText(observed, message);
    if (!pattern.test(message) && !(text !== undefined && pattern.test(text))) return false;
  }
  if (entry.observed !== undefined && !matchesPartial(observed, entry.observed)) return false;
  return true;
}

/** Every field in `expected` equals the one in `actual` (recursively); "/re/" strings are regexes. */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'string' && expected.length > 1 && expected.startsWith('/') && expected.endsWith('/')) {
    return typeof actual === 'string' && new RegExp(expected.slice(1, -1)).test(actual);
  }
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if (!actual || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([key, value]) => matchesPartial((actual as Record<string, unknown>)[key], value));
  }
  return isDeepStrictEqual(actual, expected);
}

/** Joins divergence lists from several files; one case and provider recorded twice is an error. */
export function mergeDivergences(lists: KnownDivergence[][], caseIds: readonly string[] = []): KnownDivergence[] {
  const merged: KnownDivergence[] = [];
  for (const entry of lists.flat()) {
    const twice = recordedTwice(merged, entry, caseIds);
    if (twice) throw new DivergenceFileError(`known divergences: ${twice} on ${entry.provider} is recorded twice`);
    merged.push(entry);
  }
  return merged;
}

/** A recorded divergence turns a FAIL that matches it into EXPECTED_DIVERGENCE, and one that no longer happens into a FAIL. */
export function applyDivergence(result: CaseResult, divergences: KnownDivergence[], providerIds: string[]): CaseResult {
  const entry = providerIds.map((id) => findDivergence(divergences, result.test, id)).find(Boolean);
  if (!entry) return result;
  const divergence = { link: entry.link, ...(entry.note ? { note: entry.note } : {}) };
  if (result.status === 'FAIL' && matchesDivergence(entry, result.observed, result.message)) {
    return { ...result, status: 'EXPECTED_DIVERGENCE', divergence };
  }
  if (result.status === 'PASS') {
    // Recorded as showing in some runs only; or a property or model run, which samples: finding
    // nothing in its runs proves no fix. The rule's deterministic example case says whether there is one.
    if (entry.intermittent || isSeeded(result)) return { ...result, divergence };
    const remove = casePatterns(entry).length === 1 && casePatterns(entry)[0] === result.test ? 'remove the entry' : `take ${result.test} out of its entry (case ${JSON.stringify(entry.case)})`;
    return { ...result, status: 'FAIL', divergence, message: `a known divergence (${entry.link}) was not observed: the provider now meets the contract here, so ${remove} in ${entry.file ?? 'its known-divergences file'}` };
  }
  if (result.status === 'FAIL') {
    return { ...result, divergence, message: `${result.message} (a divergence is recorded for this case, but not this one)` };
  }
  return result;
}

/** What `kvparity divergences record` writes for a FAIL until the author gives it a link. */
export const LINK_TODO = 'TODO: the upstream issue or documentation that explains this';

const ANY_RUN_KEYS = 'kvp-[0-9a-z]+/[^/]+/';
const KEY_MARK = '\u0000';
const PROPERTY_PREFIX = /^property failed after \d+ runs \(shrunk \d+ times\): /;
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The store's own error text in a failure, where it has one: in its observation (a platform
 * error, a contract error's cause, a probe's refusal), else after "failed: " in its message.
 */
export function storeErrorText(observed: unknown, message: string): string | undefined {
  const o = observed as Record<string, unknown> | null | undefined;
  const text =
    o && typeof o === 'object' && typeof o.error === 'string'
      ? o.error
      : o && typeof o === 'object' && typeof o.kvError === 'string' && typeof o.message === 'string'
        ? o.message
        : /\bfailed: (?:kv store error: )?(.+)$/.exec(message)?.[1];
  // The kit's own words around a refusal are not the store's.
  return text?.replace(/^written, then not read back: /, '');
}

/** Shorter than this, a store's error text says too little to recognise a root cause by. */
const MIN_ERROR_TEXT = 8;

/**
 * A pattern for the store's error text that holds on the next run and seed: the text up to the
 * first key of this run (and the word the key is glued to), numbers left open; undefined when too
 * little of it is the store's own words.
 */
export function errorTextPattern(text: string, runId: string): string | undefined {
  const at = text.indexOf(`kvp-${runId}`);
  const head = (at === -1 ? text : text.slice(0, at).replace(/\S*$/, '')).slice(0, 160);
  if (head.trim().length < MIN_ERROR_TEXT) return undefined;
  return escapeRegex(head).replace(/\d+/g, '\\d+');
}

/**
 * How a recorded entry recognises this failure in later runs, from what this run saw: for a
 * probe, the observed values of the fields its contract names (`{"maxBytes": 65536}`); for a
 * check, the start of its message up to the observed part, with this run's key namespace,
 * numbers and a property's run counts left open.
 */
export function matcherOf(result: CaseResult, namespace: string): Pick<KnownDivergence, 'observed' | 'message'> {
  const observed = result.observed as Record<string, unknown> | undefined;
  if (result.contract && observed && typeof observed === 'object' && Object.keys(result.contract).every((field) => field in observed)) {
    return { observed: Object.fromEntries(Object.keys(result.contract).map((field) => [field, observed[field]])) };
  }
  const message = result.message ?? '';
  const property = PROPERTY_PREFIX.exec(message);
  // A property's counterexample differs from run to run: keep the words before its first value.
  const head = property ? message.slice(property[0].length).split(/["[{\d]/)[0] : message.split(/,? got /)[0];
  // Keys carry this run's namespace (kvp-<run id>/<case or attempt>/): any run's will do.
  const ownKeys = new RegExp(escapeRegex(escapeRegex(namespace)) + '[^/]+/', 'g');
  const pattern = escapeRegex(head).replace(ownKeys, KEY_MARK).replace(/\d+/g, '\\d+').replaceAll(KEY_MARK, ANY_RUN_KEYS);
  return { message: `^${property ? PROPERTY_PREFIX.source.slice(1) : ''}${pattern}` };
}

/** The longest text that every message contains, or '' (messages cut at 1000 characters). */
export function commonText(messages: string[]): string {
  const texts = messages.map((m) => m.slice(0, 1000));
  const [shortest, ...others] = [...texts].sort((a, b) => a.length - b.length);
  const sharedOfLength = (length: number): string | undefined => {
    for (let start = 0; start + length <= shortest.length; start++) {
      const part = shortest.slice(start, start + length);
      if (others.every((text) => text.includes(part))) return part;
    }
    return undefined;
  };
  let best = '';
  for (let low = 1, high = shortest?.length ?? 0; low <= high; ) {
    const middle = (low + high) >> 1;
    const found = sharedOfLength(middle);
    if (found === undefined) high = middle - 1;
    else [best, low] = [found, middle + 1];
  }
  return best.trim();
}

/** Shorter than this, text shared by several failures says too little to recognise them by. */
const MIN_SHARED_TEXT = 12;

/**
 * Entries for the FAILs of a results file (those whose id matches one of `globs`, when given)
 * that no entry records yet. With globs, the author says the selected FAILs share one root
 * cause: one entry covers them all, recognised by the text their messages share (a 64 KiB value
 * limit: "exceeds limit of 65536"), when they share enough. Otherwise one entry per distinct way
 * of failing. An entry's cases are the glob when it covers exactly those cases, else a list.
 * A FAIL that an entry already covers failed otherwise than recorded: it is named, not recorded.
 */
export function recordDivergences(file: ResultsFile, existing: KnownDivergence[], globs: string[] = []): { entries: KnownDivergence[]; failingOtherwise: string[] } {
  const provider = file.run_info.provider;
  const selected = file.results.filter((r) => globs.length === 0 || globs.some((glob) => matchesCaseId(glob, r.test)));
  const fails = selected.filter((r) => r.status === 'FAIL');
  const failingOtherwise = fails.filter((r) => findDivergence(existing, r.test, provider)).map((r) => r.test);
  const toRecord = fails.filter((r) => !failingOtherwise.includes(r.test));
  const caseOf = (ids: string[]): string | string[] =>
    globs.length === 1 && ids.length > 1 && selected.every((r) => ids.includes(r.test)) ? globs[0] : ids.length === 1 ? ids[0] : ids;

  // Keys carry this run's namespace (kvp-<run id>/<case>/): any run's will do.
  const ownKeys = new RegExp(escapeRegex(file.run_info.namespace) + '[^/]+/', 'g');
  const shared = globs.length && toRecord.length > 1 ? commonText(toRecord.map((r) => (r.message ?? '').replace(ownKeys, KEY_MARK))) : '';
  if (shared.replaceAll(KEY_MARK, '').length >= MIN_SHARED_TEXT) {
    const message = escapeRegex(shared).replaceAll(KEY_MARK, ANY_RUN_KEYS);
    return { entries: [{ case: caseOf(toRecord.map((r) => r.test)), provider, message, link: LINK_TODO }], failingOtherwise };
  }
  // One entry per root cause: failures that show the same error text of the store share one,
  // recognised by that text (never a number that moves by a byte from run to run); others by matcherOf.
  const groups = new Map<string, { matcher: Pick<KnownDivergence, 'observed' | 'message'>; ids: string[] }>();
  for (const result of toRecord) {
    const text = storeErrorText(result.observed, result.message ?? '');
    const byText = text === undefined ? undefined : errorTextPattern(text, file.run_info.run_id);
    const matcher = byText !== undefined ? { message: byText } : matcherOf(result, file.run_info.namespace);
    const key = JSON.stringify(matcher);
    groups.set(key, { matcher, ids: [...(groups.get(key)?.ids ?? []), result.test] });
  }
  const entries = [...groups.values()].map(({ matcher, ids }): KnownDivergence => ({ case: caseOf(ids), provider, ...matcher, link: LINK_TODO }));
  return { entries, failingOtherwise };
}

/**
 * Known divergences are data (known-divergences*.json): case + provider → the
 * expected observation and a link. A case that behaves as recorded is
 * EXPECTED_DIVERGENCE; one that no longer diverges FAILs too, so the file
 * never goes stale silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

export interface KnownDivergence {
  case: string;
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
}

/**
 * Every suites/known-divergences*.json, concatenated: the shared file plus one
 * per provider (known-divergences.redis.json), so each owner edits their own.
 * Given a path, only that file.
 */
export function loadDivergences(path?: URL | string): KnownDivergence[] {
  const here = new URL('./', import.meta.url);
  const files = path !== undefined ? [path] : readdirSync(here).filter((name) => /^known-divergences.*\.json$/.test(name)).sort().map((name) => new URL(name, here));
  const list: KnownDivergence[] = [];
  for (const file of files) {
    const name = basename(file instanceof URL ? file.pathname : file);
    let entries: KnownDivergence[];
    try {
      entries = JSON.parse(readFileSync(file, 'utf8')) as KnownDivergence[];
    } catch (error) {
      throw new Error(`${name}: not readable JSON: ${(error as Error).message}`);
    }
    if (!Array.isArray(entries)) throw new Error(`${name}: must hold a JSON array of entries`);
    for (const entry of entries) {
      if (!entry.case || !entry.provider || !entry.link) throw new Error(`${name}: every entry needs case, provider and link: ${JSON.stringify(entry)}`);
      if (entry.intermittent !== undefined && typeof entry.intermittent !== 'boolean') throw new Error(`${name}: "intermittent" must be true or false: ${JSON.stringify(entry)}`);
      if (findDivergence(list, entry.case, entry.provider)) throw new Error(`${name}: ${entry.case} on ${entry.provider} is recorded twice`);
      list.push(entry);
    }
  }
  return list;
}

export function findDivergence(list: KnownDivergence[], caseId: string, providerId: string): KnownDivergence | undefined {
  return list.find((entry) => entry.case === caseId && entry.provider === providerId);
}

/** Does what happened match the recorded divergence? */
export function matchesDivergence(entry: KnownDivergence, observed: unknown, message: string): boolean {
  if (entry.message !== undefined && !new RegExp(entry.message).test(message)) return false;
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
export function mergeDivergences(lists: KnownDivergence[][]): KnownDivergence[] {
  const merged: KnownDivergence[] = [];
  for (const entry of lists.flat()) {
    if (findDivergence(merged, entry.case, entry.provider)) throw new Error(`known divergences: ${entry.case} on ${entry.provider} is recorded twice`);
    merged.push(entry);
  }
  return merged;
}

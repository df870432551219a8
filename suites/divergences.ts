/**
 * Known divergences are data (known-divergences.json): case + provider → the
 * expected observation and a link. A case that behaves as recorded is
 * EXPECTED_DIVERGENCE; one that no longer diverges FAILs too, so the file
 * never goes stale silently.
 */
import { readFileSync } from 'node:fs';
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
}

export function loadDivergences(path: URL | string = new URL('./known-divergences.json', import.meta.url)): KnownDivergence[] {
  const list = JSON.parse(readFileSync(path, 'utf8')) as KnownDivergence[];
  for (const entry of list) {
    if (!entry.case || !entry.provider || !entry.link) throw new Error(`known-divergences.json: every entry needs case, provider and link: ${JSON.stringify(entry)}`);
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

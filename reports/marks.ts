/** The one-character cells every renderer uses, and their legend. */
import type { Cell, Parity, Verdict } from './types.ts';
import { VERDICTS } from './verdict.ts';

export const MARKS = {
  PASS: '✅',
  FAIL: '❌',
  EXPECTED_DIVERGENCE: '≠',
  SKIP: '➖',
  ERROR: '❔',
  TIMEOUT: '❔',
  NOT_RUN: '❔',
} as const;

export const LEGEND = '✅ PASS · ❌ FAIL · ≠ known divergence (EXPECTED_DIVERGENCE) · ➖ SKIP (capability absent) · ❔ ERROR, TIMEOUT or not run';

export const mark = (cell: Cell | undefined) => (cell ? MARKS[cell.status] : MARKS.NOT_RUN);

/** The HTML page uses plain symbols (with coloured cells), which every font has; emoji need an emoji font. */
export const HTML_MARKS: Record<keyof typeof MARKS, string> = {
  PASS: '✓',
  FAIL: '✗',
  EXPECTED_DIVERGENCE: '≠',
  SKIP: '–',
  ERROR: '?',
  TIMEOUT: '?',
  NOT_RUN: '?',
};

export const HTML_LEGEND = '✓ PASS · ✗ FAIL · ≠ known divergence (EXPECTED_DIVERGENCE) · – SKIP (capability absent) · ? ERROR, TIMEOUT or not run';

export const VERDICT_LABELS: Record<Verdict, string> = {
  portable: 'portable',
  divergent: 'divergent',
  'provider-specific': 'provider-specific failure',
  failing: 'failing everywhere',
  unsupported: 'unsupported',
  unknown: 'unknown',
};

/** Providers that produced results here: the matrix columns. Unavailable ones are listed apart. */
export const ranProviders = (parity: Pick<Parity, 'providers'>) => parity.providers.filter((p) => p.available && p.total > 0);

/**
 * A report of one provider (fewer than two ran) compares nothing: it says how the provider did
 * against the contract, with these words for the verdicts instead of cross-provider ones.
 */
export const isSingleProvider = (parity: Pick<Parity, 'providers'>) => ranProviders(parity).length < 2;

const SINGLE_PROVIDER_LABELS: Record<Verdict, string> = {
  portable: 'pass',
  divergent: 'known divergence',
  'provider-specific': 'fail',
  failing: 'fail',
  unsupported: 'capability absent',
  unknown: 'error or not run',
};

/** The verdicts a report shows, in order, with their words (one provider: pass, known divergence, fail, …). */
export function verdictLabels(parity: Pick<Parity, 'providers'>): Array<[Verdict, string]> {
  if (!isSingleProvider(parity)) return VERDICTS.map((v) => [v, VERDICT_LABELS[v]]);
  return VERDICTS.filter((v) => v !== 'provider-specific').map((v) => [v, SINGLE_PROVIDER_LABELS[v]]);
}

export const verdictLabel = (parity: Pick<Parity, 'providers'>, verdict: Verdict) => (isSingleProvider(parity) ? SINGLE_PROVIDER_LABELS : VERDICT_LABELS)[verdict];

/** The declared capabilities in words: "ttl, metadata, clock; capability absent: durable". */
export function capabilityText(capabilities: Record<string, boolean>): string {
  const entries = Object.entries(capabilities);
  const present = entries.filter(([, has]) => has).map(([name]) => name);
  const absent = entries.filter(([, has]) => !has).map(([name]) => name);
  return [present.join(', '), absent.length ? `capability absent: ${absent.join(', ')}` : ''].filter(Boolean).join('; ') || '—';
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
export const superscript = (n: number) => [...String(n)].map((d) => SUPERSCRIPT[Number(d)]).join('');

/** The contract commits the results were run against, each with its providers (one entry when all agree). */
export function contractsOf(parity: Pick<Parity, 'providers'>): Array<{ source: string; commit: string; link: string; providers: string[] }> {
  const byCommit = new Map<string, { source: string; commit: string; link: string; providers: string[] }>();
  for (const p of parity.providers) {
    const key = `${p.contract_source} ${p.contract_commit}`;
    const entry = byCommit.get(key) ?? { source: p.contract_source, commit: p.contract_commit, link: `${p.contract_source}/commit/${p.contract_commit}`, providers: [] };
    entry.providers.push(p.id);
    byCommit.set(key, entry);
  }
  return [...byCommit.values()];
}

/** In words, for every report format: the requests a run sent again after their connection dropped. */
export function resentText(resent: string[]): string {
  const first = resent[0].length > 300 ? resent[0].slice(0, 299) + '…' : resent[0];
  return `${resent.length} request${resent.length === 1 ? '' : 's'} sent again after their connection dropped${resent.length === 1 ? '' : '; the first'}: ${first}`;
}

/** In words, for every report format: how a provider's shards were joined, or which are missing. */
export function shardSentence(note: { provider: string; total: number; missing: number[] }): string {
  if (note.missing.length === 0) return `${note.provider}: joined from its ${note.total} shards`;
  const which = note.missing.length === 1 ? `shard ${note.missing[0]}` : `shards ${note.missing.join(', ')}`;
  return `${note.provider}: ${which} of ${note.total} missing; their cases are absent from this report`;
}

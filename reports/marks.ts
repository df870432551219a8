/** The one-character cells every renderer uses, and their legend. */
import type { Cell, Parity, Verdict } from './types.ts';

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

export const ONE_PROVIDER_NOTE = 'fewer than two providers ran, so nothing was compared: "portable" only means it passed here';

/** Providers that produced results here: the matrix columns. Unavailable ones are listed apart. */
export const ranProviders = (parity: Pick<Parity, 'providers'>) => parity.providers.filter((p) => p.available && p.total > 0);

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

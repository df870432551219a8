/**
 * One verdict per case, from the cells of the providers that ran it. The rules
 * are data (VERDICT_RULES) so every report prints exactly what the code does.
 */
import { stableJson } from './text.ts';
import type { Cell, InteropScore, Verdict } from './types.ts';

export const VERDICTS: Verdict[] = ['portable', 'divergent', 'provider-specific', 'failing', 'unsupported', 'unknown'];

/** Applied in this order; the first that matches wins. */
export const VERDICT_RULES: { verdict: Verdict; when: string }[] = [
  { verdict: 'unsupported', when: 'no provider decided the case and at least one SKIPped it (capability absent) while none errored' },
  { verdict: 'unknown', when: 'no provider decided the case (ERROR, TIMEOUT, or nobody ran it)' },
  { verdict: 'failing', when: 'every deciding provider FAILs: the contract is met nowhere' },
  { verdict: 'provider-specific', when: 'exactly one provider FAILs and every other deciding provider (at least one) PASSes with the same observation' },
  { verdict: 'divergent', when: 'the deciding providers disagree: a FAIL next to a PASS, any EXPECTED_DIVERGENCE, or probes that observed different things' },
  { verdict: 'unknown', when: 'every deciding provider PASSes alike, but another one hit ERROR or TIMEOUT' },
  { verdict: 'unsupported', when: 'every deciding provider PASSes alike, but another one SKIPped (capability absent)' },
  { verdict: 'portable', when: 'every provider that ran the case PASSes, with the same observation for probes' },
];

export const DECIDING_RULE =
  'A provider "ran" a case when its results file lists it and the provider started (unavailable providers, and ones whose runtime did not start, did not). It "decides" the case with PASS, FAIL or EXPECTED_DIVERGENCE.';

export const OBSERVATION_RULE =
  'Observations are compared for probes only, as JSON with sorted keys and with each run\'s key namespace replaced by "{ns}/".';

export const INTEROP_RULE = 'interop score = portable cases ÷ judged cases, where judged = every case except those whose verdict is unknown';

const deciding = (cell: Cell) => cell.status === 'PASS' || cell.status === 'FAIL' || cell.status === 'EXPECTED_DIVERGENCE';

export function decideVerdict(cells: Record<string, Cell>, isProbe: boolean): { verdict: Verdict; reason: string } {
  const entries = Object.entries(cells);
  const decided = entries.filter(([, cell]) => deciding(cell));
  const errored = entries.filter(([, cell]) => cell.status === 'ERROR' || cell.status === 'TIMEOUT').map(([id]) => id);
  const skipped = entries.filter(([, cell]) => cell.status === 'SKIP').map(([id]) => id);
  const passed = decided.filter(([, cell]) => cell.status === 'PASS');
  const failed = decided.filter(([, cell]) => cell.status === 'FAIL').map(([id]) => id);
  const expected = decided.filter(([, cell]) => cell.status === 'EXPECTED_DIVERGENCE').map(([id]) => id);
  const observations = new Set(passed.map(([, cell]) => (isProbe ? stableJson(cell.observed) : '')));

  if (decided.length === 0) {
    if (errored.length === 0 && skipped.length > 0) return { verdict: 'unsupported', reason: `skipped by ${skipped.join(', ')}` };
    return { verdict: 'unknown', reason: errored.length ? `ERROR or TIMEOUT on ${errored.join(', ')}` : 'no provider ran it' };
  }
  if (failed.length === decided.length) {
    return { verdict: 'failing', reason: `fails on ${failed.join(', ')}` };
  }
  if (failed.length === 1 && passed.length >= 1 && passed.length === decided.length - 1 && observations.size === 1) {
    return { verdict: 'provider-specific', reason: `fails only on ${failed[0]}` };
  }
  if (failed.length > 0 || expected.length > 0 || observations.size > 1) {
    const parts = [
      failed.length ? `fails on ${failed.join(', ')}` : '',
      expected.length ? `known divergence on ${expected.join(', ')}` : '',
      observations.size > 1 ? `${observations.size} different observations` : '',
    ].filter(Boolean);
    return { verdict: 'divergent', reason: parts.join('; ') };
  }
  if (errored.length) return { verdict: 'unknown', reason: `passes where decided, but ERROR or TIMEOUT on ${errored.join(', ')}` };
  if (skipped.length) return { verdict: 'unsupported', reason: `passes where run, skipped by ${skipped.join(', ')}` };
  return { verdict: 'portable', reason: `passes on ${passed.map(([id]) => id).join(', ')}` };
}

export function interopScore(verdicts: Verdict[]): InteropScore {
  const judged = verdicts.filter((v) => v !== 'unknown').length;
  const portable = verdicts.filter((v) => v === 'portable').length;
  return { score: judged ? portable / judged : null, portable, judged, rule: INTEROP_RULE };
}

export function countVerdicts(verdicts: Verdict[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const verdict of verdicts) counts[verdict]++;
  return counts;
}

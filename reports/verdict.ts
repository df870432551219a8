/**
 * One verdict per case, from the cells of the providers that ran it. The rules are
 * data (RULES): decideVerdict applies them and every report prints their words, so the
 * printed rules and the code are one list.
 */
import { stableJson } from './text.ts';
import type { Cell, InteropScore, Verdict } from './types.ts';

export const VERDICTS: Verdict[] = ['portable', 'divergent', 'provider-specific', 'failing', 'unsupported', 'unknown'];

/** What decideVerdict knows of one case: which providers decided it and how, and what they observed. */
interface Facts {
  decided: string[];
  passed: string[];
  failed: string[];
  expected: string[];
  errored: string[];
  skipped: string[];
  /** Distinct observations among the PASSes (probes only; one for other checks). */
  observations: number;
}

interface VerdictRule {
  verdict: Verdict;
  /** The rule in words, as every report prints it. */
  when: string;
  applies(facts: Facts): boolean;
  reason(facts: Facts): string;
}

const list = (ids: string[]) => ids.join(', ');

/** Applied in this order; the first that applies wins. decideVerdict reads nothing else. */
const RULES: VerdictRule[] = [
  {
    verdict: 'unsupported',
    when: 'no provider decided the case and at least one SKIPped it (capability absent) while none errored',
    applies: (f) => f.decided.length === 0 && f.errored.length === 0 && f.skipped.length > 0,
    reason: (f) => `skipped by ${list(f.skipped)}`,
  },
  {
    verdict: 'unknown',
    when: 'no provider decided the case (ERROR, TIMEOUT, or nobody ran it)',
    applies: (f) => f.decided.length === 0,
    reason: (f) => (f.errored.length ? `ERROR or TIMEOUT on ${list(f.errored)}` : 'no provider ran it'),
  },
  {
    verdict: 'failing',
    when: 'every deciding provider FAILs: the contract is met nowhere',
    applies: (f) => f.failed.length === f.decided.length,
    reason: (f) => `fails on ${list(f.failed)}`,
  },
  {
    verdict: 'provider-specific',
    when: 'exactly one provider FAILs and every other deciding provider (at least one) PASSes with the same observation',
    applies: (f) => f.failed.length === 1 && f.passed.length >= 1 && f.passed.length === f.decided.length - 1 && f.observations === 1,
    reason: (f) => `fails only on ${f.failed[0]}`,
  },
  {
    verdict: 'divergent',
    when: 'the deciding providers disagree: a FAIL next to a PASS, any EXPECTED_DIVERGENCE, or probes that observed different things',
    applies: (f) => f.failed.length > 0 || f.expected.length > 0 || f.observations > 1,
    reason: (f) =>
      [
        f.failed.length ? `fails on ${list(f.failed)}` : '',
        f.expected.length ? `known divergence on ${list(f.expected)}` : '',
        f.observations > 1 ? `${f.observations} different observations` : '',
      ]
        .filter(Boolean)
        .join('; '),
  },
  {
    verdict: 'unknown',
    when: 'every deciding provider PASSes alike, but another one hit ERROR or TIMEOUT',
    applies: (f) => f.errored.length > 0,
    reason: (f) => `passes where decided, but ERROR or TIMEOUT on ${list(f.errored)}`,
  },
  {
    verdict: 'unsupported',
    when: 'every deciding provider PASSes alike, but another one SKIPped (capability absent)',
    applies: (f) => f.skipped.length > 0,
    reason: (f) => `passes where run, skipped by ${list(f.skipped)}`,
  },
  {
    verdict: 'portable',
    when: 'every provider that ran the case PASSes, with the same observation for probes',
    applies: () => true,
    reason: (f) => `passes on ${list(f.passed)}`,
  },
];

/** The rules in words, in the order they apply (parity.json's rules.verdicts). */
export const VERDICT_RULES: { verdict: Verdict; when: string }[] = RULES.map(({ verdict, when }) => ({ verdict, when }));

export const DECIDING_RULE =
  'A provider "ran" a case when its results file lists it and the provider started (unavailable providers, and ones whose runtime did not start, did not). It "decides" the case with PASS, FAIL or EXPECTED_DIVERGENCE.';

export const OBSERVATION_RULE =
  'Observations are compared for probes only, as JSON with sorted keys and with each run\'s key namespace replaced by "{ns}/".';

export const INTEROP_RULE = 'interop score = portable cases ÷ judged cases, where judged = every case except those whose verdict is unknown; with fewer than two providers run nothing is compared, and there is no score';

const deciding = (cell: Cell) => cell.status === 'PASS' || cell.status === 'FAIL' || cell.status === 'EXPECTED_DIVERGENCE';

function factsOf(cells: Record<string, Cell>, isProbe: boolean): Facts {
  const entries = Object.entries(cells);
  const ids = (keep: (cell: Cell) => boolean) => entries.filter(([, cell]) => keep(cell)).map(([id]) => id);
  const passed = entries.filter(([, cell]) => cell.status === 'PASS');
  return {
    decided: ids(deciding),
    passed: passed.map(([id]) => id),
    failed: ids((cell) => cell.status === 'FAIL'),
    expected: ids((cell) => cell.status === 'EXPECTED_DIVERGENCE'),
    errored: ids((cell) => cell.status === 'ERROR' || cell.status === 'TIMEOUT'),
    skipped: ids((cell) => cell.status === 'SKIP'),
    observations: new Set(passed.map(([, cell]) => (isProbe ? stableJson(cell.observed) : ''))).size,
  };
}

/** The verdict of the first rule that applies, with its reason. */
export function decideVerdict(cells: Record<string, Cell>, isProbe: boolean): { verdict: Verdict; reason: string } {
  const facts = factsOf(cells, isProbe);
  const rule = RULES.find((candidate) => candidate.applies(facts))!;
  return { verdict: rule.verdict, reason: rule.reason(facts) };
}

/** `providersRun`: how many providers ran; with fewer than two, nothing was compared and there is no score. */
export function interopScore(verdicts: Verdict[], providersRun: number): InteropScore {
  const judged = verdicts.filter((v) => v !== 'unknown').length;
  const portable = verdicts.filter((v) => v === 'portable').length;
  return { score: judged && providersRun >= 2 ? portable / judged : null, portable, judged, rule: INTEROP_RULE };
}

export function countVerdicts(verdicts: Verdict[]): Record<Verdict, number> {
  const counts = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const verdict of verdicts) counts[verdict]++;
  return counts;
}

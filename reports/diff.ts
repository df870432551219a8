/**
 * Two parity.json files → the changes per case and provider, as Markdown for a
 * CI comment (wpt.fyi style: `case | provider | base | head`).
 */
import { readFileSync } from 'node:fs';
import { ReportInputError } from './load.ts';
import { mark } from './marks.ts';
import { escapeMarkdown as md, percent, stableJson, truncate } from './text.ts';
import { validateParity } from './validate.ts';
import { PARITY_FORMAT, type Cell, type Parity } from './types.ts';

const MAX_ROWS = 100;

export interface Change {
  case: string;
  provider: string;
  base: Cell | null;
  head: Cell | null;
}

export interface ParityDiff {
  regressions: Change[];
  improvements: Change[];
  /** Other status changes, added or removed cells, and probes that observed something else. */
  changes: Change[];
  verdicts: { case: string; base: string; head: string }[];
  providersAdded: string[];
  providersRemoved: string[];
  interop: { base: number | null; head: number | null };
}

const bad = (cell: Cell | null) => cell !== null && (cell.status === 'FAIL' || cell.status === 'ERROR' || cell.status === 'TIMEOUT');
const good = (cell: Cell | null) => cell !== null && (cell.status === 'PASS' || cell.status === 'EXPECTED_DIVERGENCE');

export function readParity(path: string): Parity {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ReportInputError(`${path} is not a parity report: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not JSON (${(error as Error).message})`}`);
  }
  const format = (data as { format?: unknown } | null)?.format;
  if (typeof format === 'string' && format.startsWith('kvparity-parity@') && format !== PARITY_FORMAT) {
    throw new ReportInputError(`${path} cannot be compared: it is in the parity format ${format}, and this kvparity reads ${PARITY_FORMAT} only: produce both sides with the same kvparity version`);
  }
  const problems = validateParity(data);
  if (problems.length) {
    const hint = (data as { format?: unknown })?.format === 'kvparity-results@1' ? ' (this is a results file; diff takes two parity.json files written by `kvparity report`)' : '';
    throw new ReportInputError(`${path} is not a parity report (reports/parity.schema.json)${hint}:\n${problems.slice(0, 8).map((p) => `  - ${p}`).join('\n')}`);
  }
  return data as Parity;
}

export function diffParity(base: Parity, head: Parity): ParityDiff {
  const baseIds = new Set(base.providers.filter((p) => p.available).map((p) => p.id));
  const headIds = new Set(head.providers.filter((p) => p.available).map((p) => p.id));
  const shared = [...headIds].filter((id) => baseIds.has(id));
  const baseCases = new Map(base.cases.map((row) => [row.id, row]));
  const headCases = new Map(head.cases.map((row) => [row.id, row]));
  const caseIds = [...new Set([...base.cases.map((r) => r.id), ...head.cases.map((r) => r.id)])];
  const result: ParityDiff = {
    regressions: [],
    improvements: [],
    changes: [],
    verdicts: [],
    providersAdded: [...headIds].filter((id) => !baseIds.has(id)),
    providersRemoved: [...baseIds].filter((id) => !headIds.has(id)),
    interop: { base: base.interop.score, head: head.interop.score },
  };
  for (const id of caseIds) {
    const before = baseCases.get(id);
    const after = headCases.get(id);
    if (before && after && before.verdict !== after.verdict) result.verdicts.push({ case: id, base: before.verdict, head: after.verdict });
    const isProbe = (after ?? before)!.check === 'probe';
    for (const provider of shared) {
      const change: Change = { case: id, provider, base: before?.providers[provider] ?? null, head: after?.providers[provider] ?? null };
      if (bad(change.head) && !bad(change.base)) result.regressions.push(change);
      else if (bad(change.base) && good(change.head)) result.improvements.push(change);
      else if (differs(change.base, change.head, isProbe)) result.changes.push(change);
    }
  }
  return result;
}

function differs(a: Cell | null, b: Cell | null, isProbe: boolean): boolean {
  if (!a || !b) return a !== b;
  return a.status !== b.status || (isProbe && stableJson(a.observed) !== stableJson(b.observed));
}

export const isEmpty = (d: ParityDiff) =>
  d.regressions.length + d.improvements.length + d.changes.length + d.verdicts.length + d.providersAdded.length + d.providersRemoved.length === 0;

export function renderDiff(d: ParityDiff, names: { base: string; head: string }): string {
  const title = `## kvparity: ${md(names.base)} → ${md(names.head)}`;
  if (isEmpty(d)) return `${title}\n\nNo changes.\n`;
  // Reports of one provider have no interop score: nothing was compared.
  const interop = d.interop.base === null && d.interop.head === null ? [] : [`Interop score ${percent(d.interop.base)} → ${percent(d.interop.head)}.`, ''];
  const lines = [title, '', ...interop];
  if (d.providersAdded.length) lines.push(`Providers only in head: ${d.providersAdded.map(md).join(', ')}.`, '');
  if (d.providersRemoved.length) lines.push(`Providers only in base: ${d.providersRemoved.map(md).join(', ')}.`, '');
  lines.push(...table(`Regressions (${d.regressions.length})`, d.regressions));
  lines.push(...table(`Improvements (${d.improvements.length})`, d.improvements));
  lines.push(...table(`Other changes (${d.changes.length})`, d.changes));
  if (d.verdicts.length) {
    lines.push(`### Verdict changes (${d.verdicts.length})`, '', '| case | base | head |', '|---|---|---|');
    lines.push(...d.verdicts.slice(0, MAX_ROWS).map((v) => `| \`${v.case}\` | ${v.base} | ${v.head} |`), ...more(d.verdicts.length, 3), '');
  }
  return lines.join('\n') + '\n';
}

function table(heading: string, changes: Change[]): string[] {
  if (changes.length === 0) return [];
  return [
    `### ${heading}`,
    '',
    '| case | provider | base | head |',
    '|---|---|---|---|',
    ...changes.slice(0, MAX_ROWS).map((c) => `| \`${c.case}\` | ${md(c.provider)} | ${cellText(c.base)} | ${cellText(c.head)} |`),
    ...more(changes.length, 4),
    '',
  ];
}

const more = (count: number, columns: number) => (count > MAX_ROWS ? [`| And ${count - MAX_ROWS} others… |${' |'.repeat(columns - 1)}`] : []);

function cellText(cell: Cell | null): string {
  if (!cell) return '— (not in this report)';
  const detail = cell.message || (cell.observed !== undefined ? JSON.stringify(cell.observed) : '');
  return `${mark(cell)} ${cell.status}${detail ? ': ' + md(truncate(detail, 140)) : ''}`;
}

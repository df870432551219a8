/**
 * The native-behaviour table: what each platform itself did at the contract's
 * edges, taken from probe results. Rows are matched to probes by id, so adding a
 * probe to a row is one line here; a probe no row claims gets a row of its own.
 */
import { truncate } from './text.ts';
import { renderFact } from './facts.ts';
import { isFact } from '../results/facts.ts';
import type { Cell, NativeObservation, NativeRow } from './types.ts';

type Observed = Record<string, unknown>;

/**
 * Checked against each probe's id in order; the first row whose pattern matches takes the
 * probe. `headline` picks the telling number out of the observation (undefined: describe it all).
 */
export const NATIVE_ROWS: { key: string; label: string; match: RegExp; headline?: (o: Observed) => string | undefined }[] = [
  { key: 'largest-key', label: 'Largest key', match: /^keys\.(native\.)?(max|largest)\b/, headline: (o) => upperLimit(o, 'B') },
  { key: 'key-alphabet', label: 'Key characters', match: /^keys\.native\.alphabet$/ },
  { key: 'largest-value', label: 'Largest value', match: /^values\.(native\.)?(max|largest)\b/, headline: (o) => upperLimit(o, 'B') },
  { key: 'smallest-ttl', label: 'Smallest TTL', match: /^ttl\.(native\.)?(min|minimum|smallest)\b/, headline: (o) => (typeof o.minTtlSeconds === 'number' ? `${o.minTtlSeconds} s` : undefined) },
  { key: 'largest-ttl', label: 'Largest TTL', match: /^ttl\.(native\.)?(max|maximum|largest)\b/ },
  { key: 'expiry', label: 'Expiry after the TTL', match: /^ttl\.native\.expiry\b/ },
  { key: 'largest-page', label: 'Largest page', match: /^pagination\.(native\.)?(max|largest)[-.]?(page|limit)\b/, headline: (o) => upperLimit({ maxBytes: o.maxPageSize, rejectedFrom: o.over === 'accepted' ? null : undefined, probedUpTo: o.probedUpTo }, 'keys') },
  { key: 'default-page', label: 'List without a limit', match: /^pagination\.native\.default-(limit|page)\b/, headline: defaultPage },
  { key: 'list-order', label: 'List order', match: /^pagination\.(native\.)?(list-)?order\b/, headline: (o) => (typeof o.order === 'string' ? o.order : undefined) },
  { key: 'delete-missing', label: 'Delete of a missing key', match: /(native[.-])delete-missing\b/ },
  { key: 'malformed-cursor', label: 'Malformed cursor', match: /\b(malformed|bad|invalid|garbage)-cursor\b/, headline: cursorOutcomes },
  { key: 'metadata-limit', label: 'Metadata limit', match: /^metadata\.(native\.)?(max|largest|limit)\b/, headline: (o) => upperLimit(o, 'B') },
];

/** A list without a limit over `over` keys: how many came back, and whether a cursor followed. */
function defaultPage(o: Observed): string | undefined {
  if (typeof o.keys !== 'number' || typeof o.over !== 'number') return undefined;
  const n = (count: number) => count.toLocaleString('en-US');
  if (o.complete === true && o.keys >= o.over) return `all ${n(o.keys)} keys in one page (no default page size up to ${n(o.over)})`;
  return `${n(o.keys)} of ${n(o.over)} keys${o.complete === false ? ', then a cursor' : ', and no cursor'}`;
}

/** Each cursor the store never issued: refused (with its class), or taken and what the page held. */
function cursorOutcomes(o: Observed): string | undefined {
  const outcomes = Object.entries(o);
  if (!outcomes.every(([, v]) => isRecord(v) && typeof v.ok === 'boolean')) return undefined;
  return outcomes
    .map(([label, v]) => {
      const outcome = v as Observed;
      if (outcome.ok === false) return `${label}: rejected${typeof outcome.class === 'string' ? ` (${outcome.class})` : ''}`;
      return `${label}: accepted, ${outcome.keys} key(s) listed${outcome.complete === true ? ', no cursor' : ''}`;
    })
    .join('; ');
}

/** An upper limit found by bisection (suites/probe.ts UpperLimit): exact, or "none up to" the probe's cap. */
function upperLimit(o: Observed, unit: string): string | undefined {
  if (typeof o.maxBytes === 'number') return amount(o.maxBytes, unit);
  if (o.rejectedFrom !== null || typeof o.probedUpTo !== 'number') return undefined;
  return o.probedUpTo > 0 ? `no limit up to ${amount(o.probedUpTo, unit)}` : 'not measured';
}

function amount(n: number, unit: string): string {
  if (unit !== 'B' || n < 1024 || n % 1024 !== 0) return `${n} ${unit}`;
  return `${n} B (${n % 1048576 === 0 ? `${n / 1048576} MiB` : `${n / 1024} KiB`})`;
}

/** The row a probe id belongs to, or undefined when it gets a row of its own. */
export const nativeRowFor = (caseId: string) => NATIVE_ROWS.find((row) => row.match.test(caseId))?.key;

interface ProbeCells {
  definition: { test: string; title: string; check: string };
  cells: Record<string, Cell>;
}

export function nativeTable(cases: ProbeCells[], providerIds: string[]): NativeRow[] {
  const rows = new Map<string, NativeRow>(NATIVE_ROWS.map(({ key, label }) => [key, { key, label, providers: {} }]));
  for (const { definition, cells } of cases) {
    if (definition.check !== 'probe') continue;
    const key = nativeRowFor(definition.test) ?? definition.test;
    if (!rows.has(key)) rows.set(key, { key, label: definition.title, providers: {} });
    const row = rows.get(key)!;
    const headline = NATIVE_ROWS.find((r) => r.key === key)?.headline;
    for (const id of providerIds) {
      const cell = cells[id];
      if (!cell) continue;
      (row.providers[id] ??= []).push({ case: definition.test, status: cell.status, ...summarizeObservation(cell, headline) });
    }
  }
  return [...rows.values()];
}

/** Where several probes share a row, each observation is labelled by the end of its case id. */
export function observationLabel(observation: NativeObservation, count: number): string {
  return count > 1 ? `${observation.case.split('.').slice(-1)[0]}: ` : '';
}

/** Fields holding a platform's error text: error, message, errorBelow, ... */
const isErrorField = (key: string) => key === 'message' || /error/i.test(key);

/** A short text for what was observed, with every error text found in it kept verbatim. */
export function summarizeObservation(cell: Pick<Cell, 'observed' | 'message' | 'status'>, headline?: (o: Observed) => string | undefined): Pick<NativeObservation, 'value' | 'errors' | 'fact'> {
  const errors = new Set<string>();
  collectErrors(cell.observed, errors);
  // A probe skipped for a capability the provider declares absent says so ("capability absent: ttl").
  if (cell.status === 'SKIP') return { value: cell.message ?? 'skipped', errors: [] };
  if (cell.status === 'ERROR' || cell.status === 'TIMEOUT') {
    if (cell.message) errors.add(cell.message);
    return { value: cell.status, errors: [...errors] };
  }
  // A fact renders whole, never cut: its text is short by design and every number in it counts.
  if (isFact(cell.observed)) {
    const rendered = renderFact(cell.observed);
    return { value: rendered.value, errors: [...new Set([...rendered.errors, ...errors])], fact: true };
  }
  // A row's headline is written to be read whole too; anything else is described, and cut.
  const picked = headline && isRecord(cell.observed) ? headline(cell.observed) : undefined;
  if (picked !== undefined) return { value: picked, errors: [...errors], fact: true };
  return { value: truncate(describe(cell.observed), 160), errors: [...errors] };
}

function collectErrors(value: unknown, into: Set<string>, depth = 0): void {
  if (!value || typeof value !== 'object' || depth > 6) return;
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string' && (isErrorField(key) || (key === 'stoppedBy' && !/^cap of/.test(inner)))) into.add(inner);
    else collectErrors(inner, into, depth + 1);
  }
}

const isRecord = (value: unknown): value is Observed => !!value && typeof value === 'object' && !Array.isArray(value);

/** ok / rejected (class) for an outcome, then the other fields; nested outcomes the same way. */
function describe(value: unknown, depth = 0): string {
  if (value === undefined || value === null) return depth ? 'null' : '(nothing observed)';
  if (typeof value === 'string') return value;
  if (!isRecord(value)) return JSON.stringify(value);
  const outcome = value.ok === true ? 'ok' : value.ok === false ? 'rejected' : '';
  const errorClass = outcome === 'rejected' && typeof value.class === 'string' ? `(${value.class})` : '';
  const rest = Object.entries(value)
    .filter(([key]) => !isErrorField(key) && key !== 'stoppedBy' && key !== 'ok' && !(outcome && key === 'class'))
    .map(([key, inner]) => `${key}: ${depth < 2 && isRecord(inner) ? describe(inner, depth + 1) : typeof inner === 'string' ? inner : JSON.stringify(inner)}`);
  const text = [[outcome, errorClass].filter(Boolean).join(' '), ...rest].filter(Boolean).join(', ');
  return text || (Object.keys(value).length ? 'rejected' : '{}');
}

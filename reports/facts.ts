/**
 * One readable cell per fact (results/facts.ts): the number with its unit, or where the search
 * stood in words; the platform's own refusal text goes beside it, verbatim.
 */
import { amount, type AttemptsFact, type ExpiryFact, type Fact, type LimitFact, type TtlLifetimes } from '../results/facts.ts';

export interface FactCell {
  value: string;
  errors: string[];
}

export function renderFact(fact: Fact): FactCell {
  if (fact.fact === 'limit') return { value: limitText(fact), errors: fact.error ? [fact.error] : [] };
  if (fact.fact === 'expiry') return { value: expiryText(fact), errors: [] };
  if (fact.fact === 'alphabet') return { value: fact.summary, errors: fact.error ? [fact.error] : [] };
  return { value: attemptsText(fact), errors: [] };
}

function limitText(f: LimitFact): string {
  const text = searchText(f) + movesText(f);
  return f.lifetimes ? lifetimesText(f, f.lifetimes, text) : text;
}

/** A limit on two inputs together: what it is with the other one longer, and their sum when it moves one for one. */
function movesText(f: LimitFact): string {
  const m = f.movesWith;
  if (!m || f.value === null) return '';
  const of = (n: number) => amount(n, f.unit);
  const other = m.value === null ? 'not pinned' : of(m.value);
  const total = m.total !== undefined ? `: key and value together at most ${of(m.total)} (a limit on the request, not the value)` : '';
  return ` with a ${m.at}-byte key; ${other} with one ${m.by} B longer${total}`;
}

/** "1 ms", "1.5 s", "59 s": a TTL in seconds. */
const ttl = (s: number) => (s < 1 ? `${Number((s * 1000).toFixed(3))} ms` : `${s.toLocaleString('en-US')} s`);

/** The smallest TTL with what keys lived: the one honoured first, then what became of those under it and of a fraction. */
function lifetimesText(f: LimitFact, life: TtlLifetimes, accepted: string): string {
  const smallest = f.accepted === null ? null : f.unit === 'ms' ? f.accepted / 1000 : f.accepted;
  const real = life.measured === 'real-time' ? ` (lifetimes measured in real time, to ${duration(life.resolutionMs ?? 500)})` : '';
  const stopped = life.stopped ? `; lifetimes: ${life.stopped}` : '';
  if (life.asked.length === 0) return `${accepted}; lifetimes ${life.stopped ?? 'not observed'}`;
  if (life.honoured === null) return `${accepted}; no TTL asked lived as long as asked${stopped}${real}`;
  const head = life.honoured === smallest ? accepted : `${ttl(life.honoured)} honoured (accepted: ${accepted})`;
  const under = life.floor
    ? life.floor.lives === life.honoured
      ? `anything under ${ttl(life.honoured)} lives ${ttl(life.honoured)}`
      : `TTLs of ${ttl(life.floor.from)} to ${ttl(life.floor.to)} live ${ttl(life.floor.lives)}`
    : life.raised
      ? `TTLs of ${ttl(life.raised.from)} to ${ttl(life.raised.to)} lived longer than asked${life.raised.varying ? ', by varying amounts' : ''} (up to ${ttl(life.raised.upTo)})${life.raised.varying ? ': late expiry, not a floor' : ''}`
      : '';
  const fraction = life.fraction && life.fraction.rule !== 'kept' ? `; fractions ${life.fraction.rule}: ${ttl(life.fraction.asked)} lives ${ttl(life.fraction.lived)}` : '';
  return `${head}${under ? `: ${under}` : ''}${fraction}${stopped}${real}`;
}

function searchText(f: LimitFact): string {
  const of = (n: number) => amount(n, f.unit);
  const beyond = f.beyond ? `; beyond it: ${f.beyond}` : '';
  if (f.value !== null) return of(f.value) + beyond;
  if (f.stopped?.startsWith('not monotonic')) return f.stopped;
  if (f.accepted === null) {
    if (f.refused === null) return f.stopped ?? 'nothing measured';
    return f.bound === 'max' ? `refused at every size tried, from ${of(f.from)}` : `refused at every value tried, up to ${of(f.to)}`;
  }
  if (f.refused === null) {
    const none = f.bound === 'max' ? `no limit up to ${of(f.to)}` : `no minimum down to ${of(f.from)}`;
    if (!f.stopped) return none + beyond;
    return `${f.bound === 'max' ? `accepted up to ${of(f.accepted)}` : `accepted down to ${of(f.accepted)}`}; ${f.stopped}`;
  }
  const range = f.bound === 'max' ? `accepted up to ${of(f.accepted)}, refused from ${of(f.refused)}` : `accepted down to ${of(f.accepted)}, refused at ${of(f.refused)}`;
  return f.stopped ? `${range}; ${f.stopped}` : range;
}

/** 1 ms, 999 ms, 1.5 s, 60 s, 36 h. */
function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 3600 * 2) return `${Number(s.toFixed(3))} s`;
  return `${Number((s / 3600).toFixed(2))} h`;
}

function expiryText(f: ExpiryFact): string {
  const how = f.measured === 'real-time' ? ` (measured in real time${f.resolutionMs ? `, polled every ${duration(f.resolutionMs)}` : ''})` : '';
  if (f.earlyMs !== undefined) return `gone ${duration(f.earlyMs)} before the TTL${how}`;
  if (f.lateMs === 0) return `gone at the TTL${how}`;
  if (f.lateMs !== null) return `gone ${duration(f.lateMs)} after the TTL${f.presentAtMs !== undefined && f.presentAtMs > 0 ? ` (still there at +${duration(f.presentAtMs)})` : ''}${how}`;
  return `still there ${duration(f.presentAtMs ?? 0)} after the TTL${f.stopped ? `; ${f.stopped}` : ''}${how}`;
}

function attemptsText(f: AttemptsFact): string {
  const parts = Object.entries(f.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, count]) => `${outcome} ${count}×`);
  return `${f.nondeterministic ? 'varies from call to call' : 'the same every time'} over ${f.attempts} attempts: ${parts.join(', ')}`;
}

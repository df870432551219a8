/**
 * Facts: what a probe measured, as data a report renders in one cell. A probe returns a
 * fact as its observation (the `fact` field names the kind), so every number in a report
 * carries its unit, the platform's own words and how it was found.
 */

/** Units a fact is measured in. */
export type FactUnit = 'B' | 'keys' | 's' | 'ms';

/**
 * A limit found by searching the whole range: the largest (`max`) or smallest (`min`) size or
 * number the platform accepts. `value` is set only when pinned to the unit: accepted at `value`,
 * refused one unit beyond. Otherwise `accepted` and `refused` say where the search stood and
 * `stopped` says why, in words.
 */
export interface LimitFact {
  fact: 'limit';
  bound: 'max' | 'min';
  unit: FactUnit;
  value: number | null;
  /** The accepted size nearest the boundary, or null when nothing was accepted. */
  accepted: number | null;
  /** The refused size nearest the boundary, or null when nothing in range was refused. */
  refused: number | null;
  /** The platform's refusal at `refused`, verbatim. */
  error?: string;
  /** The range searched, inclusive. */
  from: number;
  to: number;
  /** How the number was found, in words ("exponential steps from 21 B, then bisection"). */
  how: string;
  /** Why the search ended without pinning a boundary ("stopped after 512 MiB moved"), or how the platform broke the search ("not monotonic: …"). */
  stopped?: string;
  /** What the platform does beyond a page limit: refuse, or return fewer keys (clamp), or more. */
  beyond?: string;
  probes: number;
  /** Bytes sent while searching, where sizes cost bytes (the time it took is the case's duration). */
  moved?: number;
  /**
   * A limit on this and another input together (a request limit over key and value): with the
   * other input `by` units longer, the limit is `value` (null: not pinned), and `total` is what
   * the two may add up to when the limit moves one for one.
   */
  movesWith?: { input: 'key'; at: number; by: number; value: number | null; total?: number };
  /** For the smallest TTL: what keys written with TTLs at and above it lived (suites/lifetimes.ts). */
  lifetimes?: TtlLifetimes;
}

/**
 * What keys written with several TTLs lived: the smallest TTL the store honours (a key lives as
 * long as asked, no longer than the keys of larger TTLs live past theirs), and how it treats the
 * others. Seconds throughout.
 */
export interface TtlLifetimes {
  /** The smallest TTL asked with which a key lived as long as asked; null: none of those asked. */
  honoured: number | null;
  /** TTLs from `from` to `to` lived `lives` (when `lives` is `honoured`: anything under it lives it). */
  floor?: { from: number; to: number; lives: number };
  /**
   * TTLs from `from` to `to` lived longer than asked, up to `upTo`: read too sparsely to pin one
   * age, or (`varying`) at ages no one floor explains (late expiry, not a floor).
   */
  raised?: { from: number; to: number; upTo: number; varying?: true };
  /** What a fractional TTL lived: cut to the whole second below, raised to the one above, or kept. */
  fraction?: { asked: number; lived: number; rule: 'truncated' | 'rounded up' | 'kept' };
  /** The TTLs asked (each in two bursts). */
  asked: number[];
  /** How the lifetimes were watched; absent when they were not (no clock, no --real-time). */
  measured?: 'controlled-clock' | 'real-time';
  /** In real time: differences smaller than this are not told. */
  resolutionMs?: number;
  /** Why the lifetimes were not all observed, in words (no clock, the budget ran out). */
  stopped?: string;
  how: string;
}

/**
 * How long after its TTL a key stopped being returned. Found with the provider's controlled
 * clock (exact to the millisecond) or, only when the user asks (--real-time), measured in real
 * time on a provider without one (then only as exact as the polling).
 */
export interface ExpiryFact {
  fact: 'expiry';
  /** The TTL the key was written with, in seconds. */
  ttlSeconds: number;
  /** Milliseconds after the TTL when the key was first gone; 0: gone at the TTL; null: not gone within the search. */
  lateMs: number | null;
  /** Still returned this many ms after the TTL (the last time it was seen). */
  presentAtMs?: number;
  /** The key was gone before its TTL (ms before the TTL when it was first missing). */
  earlyMs?: number;
  measured: 'controlled-clock' | 'real-time';
  /** For real time: the polling interval, so the reader knows the resolution. */
  resolutionMs?: number;
  /** Why the measurement ended without a number, in words. */
  stopped?: string;
  how: string;
}

/**
 * A verdict decided from many attempts on a platform whose answers vary from call to call (Redis
 * SCAN): how often each outcome was seen.
 */
export interface AttemptsFact {
  fact: 'attempts';
  attempts: number;
  /** Outcome (PASS, or the failure message) → how many attempts gave it. */
  outcomes: Record<string, number>;
  nondeterministic: boolean;
}

/**
 * The characters a store takes in keys (suites/key-alphabet.ts): stated positively, with the
 * characters tried and refused. Cases about other rules write only names the store takes.
 */
export interface AlphabetFact {
  fact: 'alphabet';
  /** In words, positively: "`[-./=_a-zA-Z0-9]` only: no 2-, 3- or 4-byte character", or "every character tried". */
  summary: string;
  /** The printable ASCII the store takes, as a regular-expression class; null when it takes all of it. */
  class: string | null;
  /** Characters taken, of those tried. */
  taken: string[];
  /** Characters refused (or not read back under their name), of those tried. */
  refused: string[];
  /** UTF-8 widths of which no character tried was taken: the key-width probes say "none accepted". */
  noneOfWidth: Array<2 | 3 | 4>;
  /** The store's refusal of the first character refused, verbatim. */
  error?: string;
  how: string;
}

export type Fact = LimitFact | ExpiryFact | AttemptsFact | AlphabetFact;

export function isFact(value: unknown): value is Fact {
  return !!value && typeof value === 'object' && typeof (value as { fact?: unknown }).fact === 'string';
}

/** A number with its unit, as reports and probes write it: "26,214,400 B (25 MiB)", "1,000 keys", "31,536,000 s (365 d)". */
export function amount(n: number, unit: FactUnit): string {
  const grouped = n.toLocaleString('en-US');
  if (unit === 'keys' && n === 1) return '1 key';
  if (unit === 'B' && n >= 1024 && n % 1048576 === 0) return `${grouped} B (${n / 1048576} MiB)`;
  if (unit === 'B' && n >= 1024 && n % 1024 === 0) return `${grouped} B (${n / 1024} KiB)`;
  if (unit === 's' && n >= 86400 && n % 86400 === 0) return `${grouped} s (${(n / 86400).toLocaleString('en-US')} d)`;
  return `${grouped} ${unit}`;
}

/**
 * Where a `kvparity test` run's time went (test.ts writes it, `kvparity bench` records it for a
 * full run): conformance per provider, the kit's own tests per file, and runtime starts over every
 * process of the run.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, type StartTally } from '../runners/process.ts';

/** What `kvparity test` writes beside the results (bench records it for a full run). */
export const TIMING_FILE = 'timing.json';

export interface TestTiming {
  format: 'kvparity-test-timing@1';
  total_s: number;
  conformance: { total_s: number; providers: Array<{ id: string; seconds: number }> };
  /** null with --no-unit. */
  kit_tests: { total_s: number; code: number; files: Array<{ file: string; seconds: number }> } | null;
  /** Every runtime that became ready during the run, in any of its processes (tests' own included). */
  runtime_starts: StartTally;
}

/** The one-line breakdown `npm test` ends with. */
export function breakdown(timing: TestTiming): string {
  const s = (seconds: number) => `${seconds.toFixed(1)} s`;
  const providers = timing.conformance.providers.map((p) => `${p.id} ${s(p.seconds)}`).join(', ');
  const starts = timing.runtime_starts;
  const perRuntime = Object.entries(starts.byRuntime)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, tally]) => `${name} ${tally.count} in ${s(tally.ms / 1000)}`)
    .join(', ');
  return [
    `time: ${s(timing.total_s)} in all`,
    `conformance ${s(timing.conformance.total_s)} (${providers})`,
    ...(timing.kit_tests ? [`kit tests ${s(timing.kit_tests.total_s)}`] : []),
    `runtime starts ${starts.count} in ${s(starts.ms / 1000)}${perRuntime ? ` (${perRuntime})` : ''}, within the above`,
  ].join('; ');
}

/**
 * Each provider's seconds in its last whole-suite run on this machine (in any clone): a run starts
 * its slowest providers first, so the lanes end together, also on a fresh clone in CI.
 */
const providerTimes = () => join(cacheDir('timing'), 'providers.json');

export function lastProviderSeconds(): Record<string, number> {
  try {
    const record = JSON.parse(readFileSync(providerTimes(), 'utf8')) as unknown;
    return record && typeof record === 'object' ? Object.fromEntries(Object.entries(record).filter(([, seconds]) => Number.isFinite(seconds))) : {};
  } catch {
    return {};
  }
}

export function rememberProviderSeconds(seconds: Array<{ id: string; seconds: number }>): void {
  const record = { ...lastProviderSeconds(), ...Object.fromEntries(seconds.map((p) => [p.id, Number(p.seconds.toFixed(1))])) };
  // Whole or not at all: another run may read it meanwhile.
  const temporary = `${providerTimes()}.${process.pid}`;
  writeFileSync(temporary, JSON.stringify(record, null, 2) + '\n');
  renameSync(temporary, providerTimes());
}

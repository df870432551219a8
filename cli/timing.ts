/**
 * Where a `kvparity test` run's time went (test.ts writes it, `kvparity bench` records it for a
 * full run): conformance per provider, the kit's own tests per file, and runtime starts over every
 * process of the run.
 */
import type { StartTally } from '../runners/process.ts';

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

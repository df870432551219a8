/**
 * Runs a fast-check property inside a case, with the case's seed, and turns a
 * failure into a CaseFailure that carries seed, path and counterexample, so the
 * results file can replay it (`--seed=<seed>`).
 */
import fc from 'fast-check';
import { CaseFailure, type CaseContext } from './case.ts';

export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  context: Pick<CaseContext, 'seed' | 'runs' | 'observe'>,
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IAsyncProperty<Ts>,
  options: { numRuns?: number } = {},
): Promise<void> {
  const numRuns = options.numRuns ?? context.runs;
  const details = await fc.check(property, { seed: context.seed, numRuns, endOnFailure: false });
  context.observe({ seed: details.seed, numRuns: details.numRuns });
  if (!details.failed) return;
  const counterexample = details.counterexample ? fc.stringify(details.counterexample) : undefined;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? 'property failed');
  throw new CaseFailure(`property failed after ${details.numRuns} runs (shrunk ${details.numShrinks} times): ${cause}`, {
    observed: (details.errorInstance as CaseFailure | undefined)?.details?.observed,
    property: { seed: details.seed, path: details.counterexamplePath ?? undefined, counterexample: counterexample?.slice(0, 4000), numRuns: details.numRuns },
  });
}

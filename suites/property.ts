/**
 * Runs a fast-check property inside a case, with the case's seed, and turns a
 * failure into a CaseFailure that carries seed, path and counterexample, so the
 * results file can replay it (`--replay=<seed>:<path> --case=<id>`). A model-based
 * failure's counterexample is exactly its commands up to and including the failing one.
 */
import fc from 'fast-check';
import { CaseFailure, type CaseContext } from './case.ts';

export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  context: Pick<CaseContext, 'seed' | 'runs' | 'observe' | 'replay'>,
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IAsyncProperty<Ts>,
  options: { numRuns?: number } = {},
): Promise<void> {
  const numRuns = options.numRuns ?? context.runs;
  // A replay runs the one recorded path, from the recorded seed (fast-check's own replay).
  const details = await fc.check(property, context.replay ? { seed: context.replay.seed, path: context.replay.path, numRuns, endOnFailure: true } : { seed: context.seed, numRuns, endOnFailure: false });
  context.observe({ seed: details.seed, numRuns: details.numRuns });
  if (!details.failed) return;
  const commands = details.errorInstance instanceof CaseFailure ? details.errorInstance.details.commands : undefined;
  const generated = details.counterexample ? fc.stringify(details.counterexample) : undefined;
  const counterexample = commands ? `[${commands.join(', ')}]` : generated;
  // fast-check's commands print their own replay path; --replay needs it besides seed and path.
  const commandsPath = /replayPath="([^"]*)"/.exec(generated ?? '')?.[1];
  const replay = details.counterexamplePath ? `${details.seed}:${details.counterexamplePath}${commandsPath ? `@${commandsPath}` : ''}` : undefined;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance ?? 'property failed');
  throw new CaseFailure(`property failed after ${details.numRuns} runs (shrunk ${details.numShrinks} times): ${cause}`, {
    observed: (details.errorInstance as CaseFailure | undefined)?.details?.observed,
    property: { seed: details.seed, path: details.counterexamplePath ?? undefined, counterexample: counterexample?.slice(0, 4000), numRuns: details.numRuns, ...(replay ? { replay } : {}) },
  });
}

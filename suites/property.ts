/**
 * Runs a fast-check property inside a case, with the case's seed, and turns a
 * failure into a CaseFailure that carries seed, path and counterexample, so the
 * results file can replay it (`--replay=<seed>:<path> --case=<id>`). A model-based
 * failure's counterexample is exactly its commands up to and including the failing one.
 */
import fc from 'fast-check';
import { CaseFailure, type CaseContext } from './case.ts';

export async function checkProperty<Ts extends [unknown, ...unknown[]]>(
  context: Pick<CaseContext, 'seed' | 'runs' | 'observe' | 'replay' | 'shrinkBudgetMs'>,
  property: fc.IAsyncPropertyWithHooks<Ts> | fc.IAsyncProperty<Ts>,
  options: { numRuns?: number } = {},
): Promise<void> {
  const numRuns = options.numRuns ?? context.runs;
  const checked = context.shrinkBudgetMs === undefined ? property : shrinkingFor(property, context.shrinkBudgetMs);
  // A replay runs the one recorded path, from the recorded seed (fast-check's own replay).
  const details = await fc.check(checked, context.replay ? { seed: context.replay.seed, path: context.replay.path, numRuns, endOnFailure: true } : { seed: context.seed, numRuns, endOnFailure: false });
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

/**
 * `property`, shrinking for at most `budgetMs` after its first failure: past it, every candidate
 * is skipped (a precondition failure, which fast-check never takes for a counterexample), so the
 * shrink ends with the smallest failure found so far instead of minimising it to the end.
 */
function shrinkingFor<Ts>(property: fc.IAsyncProperty<Ts>, budgetMs: number): fc.IAsyncProperty<Ts> {
  let failedAt: number | undefined;
  return {
    isAsync: () => true,
    generate: (random, runId) => property.generate(random, runId),
    shrink: (value) => property.shrink(value),
    runBeforeEach: () => property.runBeforeEach(),
    runAfterEach: () => property.runAfterEach(),
    async run(value) {
      if (failedAt !== undefined && performance.now() - failedAt > budgetMs) return new fc.PreconditionFailure();
      const outcome = await property.run(value);
      if (outcome !== null && !fc.PreconditionFailure.isFailure(outcome)) failedAt ??= performance.now();
      return outcome;
    },
  };
}
